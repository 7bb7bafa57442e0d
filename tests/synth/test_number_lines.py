"""digitpad.synth.number_lines: training lines for the line reader."""

import numpy as np

from digitpad.synth.number_lines import pick_digits, training_line


def test_lines_are_pictures_of_their_digits(mnist):
    images, labels = mnist.train_images[:3000].numpy(), mnist.train_labels[:3000].numpy()
    rng = np.random.default_rng(0)
    for _ in range(20):
        picture, text = training_line(images, labels, rng)
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
        assert text.isdigit() and 1 <= len(text) <= 12
        assert picture.shape[1] > picture.shape[0] * 0.4 * len(text) ** 0.5  # wider with more digits
        assert picture.min() < picture.max() - 60  # ink on paper


def test_lengths_and_runs_of_one_digit(mnist):
    labels = mnist.train_labels[:3000].numpy()
    rng = np.random.default_rng(1)
    picks = [pick_digits(labels, rng) for _ in range(2000)]
    lengths = np.array([len(p) for p in picks])
    assert lengths.min() == 1 and lengths.max() == 12 and 0.05 <= np.mean(lengths > 8) <= 0.15
    pairs = [(labels[a], labels[b]) for p in picks for a, b in zip(p[:-1], p[1:], strict=True)]
    assert 0.2 <= np.mean([a == b for a, b in pairs]) <= 0.3  # "11", "77": 1 in 10 by chance, boosted


def test_zeros_drawn_another_way_replace_that_share_of_the_zeros(mnist):
    images, labels = mnist.train_images[:3000].numpy(), mnist.train_labels[:3000].numpy()
    drawn = []

    def box_zero(rng):
        drawn.append(1)
        zero = np.zeros((28, 28), np.uint8)
        zero[4:24, 8:20] = 255
        zero[7:21, 11:17] = 0
        return zero

    zeros = sum(
        training_line(images, labels, np.random.default_rng(k), zeros=(box_zero, 1.0))[1].count("0") for k in range(30)
    )
    assert zeros > 0 and len(drawn) == zeros  # every zero drawn by the drawer
    # without it, or with a share of none, the lines are the very lines drawn before there was a choice
    for k in range(5):
        plain, text = training_line(images, labels, np.random.default_rng(k))
        assert text == training_line(images, labels, np.random.default_rng(k), zeros=None)[1]
        assert np.array_equal(plain, training_line(images, labels, np.random.default_rng(k), zeros=None)[0])
