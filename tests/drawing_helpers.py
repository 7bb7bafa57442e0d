"""Synthetic drawings for the tests: digits as pen strokes, rendered like a Gradio pad would.

Each digit is a list of strokes; each stroke a polyline in unit coordinates (x, y), y down.
The browser tests replay the same strokes with the mouse.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from digitpad.bench import pad_value  # noqa: F401 - the tests build pad values with it


def arc(cx, cy, rx, ry, start_deg, end_deg, n=24):
    """Points along an ellipse arc; angles in degrees, 0 = right, 90 = down."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start_deg, end_deg, n)
    ]


DIGITS: dict[int, list[list[tuple[float, float]]]] = {
    0: [arc(0.5, 0.5, 0.32, 0.45, -90, 275, 40)],
    1: [[(0.32, 0.22), (0.52, 0.04), (0.52, 0.96)]],
    2: [arc(0.5, 0.3, 0.3, 0.25, 190, 380, 20) + [(0.15, 0.95), (0.85, 0.95)]],
    3: [arc(0.45, 0.27, 0.3, 0.22, 200, 450, 20) + arc(0.45, 0.71, 0.33, 0.24, -90, 150, 20)],
    4: [[(0.62, 0.04), (0.12, 0.66), (0.88, 0.66)], [(0.64, 0.04), (0.64, 0.96)]],
    5: [[(0.3, 0.05), (0.25, 0.45)] + arc(0.47, 0.66, 0.32, 0.29, -120, 160, 24), [(0.3, 0.05), (0.82, 0.05)]],
    6: [[(0.68, 0.04), (0.4, 0.3), (0.24, 0.62)] + arc(0.5, 0.7, 0.27, 0.25, 180, 540, 30)],
    7: [[(0.12, 0.06), (0.88, 0.06), (0.42, 0.96)]],
    8: [arc(0.5, 0.27, 0.25, 0.23, 90, 450, 30) + arc(0.5, 0.72, 0.3, 0.25, -90, 270, 30)],
    9: [arc(0.48, 0.3, 0.28, 0.26, 0, 360, 30) + [(0.76, 0.3), (0.72, 0.96)]],
}


def scaled_strokes(digit: int, box: tuple[float, float, float, float]) -> list[list[tuple[float, float]]]:
    """The digit's strokes in pixels, fitted into box = (left, top, width, height)."""
    left, top, width, height = box
    return [[(left + x * width, top + y * height) for x, y in stroke] for stroke in DIGITS[digit]]


def render_strokes(strokes, size=(320, 320), width=18) -> np.ndarray:
    """Strokes drawn like the pad draws them -> alpha mask uint8 (H, W), round caps and joins."""
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        draw.line(stroke, fill=255, width=width, joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(image)


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
