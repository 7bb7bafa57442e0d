"""Synthetic drawings for the tests: the pen digits (`digitpad.synth.pen_digits`) rendered like a
bitmap pad would, and MNIST test digits re-drawn as pen strokes.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from digitpad.bench.harness import pad_value  # noqa: F401 - the tests build pad values with it
from digitpad.ink.strokes import Strokes, strokes_to_ink
from digitpad.synth.pen_digits import DIGITS, scaled_strokes, stroke_pad_value  # noqa: F401 - and stroke pad values
from digitpad.synth.redrawn import redrawn_strokes, skeleton_strokes  # noqa: F401 - MNIST digits as pen strokes


def render_strokes(strokes, size=(320, 320), width=18) -> np.ndarray:
    """Strokes (lists of (x, y)) drawn like the pad draws them (`strokes_to_ink`) -> alpha mask uint8 (H, W)."""
    parsed = Strokes([np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes], *size)
    return np.round(255 * strokes_to_ink(parsed, 1.0, width)).astype(np.uint8)


def drawn_digit(digit: int, size=320, box=None, width=18) -> dict:
    box = box or (size * 0.25, size * 0.12, size * 0.5, size * 0.76)
    return pad_value(render_strokes(scaled_strokes(digit, box), (size, size), width))


def redraw_mnist_digit(image: np.ndarray, rng: np.random.Generator, canvas: int = 400) -> np.ndarray:
    """`redrawn_strokes` rendered like the pad: the stroke alpha uint8 (canvas, canvas)."""
    strokes, brush = redrawn_strokes(image, rng, canvas)
    return render_strokes(strokes, (canvas, canvas), round(brush))


# ------------------------------------------------------------------ measuring 28x28 images


def center_of_mass(image: np.ndarray) -> np.ndarray:
    return np.array(ndimage.center_of_mass(image.astype(np.float64)))


def bbox(image: np.ndarray, level: int = 64) -> tuple[int, int]:
    """(height, width) of the pixels at or above `level`."""
    rows, cols = np.flatnonzero((image >= level).any(1)), np.flatnonzero((image >= level).any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of the two images, blurred a little so a one-pixel shift does not count."""
    a, b = (ndimage.gaussian_filter(x.astype(np.float64), 1.0).ravel() for x in (a, b))
    return float(np.corrcoef(a, b)[0, 1])
