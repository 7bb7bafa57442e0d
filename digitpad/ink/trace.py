"""A picture's ink as pen strokes: what the stroke pad would have sent had someone drawn it.

The Generate tab's "Draw it" puts a generated digit on the Draw tab's pad this way, where it is
read like any drawing (and can be drawn over, undone or cleared).

  1. enlarge the 28x28 picture 4x (bilinear) and keep the ink (grey >= half);
  2. cut a hole into each blob of ink far thicker than the digit's line (a small loop filled in), then
     thin the ink to a one-pixel skeleton (scikit-image's `skeletonize`, Zhang's method);
  3. walk the skeleton into polylines, from its ends first (a "1" is one stroke, an "8" a loop);
  4. scale the points into the pad's W x H, the digit filling MNIST's 20 of 28 px of it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

from digitpad.mnist_format import IMAGE_SIZE

SCALE = 4  # the skeleton is traced at 112x112
MIN_STROKE_POINTS = 3  # a 2-point path is the diagonal short-cut at a corner of the 8-connected skeleton
# Ink deeper than THICK of the line's half widths from the paper is a filled loop (a line is 1 deep, a crossing
# up to ~1.4). Chosen on validation digits drawn on the pad, read by the bundled model: 98.78% without holes;
# THICK 1.25 99.02%, 1.4 99.20%, 1.5 99.30%, 1.6 99.28%, 1.75 99.16%, 2 98.94% (MIN_HOLE 1-10: within 0.05).
THICK = 1.5
MIN_HOLE = 4  # skeleton px: a smaller deep spot is a sharp crossing, not a loop
NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def skeleton(picture: np.ndarray) -> np.ndarray:
    """uint8 (28, 28) white on black -> bool (112, 112): the ink thinned to one pixel."""
    size = IMAGE_SIZE * SCALE
    big = np.asarray(Image.fromarray(picture).resize((size, size), Image.Resampling.BILINEAR))
    return skeletonize(open_filled_loops(big >= 128))


def open_filled_loops(ink: np.ndarray) -> np.ndarray:
    """bool (H, W) ink -> the same with a hole cut into each blob far thicker than the pen's line.

    A loop written small (an 8's, a 9's) is often filled in; its skeleton would be a line (an 8 would read
    as a 6, a 9 as a 7). With its deep middle cut out, the blob thins to a small closed loop instead."""
    if not ink.any():
        return ink
    depth = ndimage.distance_transform_edt(ink)  # float (H, W): px to the nearest paper
    radius = np.median(depth[skeletonize(ink)])  # the line's half width: the depth along its centre line
    deep, _ = ndimage.label(depth > THICK * radius)  # int (H, W): 0 elsewhere, k in the k-th deep spot
    sizes = np.bincount(deep.ravel())  # px in each deep spot (sizes[0]: the rest)
    hole = sizes >= MIN_HOLE  # bool (count + 1,): which spots to cut out
    hole[0] = False  # not the rest of the picture
    return ink & ~hole[deep]


def walk(bones: np.ndarray) -> list[list[tuple[int, int]]]:
    """A skeleton's pixels as paths of (row, col), each skeleton edge walked once: ends first, then loops."""
    pixels = {(int(r), int(c)) for r, c in zip(*np.nonzero(bones), strict=True)}

    def neighbours(p: tuple[int, int]) -> list[tuple[int, int]]:
        return [(p[0] + dr, p[1] + dc) for dr, dc in NEIGHBOURS if (p[0] + dr, p[1] + dc) in pixels]

    walked: set[frozenset] = set()  # edges already drawn
    paths = []

    def follow(start: tuple[int, int]) -> list[tuple[int, int]]:
        path, here = [start], start
        while True:
            ahead = [n for n in neighbours(here) if frozenset((here, n)) not in walked]
            if not ahead:
                return path
            # where the skeleton forks: a 4-neighbour before a diagonal one, then the first in (row, col) order
            nxt = min(ahead, key=lambda n: (abs(n[0] - here[0]) + abs(n[1] - here[1]), n))
            walked.add(frozenset((here, nxt)))
            path.append(nxt)
            here = nxt

    ends = sorted(p for p in pixels if len(neighbours(p)) == 1)
    for start in ends + sorted(pixels):  # ends first; what is left are loops (a "0", an "8"'s rings)
        while any(frozenset((start, n)) not in walked for n in neighbours(start)):
            paths.append(follow(start))
    return [p for p in paths if len(p) >= MIN_STROKE_POINTS]


def picture_to_strokes(picture: np.ndarray, width: int, height: int) -> dict:
    """uint8 (28, 28), white ink on black -> a stroke pad value {"strokes", "width", "height"}.

    The picture's 28x28 frame maps onto the pad's shorter side, centred; points are rounded to 0.1 px."""
    picture = np.asarray(picture)
    if picture.shape != (IMAGE_SIZE, IMAGE_SIZE) or picture.dtype != np.uint8:
        raise ValueError(f"expected a uint8 ({IMAGE_SIZE}, {IMAGE_SIZE}) picture, got {picture.dtype} {picture.shape}")
    side = min(width, height)
    unit = side / (IMAGE_SIZE * SCALE)  # pad px per skeleton px
    left, top = (width - side) / 2, (height - side) / 2
    strokes = [
        [[round(left + (c + 0.5) * unit, 1), round(top + (r + 0.5) * unit, 1)] for r, c in path]
        for path in walk(skeleton(picture))
    ]
    return {"strokes": strokes, "width": width, "height": height}
