"""The stroke pad's pen strokes -> the 28x28 image an MNIST model expects, drawn straight into MNIST's frame.

The stroke pad sends the pen's path itself, not a bitmap:
    {"strokes": [[[x, y], ...], ...], "width": W, "height": H}   (canvas px, x right, y down)
so there is no brush width to undo. Instead of rasterising on the canvas and then re-fitting
and re-thickening a bitmap (`preprocess.to_mnist`), the path is drawn once, at MNIST's size:
  1. `parse_strokes`: check the value (sizes before any conversion), clip points to the pad.
  2. specks: groups of strokes whose ink would touch, holding a negligible share of the pen's
     path (a tap has none), are left out so they do not stretch the box.
  3. fit: the points' bounding box, keeping its aspect ratio, is scaled so that the ink (the
     path plus MNIST's stroke width) has its longer side 20 px (its soft edge reaches 1 px
     further); a "1" stays a thin line.
  4. draw with a round pen of MNIST's stroke width and a soft edge, at 4x (coverage from the
     distance to the path: round caps and joins), box-downsample, centre by centre of mass in 28x28.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from digitpad.ink.preprocess import (
    MNIST_STROKE_WIDTH,
    SPECK_FRACTION,
    WORK_SCALE,
    DrawingError,
    Refused,
    center_by_mass,
)
from digitpad.mnist_format import DIGIT_BOX

MAX_POINTS = 20_000  # points in all strokes together
MAX_STROKES = 1_000
MAX_CANVAS_SIDE = 10_000  # px: a larger width or height is not a drawing pad
MAX_JSON_CHARS = 1_000_000  # 50 characters a point at MAX_POINTS
# The pen, in final (28 px frame) px: MNIST's stroke width (12.1 px at 4x), its edge fading out over
# 2 px centred on the ink's edge (MNIST's edges are soft too). Chosen on redrawn test digits 0-4999
# (tests/test_strokes.py): a sharp edge (0.25 px) scores 98.5-98.7%, a 1.5 to 2.5 px edge 98.7-98.8%.
# 0.8x this width (the pen that `preprocess.stroke_width`, which over-reads a band by ~2 px, measures
# as 12.1) to 1.0x are within 0.1 point; the full width has the lower log-loss and a saturated core.
PEN_WIDTH = MNIST_STROKE_WIDTH / WORK_SCALE  # 3.0 px
SOFT_EDGE = 2.0
SUPERSAMPLE = 4  # the pen draws at 4x, then 4x4 pixels are averaged


class StrokeError(DrawingError):
    """The stroke pad's value cannot be read; the message says why and what to do."""


@dataclass
class Strokes:
    """A parsed stroke pad value: strokes float32 (n, 2) in canvas px (x, y), clipped to the W x H pad."""

    strokes: list[np.ndarray] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


# ------------------------------------------------------------------ 1. the pad's value


def parse_strokes(value: object) -> Strokes:
    """The stroke pad's value (a dict, its JSON text, or None) -> `Strokes`; raises `StrokeError`.

    None, {} and an empty stroke list are an empty pad; empty strokes are skipped. Points a
    little outside the pad are clipped to it; points more than a pad's size beyond it, NaN or
    infinite coordinates, and more than MAX_POINTS points or MAX_STROKES strokes are refused.
    """
    if value is None:
        return Strokes()
    if isinstance(value, Refused):
        raise StrokeError(value.why)
    if isinstance(value, (str, bytes)):
        value = load_json(value)
    if not isinstance(value, dict):
        raise StrokeError(f"the stroke pad sent {type(value).__name__}, not an object with strokes, width and height")
    raw = value.get("strokes")
    raw = [] if raw is None else raw
    check_counts(raw)
    if not any(len(stroke) for stroke in raw):
        return Strokes([], *canvas_size(value, required=False))
    width, height = canvas_size(value, required=True)
    strokes = [stroke_points(stroke, i, width, height) for i, stroke in enumerate(raw) if len(stroke)]
    return Strokes(strokes, width, height)


