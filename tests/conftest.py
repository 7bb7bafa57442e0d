"""Shared fixtures. MNIST comes from $DIGITPAD_DATA (CI) or ./data, fetched if missing."""

from __future__ import annotations

import pytest

from digitpad.classifier import load_classifier
from digitpad.data import MNIST, load_mnist


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    return load_mnist(log=lambda msg: None)


@pytest.fixture(scope="session")
def classifier():
    return load_classifier()
