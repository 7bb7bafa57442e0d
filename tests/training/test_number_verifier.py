"""digitpad.training.number_verifier: the "one whole digit?" network's data, and the bundled weights."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.checkpoint import VERIFIER_WEIGHTS
from digitpad.read.classifier import bundled_verifier
from digitpad.training.number_verifier import NOT_ONE_DIGIT, labelled_pieces, verifier_data


@pytest.fixture(scope="module")
def test_pieces(mnist):
    return labelled_pieces(mnist.test_images[:5000].numpy(), mnist.test_labels[:5000].numpy(), 60, seed=7)


def test_labelled_pieces(test_pieces):
    images, labels = test_pieces
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28) and len(images) == len(labels)
    whole = labels != NOT_ONE_DIGIT
    assert 0.2 <= whole.mean() <= 0.3  # NEGATIVES_PER_POSITIVE = 3
    assert set(labels[whole]) <= set(range(10)) and len(set(labels[whole])) == 10


@pytest.mark.slow
def test_verifier_data_splits(mnist):
    data = verifier_data(mnist, numbers=12, seed=1)
    for images, labels in ((data.train_images, data.train_labels), (data.val_images, data.val_labels)):
        assert images.shape[1:] == (28, 28) and len(images) == len(labels) > 0
        assert int(labels.max()) <= NOT_ONE_DIGIT


def test_bundled_verifier_tells_whole_digits_from_pieces(test_pieces):
    verifier = bundled_verifier()
    assert verifier.metadata["config"]["classes"] == 11 and VERIFIER_WEIGHTS.stat().st_size < 1_000_000
    images, labels = test_pieces
    guess = verifier.predict_proba(images).argmax(1)
    whole, said_whole = labels != NOT_ONE_DIGIT, guess != NOT_ONE_DIGIT
    # on pieces of numbers built from test digits 0-4999 (measured: 89.7%, 75.5%, 98.4%, 5.1%)
    assert (guess == labels).mean() >= 0.85
    assert (said_whole & whole).sum() / whole.sum() >= 0.7  # whole digits recognised as such
    assert (guess[whole & said_whole] == labels[whole & said_whole]).mean() >= 0.95  # and which digit
    assert (said_whole & ~whole).sum() / (~whole).sum() <= 0.1  # halves and pairs rarely taken for digits
