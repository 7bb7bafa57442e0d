"""Synthetic drawings for the tests: the pen digits (`digitpad.synth.pen_digits`) rendered like a
bitmap pad would, and MNIST test digits re-drawn as pen strokes.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.bench.harness import pad_value  # noqa: F401 - the tests build pad values with it
from digitpad.ink.strokes import Strokes, strokes_to_ink
from digitpad.synth.pen_digits import DIGITS, scaled_strokes, stroke_pad_value  # noqa: F401 - and stroke pad values


def render_strokes(strokes, size=(320, 320), width=18) -> np.ndarray:
    """Strokes (lists of (x, y)) drawn like the pad draws them (`strokes_to_ink`) -> alpha mask uint8 (H, W)."""
    parsed = Strokes([np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes], *size)
    return np.round(255 * strokes_to_ink(parsed, 1.0, width)).astype(np.uint8)


def drawn_digit(digit: int, size=320, box=None, width=18) -> dict:
    box = box or (size * 0.25, size * 0.12, size * 0.5, size * 0.76)
    return pad_value(render_strokes(scaled_strokes(digit, box), (size, size), width))


def redrawn_strokes(image: np.ndarray, rng: np.random.Generator, canvas: int = 400) -> tuple[list, float]:
    """An MNIST digit (uint8 (28, 28)) re-drawn as pen strokes at another scale, position and brush width.

    Upsample 4x (smooth outlines keep loops open), threshold, skeletonise to a 1-px centre
    line (the 112x112 skeleton frame), then re-stroke that line on a `canvas` px pad: every
    skeleton pixel is a dot, joined to each 8-neighbour by a two-point stroke. Returns
    (strokes: lists of (x, y) canvas px, brush width in canvas px, 1 to 4 MNIST pixels).
    Draws four numbers from `rng` per digit, as the reference tests always have.
    """
    from skimage.morphology import skeletonize

    smooth = np.asarray(Image.fromarray(image).resize((112, 112), Image.Resampling.BILINEAR))
    skeleton = skeletonize(smooth > 127)
    mnist_scale = rng.uniform(4, 13)  # canvas px per MNIST px: the digit is 80 to 360 px tall
    scale = mnist_scale / 4  # canvas px per skeleton px
    brush = max(2.0, mnist_scale * rng.uniform(1.0, 4.0))  # MNIST strokes are ~2-3 px wide
    room = canvas - 28 * mnist_scale
    left, top = rng.uniform(0, room), rng.uniform(0, room)
    return skeleton_strokes(skeleton, scale, (left, top)), brush


def skeleton_strokes(skeleton: np.ndarray, scale: float = 1.0, offset=(0.0, 0.0)) -> list:
    """A 1-px skeleton (bool (H, W)) -> strokes: a dot per pixel plus a segment to each 8-neighbour.

    Points are (offset + (column, row) * scale): pixel centres in skeleton px by default.
    """
    left, top = offset
    ys, xs = np.nonzero(skeleton)
    points = {(y, x) for y, x in zip(ys.tolist(), xs.tolist(), strict=True)}
    strokes = []
    for y, x in points:
        here = (left + x * scale, top + y * scale)
        strokes.append([here, here])
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            if (y + dy, x + dx) in points:
                strokes.append([here, (left + (x + dx) * scale, top + (y + dy) * scale)])
    return strokes


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
