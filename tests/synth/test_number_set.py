"""digitpad.synth.number_set: numbers composed from MNIST digits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from digitpad.synth.number_set import HEIGHTS, KINDS, MAX_LENGTH, number_set


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.test_images[:5000].numpy(), mnist.test_labels[:5000].numpy()


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_of_each_kind(digits, kind):
    numbers = number_set(*digits, kind, 30, seed=0)
    assert len(numbers) == 30
    lengths = [len(n.text) for n in numbers]
    assert 1 <= min(lengths) and max(lengths) <= MAX_LENGTH and len(set(lengths)) > 3
    for n in numbers:
        assert n.picture.dtype == np.uint8 and n.picture.ndim == 3 and n.picture.shape[2] == 3
        assert n.text.isdigit() and n.kind == kind
        assert HEIGHTS[0] < n.picture.shape[0] < 3 * HEIGHTS[1]
    if kind == "photo":
        assert all(n.owner is None for n in numbers)
    else:
        for n in numbers:
            dark = n.picture[..., 0] < 0.7 * 255
            assert n.owner.shape == dark.shape
            assert set(np.unique(n.owner)) == set(range(len(n.text) + 1))  # every digit owns some ink
            assert (n.owner > 0).sum() <= dark.sum() * 1.05


def test_same_seed_same_numbers(digits):
    a, b = number_set(*digits, "photo", 5, seed=3), number_set(*digits, "photo", 5, seed=3)
    assert [n.text for n in a] == [n.text for n in b]
    assert all(np.array_equal(x.picture, y.picture) for x, y in zip(a, b, strict=True))
    assert [n.text for n in number_set(*digits, "photo", 5, seed=4)] != [n.text for n in a]


def test_touching_neighbours_touch_and_separate_ones_do_not(digits):
    def neighbours_touch(n) -> list[bool]:
        grown = [ndimage.binary_dilation(n.owner == k, iterations=2) for k in range(1, len(n.text) + 1)]
        return [bool((grown[k] & (n.owner == k + 2)).any()) for k in range(len(n.text) - 1)]

    touching = [t for n in number_set(*digits, "touching", 20, seed=1) for t in neighbours_touch(n)]
    separate = [t for n in number_set(*digits, "separate", 20, seed=1) for t in neighbours_touch(n)]
    assert np.mean(touching) > 0.95 and not any(separate)


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        number_set(np.zeros((1, 28, 28), np.uint8), np.zeros(1), "scribbles", 1)
