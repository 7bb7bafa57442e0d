"""A picture traced into pen strokes reads as the same digit on the pad."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from digitpad.ink.strokes import parse_strokes, strokes_to_mnist
from digitpad.ink.trace import picture_to_strokes, skeleton, walk


def test_validation_digits_traced_into_strokes_read_the_same(mnist, classifier):
    x, y = mnist.val_images[:200].numpy(), mnist.val_labels[:200].numpy()
    redrawn = np.stack([strokes_to_mnist(parse_strokes(picture_to_strokes(p, 320, 320)).strokes) for p in x])
    assert (classifier.predict_proba(redrawn).argmax(1) == y).mean() >= 0.95


def test_a_bar_is_one_stroke_and_a_ring_a_closed_one():
    bar = np.zeros((28, 28), np.uint8)
    bar[4:24, 13:16] = 255
    (stroke,) = picture_to_strokes(bar, 320, 320)["strokes"]
    xs, ys = np.array(stroke).T
    assert np.ptp(ys) > 180 and np.ptp(xs) < 20  # vertical, about 20/28 of the pad
    yy, xx = np.mgrid[:28, :28]
    ring = (np.abs(np.hypot(yy - 14, xx - 14) - 8) < 1.6).astype(np.uint8) * 255
    paths = walk(skeleton(ring))
    assert len(paths) == 1 and np.abs(np.subtract(paths[0][0], paths[0][-1])).max() <= 2


def holes(picture: np.ndarray) -> int:
    """uint8 (28, 28) -> how many patches of paper the ink encloses (a "0" one, an "8" two)."""
    paper, count = ndimage.label(picture < 128)
    edge = set(paper[[0, -1]].ravel()) | set(paper[:, [0, -1]].ravel())
    return count - len(edge - {0})


def test_a_filled_loop_is_traced_as_a_loop_and_a_bold_line_as_a_line():
    yy, xx = np.mgrid[:28, :28]
    top = np.hypot(yy - 9, xx - 14) < 4.5  # an 8 whose small top loop is filled in
    bottom = np.abs(np.hypot(yy - 18.5, xx - 14) - 4.5) < 1.5
    eight = ((top | bottom) * 255).astype(np.uint8)
    assert holes(eight) == 1
    drawn = strokes_to_mnist(parse_strokes(picture_to_strokes(eight, 320, 320)).strokes)
    assert holes(drawn) == 2  # the top loop is a loop again, not a line down into the bottom one
    bold = np.zeros((28, 28), np.uint8)
    bold[4:24, 11:17] = 255  # a "1" written 6 px wide: thick all along, but no blob in it
    assert len(picture_to_strokes(bold, 320, 320)["strokes"]) == 1


def test_the_value_fits_the_pad_and_a_blank_picture_has_no_strokes():
    value = picture_to_strokes(np.zeros((28, 28), np.uint8), 960, 320)
    assert value == {"strokes": [], "width": 960, "height": 320}
    bar = np.zeros((28, 28), np.uint8)
    bar[14, 2:26] = 255
    points = np.concatenate([np.array(s) for s in picture_to_strokes(bar, 960, 320)["strokes"]])
    assert 320 <= points[:, 0].min() and points[:, 0].max() <= 640  # centred in a wide pad
    with pytest.raises(ValueError, match="uint8"):
        picture_to_strokes(np.zeros((28, 28)), 320, 320)
