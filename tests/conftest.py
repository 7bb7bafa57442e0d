"""Shared fixtures. MNIST comes from $DIGITPAD_DATA (CI) or ./data, fetched if missing."""

from __future__ import annotations

import os

import pytest

# no telemetry, no hub lookups: the tests run offline
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from digitpad.bench import Server
from digitpad.classifier import load_classifier
from digitpad.data import MNIST, load_mnist


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    return load_mnist(log=lambda msg: None)


@pytest.fixture(scope="session")
def classifier():
    return load_classifier()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """The real demo, started with `python demo.py` on a free port; its URL."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with Server({"DIGITPAD_MAX_TRAIN_SECONDS": "60"}, log) as server:
        yield server.url
