"""What the benchmark and the tests share: the running app (`Server`: `python demo.py` on a free port),
headless Chromium's arguments, pad values built from pictures, percentiles, and the report's tables.
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from digitpad.training.device import physical_cores


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


def synthetic_pad(size: int, shift: tuple[int, int] = (0, 0)) -> dict:
    """A pad value with a drawn "3", moved by `shift` px."""

    alpha = Image.new("L", (size, size), 0)
    s, (dx, dy) = size / 280, shift
    points = [(80, 60), (180, 50), (120, 135), (190, 190), (90, 230)]
    ImageDraw.Draw(alpha).line(
        [(x * s + dx, y * s + dy) for x, y in points], fill=255, width=int(14 * s), joint="curve"
    )
    return pad_value(np.asarray(alpha))


def percentiles(samples: list[float]) -> dict:
    ms = sorted(x * 1000 for x in samples)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}


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
            **os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "DIGITPAD_HOME": self.home.name,
            **(env or {}),
        }  # fmt: skip
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


CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking"]  # fmt: skip

# `page.wait_for_function(PAD_TAKES_INK, arg="#pad")`: the pad's script listens (`data-ready`, see
# `app.stroke_pad`) and nothing covers its canvas. Gradio's "Loading..." covers the whole page for a moment
# after the components appear; a stroke drawn through it is lost, as a visitor's would be.
PAD_TAKES_INK = """selector => {
  const canvas = document.querySelector(selector + ' [data-ready] canvas');
  const box = canvas && canvas.getBoundingClientRect();
  return !!box && box.width > 0 && document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === canvas;
}"""


def markdown_table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append("| " + " | ".join("" if row.get(k) is None else str(row.get(k)) for k in keys) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {physical_cores()} cores{gpu}; torch {torch.__version__}, Python {platform.python_version()}"
