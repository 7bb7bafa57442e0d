"""Shared fixtures. MNIST comes from $DIGITPAD_DATA (CI) or ./data, fetched if missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# no telemetry, no hub lookups: the tests run offline
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from digitpad.classifier import load_classifier
from digitpad.data import MNIST, load_mnist

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    return load_mnist(log=lambda msg: None)


@pytest.fixture(scope="session")
def classifier():
    return load_classifier()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """The real demo, started with `python demo.py` on a free port; its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "DIGITPAD_MAX_TRAIN_SECONDS": "60"}
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "demo.py", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"demo.py exited with {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError(f"demo.py did not serve {url} within 120 s:\n{log.read_text()}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
