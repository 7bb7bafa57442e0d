"""MNIST digits re-drawn as pen strokes: the stroke renderer's reference (tests/ink), and the digit guard's
stroke-drawn digits (`training.digit_guard`), so that it learns what a digit drawn on the pad looks like."""

from __future__ import annotations

import numpy as np
from PIL import Image


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
