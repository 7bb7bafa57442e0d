"""MNIST as the pad draws it (`training.pen_data`): the strokes, the redrawn images, the doubled splits."""

from __future__ import annotations

import numpy as np
import torch

from digitpad.ink.strokes import parse_strokes
from digitpad.training import drawing_workers
from digitpad.training.pen_data import PAD, pad_strokes, pen_data, pen_images, validation_on_pad


def test_pad_strokes_are_a_pad_value_inside_the_pad(mnist):
    rng = np.random.default_rng(0)
    for image in mnist.test_images[:10].numpy():
        value = pad_strokes(image, rng)
        parsed = parse_strokes(value)
        assert (value["width"], value["height"]) == (PAD, PAD) and parsed.strokes
        points = np.concatenate(parsed.strokes)
        assert points.min() >= 0 and points.max() <= PAD


def test_a_clean_tracing_looks_like_the_digit_and_the_bundled_model_reads_it(mnist, classifier):
    images, labels = mnist.test_images[:50].numpy(), mnist.test_labels[:50].numpy()
    drawn = pen_images(images, seed=0, varied=False)
    assert drawn.shape == images.shape and drawn.dtype == np.uint8
    assert (classifier.predict_proba(drawn).argmax(1) == labels).mean() >= 0.94
    ink = (drawn > 127) & (images > 127)  # the pen's ink lies where the digit's was
    assert ink.sum() / (drawn > 127).sum() > 0.6


def test_speed_keeps_fewer_points_and_jitter_moves_them(mnist):
    image = mnist.test_images[0].numpy()  # a 7

    def points(**kwargs) -> np.ndarray:
        return np.concatenate(parse_strokes(pad_strokes(image, np.random.default_rng(3), **kwargs)).strokes)

    slow, fast, shaky = points(), points(speed=4), points(jitter=1.0)
    assert len(fast) < len(slow) / 2 and len(shaky) == len(slow)
    moved = np.abs(shaky - slow).max()
    assert 0 < moved < 0.1 * PAD  # a wobble, not another digit


def test_the_same_seed_draws_the_same_digits_and_varied_mixes_both_ways(mnist):
    images = mnist.train_images[:40].numpy()
    assert np.array_equal(pen_images(images, 5), pen_images(images, 5))
    assert not np.array_equal(pen_images(images, 5), pen_images(images, 6))
    assert not np.array_equal(pen_images(images, 5), pen_images(images, 5, varied=False))


def test_processes_draw_the_same_digits_as_one(mnist, monkeypatch):
    monkeypatch.setattr(drawing_workers, "PER_WORKER", 10)  # 30 digits: three processes
    images = mnist.train_images[:30].numpy()
    assert np.array_equal(pen_images(images, 4, workers=3), pen_images(images, 4))
    assert pen_images(images[:0], 4).shape == (0, 28, 28)


def test_pen_data_doubles_training_and_validation_and_keeps_the_test_split(mnist):
    small = mnist.head(30, 20, 10)
    both = pen_data(small, seed=1)
    assert len(both.train_images) == 60 and len(both.val_images) == 40
    assert torch.equal(both.train_images[:30], small.train_images)
    assert not torch.equal(both.train_images[30:], small.train_images)  # redrawn
    assert torch.equal(both.train_labels, torch.cat([small.train_labels] * 2))
    assert torch.equal(both.val_labels, torch.cat([small.val_labels] * 2))
    assert torch.equal(both.test_images, small.test_images) and torch.equal(both.test_labels, small.test_labels)


def test_validation_on_pad_is_the_clean_tracing_of_every_validation_digit(mnist):
    small = mnist.head(10, 30, 10)
    drawn = validation_on_pad(small, seed=4)
    assert drawn.shape == (30, 28, 28) and not np.array_equal(drawn, small.val_images.numpy())
    assert np.array_equal(drawn, pen_images(small.val_images.numpy(), 104, varied=False))  # its own seed
    assert not np.array_equal(drawn, pen_images(small.val_images.numpy(), 4, varied=False))