def load_json(text: str | bytes) -> object:
    """The pad's JSON text -> Python objects, refusing what is too big before parsing it (1 MB takes ~0.1 s)."""
    check_size(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise StrokeError(f"the stroke pad sent unreadable data (not JSON: {e}): clear the pad and draw again") from e


def check_size(text: str | bytes) -> None:
    """Refuse JSON text with more brackets (points and strokes) or characters than a drawing may have: a count,
    at C speed, before anything is parsed."""
    brackets = text.count(b"[" if isinstance(text, bytes) else "[")  # one per point, one per stroke, one around
    if brackets - 1 > MAX_POINTS + MAX_STROKES:
        raise StrokeError(
            f"too many points and strokes (about {brackets - 1:,}; the limit is {MAX_POINTS:,} points in "
            f"{MAX_STROKES:,} strokes): clear the pad and draw again"
        )
    if len(text) > MAX_JSON_CHARS:
        raise StrokeError(
            f"the drawing is too large ({len(text) / 1e6:.1f} MB of data; the limit is "
            f"{MAX_JSON_CHARS / 1e6:g} MB): clear the pad and draw again"
        )


def check_counts(raw: object) -> None:
    """Refuse too many strokes or points from the list lengths alone, before converting anything."""
    if not isinstance(raw, (list, tuple)):
        raise StrokeError(f"'strokes' must be a list of strokes, got {type(raw).__name__}")
    if len(raw) > MAX_STROKES:
        raise StrokeError(
            f"too many strokes ({len(raw):,}; the limit is {MAX_STROKES:,}): clear the pad and draw again"
        )
    for i, stroke in enumerate(raw):
        if not isinstance(stroke, (list, tuple, np.ndarray)):
            raise StrokeError(f"stroke {i + 1} must be a list of [x, y] points, got {type(stroke).__name__}")
    points = sum(len(stroke) for stroke in raw)
    if points > MAX_POINTS:
        raise StrokeError(f"too many points ({points:,}; the limit is {MAX_POINTS:,}): clear the pad and draw again")


def canvas_size(value: dict, required: bool) -> tuple[float, float]:
    """The pad's (width, height) in px: numbers in (0, MAX_CANVAS_SIDE]; (0, 0) if absent and not required."""
    sides = []
    for key in ("width", "height"):
        side = value.get(key)
        if side is None and not required:
            return 0.0, 0.0
        if isinstance(side, bool) or not isinstance(side, numbers.Real):
            raise StrokeError(f"the stroke pad's {key} must be a number of pixels, got {side!r}")
        if not 0 < side <= MAX_CANVAS_SIDE:  # also False for NaN
            raise StrokeError(
                f"the stroke pad's {key} must be more than 0 and at most {MAX_CANVAS_SIDE:,} px, got {side}"
            )
        sides.append(float(side))
    return sides[0], sides[1]


def stroke_points(stroke: object, i: int, width: float, height: float) -> np.ndarray:
    """One stroke's points -> float32 (n, 2) clipped to the pad; refused if malformed or far outside."""
    try:
        points = np.asarray(stroke)
    except (ValueError, TypeError, OverflowError):  # ragged lists, huge integers
        points = None
    if points is None or points.ndim != 2 or points.shape[1] != 2:
        raise StrokeError(f"stroke {i + 1} must be a list of [x, y] points")
    if points.dtype.kind not in "iuf":  # strings, None, booleans, nested objects
        raise StrokeError(f"stroke {i + 1} has coordinates that are not numbers")
    points = points.astype(np.float64)
    if not np.isfinite(points).all():
        raise StrokeError(f"stroke {i + 1} has NaN or infinite coordinates")
    size = np.array([width, height])
    far = np.flatnonzero(((points < -size) | (points > 2 * size)).any(1))  # more than a pad's size beyond an edge
    if far.size:
        x, y = points[far[0]]
        raise StrokeError(
            f"stroke {i + 1} has a point at ({x:g}, {y:g}), far outside the {width:g}x{height:g} px pad: "
            "clear the pad and draw again"
        )
    return np.clip(points, 0, size).astype(np.float32)


# --------------------------------------------------------------------- 2. the pen's path


def segments(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strokes -> segment starts and ends float64 (m, 2), and the stroke of each segment (m,).

    A one-point stroke (a dot) is a segment of length 0.
    """
    points = np.concatenate(strokes).astype(np.float64)
    counts = np.array([len(s) for s in strokes])
    last = np.cumsum(counts) - 1  # each stroke's last point
    starts = np.setdiff1d(np.arange(len(points)), last, assume_unique=True)  # every point followed by one
    starts = np.sort(np.concatenate([starts, last[counts == 1]]))
    ends = np.where(np.isin(starts, last), starts, starts + 1)  # a dot ends where it starts
    owner = np.repeat(np.arange(len(strokes)), np.maximum(counts - 1, 1))
    return points[starts], points[ends], owner


def sample_path(a: np.ndarray, b: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along each segment a->b at most `step` apart, both ends included: (k, 2), and their segment (k,)."""
    length = np.linalg.norm(b - a, axis=1)
    n = np.ceil(length / step).astype(np.intp) + 1  # samples per segment
    segment = np.repeat(np.arange(len(a)), n)
    first = np.cumsum(n) - n  # index of each segment's first sample
    t = (np.arange(n.sum()) - first[segment]) / np.maximum(n - 1, 1)[segment]  # 0..1 along the segment
    return a[segment] + t[:, None] * (b - a)[segment], segment


def pen_width_for(extent: float) -> float:
    """The pen's width in canvas px once a path `extent` px long is fitted so that its ink spans DIGIT_BOX px."""
    return extent * PEN_WIDTH / (DIGIT_BOX - PEN_WIDTH)


def drop_specks(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Leave out groups of touching strokes that hold less than SPECK_FRACTION of the pen's path.

    Strokes touch when their ink would (roughly within one pen width, judged on a grid of
    half-pen-width cells). A tap has no path at all, so it is always a speck beside a digit;
    a drawing of dots only is kept whole.
    """
    if len(strokes) == 1:
        return strokes
    a, b, owner = segments(strokes)
    lo = np.minimum(a.min(0), b.min(0))
    extent = float((np.maximum(a.max(0), b.max(0)) - lo).max())
    if extent == 0:
        return strokes
    cell = pen_width_for(extent) / 2  # ~11 cells across the whole drawing, however far apart its parts
    samples, segment = sample_path(a, b, cell)  # consecutive samples fall in neighbouring cells
    x, y = np.floor((samples - lo) / cell).astype(np.intp).T
    grid = np.zeros((y.max() + 1, x.max() + 1), bool)
    grid[y, x] = True
    labels, count = ndimage.label(grid, structure=np.ones((3, 3)))
    if count == 1:
        return strokes
    group = np.zeros(len(a), np.intp)
    group[segment] = labels[y, x]  # every sample of a segment is in the same group
    path = np.bincount(group, weights=np.linalg.norm(b - a, axis=1), minlength=count + 1)
    if path.sum() == 0:
        return strokes
    kept = path >= SPECK_FRACTION * path.sum()
    stroke_kept = np.zeros(len(strokes), bool)
    stroke_kept[owner[kept[group]]] = True
    return [stroke for stroke, keep in zip(strokes, stroke_kept, strict=True) if keep]


# ---------------------------------------------------------------- 3, 4. fit and draw


def draw(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Segments in final px (x, y) drawn with a round pen PEN_WIDTH wide -> float (h, w) coverage in [0, 1].

    At SUPERSAMPLE x: the path's pixels are marked, each pixel's ink follows its distance to
    the nearest one (1 inside the pen's radius, fading out over SOFT_EDGE px around it), and
    blocks are averaged. The ink reaches SOFT_EDGE / 2 px beyond the pen's radius.
    """
    h, w = shape
    ss = SUPERSAMPLE
    samples, _ = sample_path(a * ss, b * ss, 1.0)  # at most 1 px apart: a connected path
    x, y = np.floor(samples).astype(np.intp).T
    off_path = np.ones((h * ss, w * ss), bool)
    off_path[np.clip(y, 0, h * ss - 1), np.clip(x, 0, w * ss - 1)] = False
    distance = ndimage.distance_transform_edt(off_path)
    ink = np.clip((PEN_WIDTH / 2 - distance / ss) / SOFT_EDGE + 0.5, 0, 1)
    return ink.reshape(h, ss, w, ss).mean((1, 3))


def strokes_to_mnist(strokes: list[np.ndarray]) -> np.ndarray | None:
    """Pen strokes, each (n, 2) (x, y) in canvas px -> uint8 (28, 28), white on black; None for an empty pad.

    The ink's longer side is DIGIT_BOX px (plus its soft edge), drawn at MNIST's stroke width
    whatever the pen's size on the pad; the centre of mass sits at the centre, as in MNIST.
    """
    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return None
    strokes = drop_specks(strokes)
    a, b, _ = segments(strokes)
    lo = np.minimum(a.min(0), b.min(0))
    extent = np.maximum(a.max(0), b.max(0)) - lo  # the path's box (x, y), canvas px
    scale = (DIGIT_BOX - PEN_WIDTH) / extent.max() if extent.max() > 0 else 1.0  # final px per canvas px
    ink = extent * scale + PEN_WIDTH  # the ink's box (x, y), final px: the longer side is DIGIT_BOX
    box = np.ceil(ink + SOFT_EDGE - 1e-6).astype(int)
    offset = (box - ink) / 2 + PEN_WIDTH / 2  # the ink centred in whole pixels
    digit = draw((a - lo) * scale + offset, (b - lo) * scale + offset, (box[1], box[0]))
    return np.round(center_by_mass(digit) * 255).astype(np.uint8)


def pad_to_mnist(value: object) -> np.ndarray | None:
    """The stroke pad's value (see `parse_strokes`) -> uint8 (28, 28) as the model reads it; None for an empty pad.
    An unreadable value raises `StrokeError`."""
    return strokes_to_mnist(parse_strokes(value).strokes)


def strokes_to_ink(parsed: Strokes, scale: float, pen: float) -> np.ndarray:
    """Parsed strokes drawn as the pad shows them -> ink map float (H * scale, W * scale) in [0, 1].

    `pen` is the brush width in canvas px; joins and ends are round, as on the pad. For reading
    several digits at once (`digitpad.read.number_reader`), where what touches on the pad must touch here.
    """
    width, height = max(1, round(parsed.width * scale)), max(1, round(parsed.height * scale))
    canvas = Image.new("L", (width, height), 0)
    pen_draw = ImageDraw.Draw(canvas)
    radius = max(pen * scale / 2, 0.5)
    ends: set[tuple[float, float]] = set()  # the round ends, each drawn once: strokes often meet end to end
    for stroke in parsed.strokes:
        points = stroke * scale  # (n, 2)
        if len(points) > 1:
            pen_draw.line(points.ravel().tolist(), fill=255, width=max(1, round(2 * radius)), joint="curve")
        ends.update((tuple(points[0].tolist()), tuple(points[-1].tolist())))
    for x, y in ends:
        pen_draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(canvas, np.float32) / 255
