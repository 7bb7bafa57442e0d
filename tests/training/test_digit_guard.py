"""digitpad.training.digit_guard: the "a digit at all?" network's data and threshold, and the bundled weights."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.checkpoint import GUARD_WEIGHTS
from digitpad.read.classifier import bundled_guard
from digitpad.synth.non_digits import TRAIN_FONTS, font_drawings
from digitpad.training import drawing_workers
from digitpad.training.data import MNIST
from digitpad.training.digit_guard import (
    MEMBERS,
    NOT_A_DIGIT,
    choose_threshold,
    guard_data,
    non_digit_images,
    redrawn_digits,
    render,
)


def tiny(mnist: MNIST) -> MNIST:
    return mnist.head(60, 20, 20)


def test_splits_hold_digits_redrawn_digits_pen_drawn_digits_and_non_digits(mnist):
    data = guard_data(tiny(mnist), redrawn=10, non_digits=30, seed=3, pen_drawn=20)
    assert data.train_images.shape == (60 + 10 + 20 + 30, 28, 28) and data.train_images.dtype.is_floating_point is False
    labels = data.train_labels.numpy()
    assert (labels == NOT_A_DIGIT).sum() == 30 and (labels[:90] < 10).all()
    assert np.array_equal(labels[60:70], mnist.train_labels[:10].numpy())  # re-drawn digits keep their labels
    assert np.array_equal(labels[70:90], mnist.train_labels[:20].numpy())  # so do the digits drawn on the pad
    assert not np.array_equal(data.train_images[70:90].numpy(), mnist.train_images[:20].numpy())
    assert (data.val_labels.numpy() == NOT_A_DIGIT).sum() == 50  # at least 50 validation non-digits
    assert len(data.val_images) == 20 + 20 + 50 and len(data.test_images) == 20 + 50  # test: none re-drawn


def test_both_renderings_give_mnist_images():
    strokes = dict(font_drawings(TRAIN_FONTS[:1]))[f"{TRAIN_FONTS[0]}:A"]
    for picture in (False, True):
        image = render(strokes, picture)
        assert image.shape == (28, 28) and image.dtype == np.uint8 and image.max() > 200
    images = non_digit_images(12, seed=0)
    assert images.shape == (12, 28, 28) and np.array_equal(images, non_digit_images(12, seed=0))


def test_processes_render_the_same_non_digits_as_one(monkeypatch):
    monkeypatch.setattr(drawing_workers, "PER_WORKER", 10)  # 24 drawings: two processes
    assert np.array_equal(non_digit_images(24, seed=2, workers=2), non_digit_images(24, seed=2))


def test_redrawn_digits_look_like_their_digit(mnist, classifier):
    images = mnist.val_images[:50].numpy()
    drawn = redrawn_digits(images, 50, seed=0)
    assert drawn.shape == (50, 28, 28) and not np.array_equal(drawn, images)
    assert (classifier.predict_proba(drawn).argmax(1) == mnist.val_labels[:50].numpy()).mean() >= 0.9


def test_threshold_rejects_at_most_the_share_asked_of_each_group():
    rng = np.random.default_rng(0)
    raw, drawn = rng.uniform(0.9, 1.0, 1000), rng.uniform(0.5, 1.0, 1000)
    threshold = choose_threshold(raw, drawn, false_rejections=0.01)
    assert (raw < threshold).mean() <= 0.01 and (drawn < threshold).mean() <= 0.01
    assert (drawn < threshold).mean() == pytest.approx(0.01, abs=0.002)  # the harder group sets it


def test_bundled_guard_has_its_threshold_and_is_small():
    guard = bundled_guard()
    assert guard.metadata["config"]["classes"] == 11 and GUARD_WEIGHTS.stat().st_size < 1_000_000
    assert guard.metadata["architecture"] == "digitnet-ensemble" and guard.metadata["config"]["members"] == MEMBERS
    assert 0 < guard.metadata["threshold"] < 1 and guard.metadata["task"] == "a digit at all?"
    assert guard.metadata["seconds"] <= 360  # 1.5x the `best` recipe's 4 minutes, data drawing included
