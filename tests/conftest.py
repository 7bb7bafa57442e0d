"""Shared fixtures. MNIST comes from $DIGITPAD_DATA (CI) or ./data, fetched if missing."""

from __future__ import annotations

import os
import shutil
import tempfile
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


# The demo the server tests share. Every test visitor comes from 127.0.0.1, as a class from behind one router
# would: that address may have several training runs.
SERVER_ENV = {"DIGITPAD_MAX_TRAIN_SECONDS": "60", "DIGITPAD_TRAINING_RUNS_PER_ADDRESS": "8"}
EARLY_SERVER = pytest.StashKey[Server]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """When the whole suite runs (`make test`, `make check`), the shared demo starts now, while the tests are
    collected (seconds of imports on one core), instead of when the first test asks for it."""
    config = session.config
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.collectonly:
        log = Path(tempfile.mkdtemp(prefix="digitpad-server-")) / "server.log"
        config.stash[EARLY_SERVER] = Server(SERVER_ENV, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(EARLY_SERVER, None)
    if server is not None:  # stopped by `server_url` if a test used it; stopped here if none did
        server.__exit__(None, None, None)
        shutil.rmtree(server.log.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The real demo, started with `python demo.py` on a free port (see `pytest_sessionstart`); its URL."""
    server = request.config.stash.get(EARLY_SERVER, None)
    if server is None:
        server = Server(SERVER_ENV, tmp_path_factory.mktemp("server") / "server.log")
    with server:
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


@pytest.fixture(scope="module")
def desktop(browser):
    """One 1280 px browser context for a module's desktop pages: its HTTP cache keeps Gradio's scripts from page to
    page (a new context fetches them again, ~0.8 s a page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield context
    context.close()
