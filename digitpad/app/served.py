"""The app as its clients meet it, for the tests and the benchmark alike: `Server` (`python demo.py` on a free
port), headless Chromium's arguments, the tests that the stroke pad takes ink and that the answer shown is the
latest drawing's, and a photo input's value built from a picture. Nothing here is served; it lives beside the app
so that the tests need not import the benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np


def pad_value(alpha: np.ndarray) -> dict:
    """A Gradio 6.31 image editor value (type="numpy", RGBA: the photo input, and `/predict`) with
    strokes of this alpha (H, W) uint8 in black: the layer carries them in its alpha, the composite
    is opaque ink on white."""
    h, w = alpha.shape
    white = np.full((h, w, 4), 255, np.uint8)
    layer = np.zeros((h, w, 4), np.uint8)
    layer[..., 3] = alpha
    composite = white.copy()
    composite[..., :3] = 255 - alpha[..., None]
    return {"background": white, "layers": [layer], "composite": composite}


def live_url(http_url: str) -> str:
    """The pad's live WebSocket of the app served at `http_url` (`app.draw.LIVE_PATH`, which imports Gradio)."""
    return http_url.replace("http://", "ws://").rstrip("/") + "/live"


class Server:
    """`python demo.py` on a free port, for the end-to-end figures and the tests.

    `with Server(env, log) as server:` waits until it serves `server.url`; if it exits or
    does not serve within 120 s, the error carries what it printed (to `log`, if given).
    """

    def __init__(self, env: dict | None = None, log: Path | None = None):

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        root = Path(__file__).resolve().parents[2]  # the checkout, where demo.py is
        self.home = tempfile.TemporaryDirectory(prefix="digitpad-home-")  # corrections go here, unless env says
        env = {
            **os.environ,
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "DIGITPAD_HOME": self.home.name,
            **(env or {}),
        }
        with open(log or os.devnull, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "demo.py", "--port", str(self.port)],
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def printed(self) -> str:
        return self.log.read_text() if self.log else "(no log kept)"

    def __enter__(self) -> Server:

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"demo.py exited with {self.process.returncode}:\n{self.printed()}")
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        self.process.kill()
        raise RuntimeError(f"demo.py did not serve {self.url} within 120 s:\n{self.printed()}")

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.home.cleanup()


# Headless Chromium on a server without a GPU: WebGL through SwiftShader, the page composited in software. GPU
# compositing through SwiftShader redrew the whole page for each mouse move: drawing 385 on the Number tab's wide
# pad took 24 s of mouse moves with it, 8 s without.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-gpu-compositing",
]

# `page.wait_for_function(PAD_TAKES_INK, arg="#pad")`: the pad's script listens (`data-ready`, see
# `app.stroke_pad`) and nothing covers its canvas. Gradio's "Loading..." covers the whole page for a moment
# after the components appear; a stroke drawn through it is lost, as a visitor's would be.
PAD_TAKES_INK = """selector => {
  const canvas = document.querySelector(selector + ' [data-ready] canvas');
  const box = canvas && canvas.getBoundingClientRect();
  return !!box && box.width > 0 && document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === canvas;
}"""

# Whether the answer shown is about the pad's latest value (the versions the pad numbers its values with and
# the answer echoes) or about a photo: a late answer to strokes in progress must not pass for the final one.
ANSWERS_LATEST_DRAWING = """() => {
  const answer = document.querySelector('#answer .answer'), pad = document.querySelector('#pad [data-version]');
  if (!answer) return false;
  if (answer.dataset.about === 'photo') return true;
  return answer.dataset.padVersion === (pad ? pad.dataset.version : '');
}"""

# The same on the Number tab: its digits carry the version of the pad value they answer (`number.versioned`).
NUMBER_ANSWERS_LATEST_DRAWING = """() => {
  const answer = document.querySelector('#number-digits [data-pad-version]');
  const pad = document.querySelector('#number-pad [data-version]');
  return !!answer && !!pad && answer.dataset.padVersion === pad.dataset.version;
}"""
