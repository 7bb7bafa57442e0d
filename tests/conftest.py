"""Shared fixtures. MNIST comes from $DIGITPAD_DATA (CI) or ./data, fetched if missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# no telemetry, no hub lookups: the tests run offline
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from digitpad.app.served import CHROMIUM_ARGS, Server
from digitpad.read.classifier import load_classifier
from digitpad.training.data import MNIST, load_mnist


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    return load_mnist(log=lambda msg: None)


@pytest.fixture(scope="session")
def classifier():
    return load_classifier()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """The real demo, started with `python demo.py` on a free port; its URL. Every test visitor comes from
    127.0.0.1, as a class from behind one router would: that address may have several training runs."""
    folder = tmp_path_factory.mktemp("server")
    env = {"DIGITPAD_MAX_TRAIN_SECONDS": "60", "DIGITPAD_TRAINING_RUNS_PER_ADDRESS": "8"}
    with Server(env, folder / "server.log") as server:
        yield server.url


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright. Without it the browser tests skip on a
    laptop and fail in CI (DIGITPAD_REQUIRE_BROWSER=1, set by .ci/run)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        message = "Chromium is missing: apt-get install -y chromium"
        if os.environ.get("DIGITPAD_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
