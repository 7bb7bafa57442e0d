"""Drawings that are not digits, as pen strokes: letters and signs from Hershey's vector fonts, shapes and
scribbles generated here. The digit guard (`training.digit_guard`) learns "not a digit" from them.

Every drawing is a list of strokes, each a float (n, 2) array of (x, y) points, y down, in arbitrary units:
the renderer (`ink.strokes.strokes_to_mnist`) fits the ink into MNIST's box whatever its size.

Two kinds of source, kept apart so that the benchmark can measure on drawings the guard never saw:
- trained on: the Latin fonts in TRAIN_FONTS, and the generated shapes of `SHAPES` (polygons, stars,
  crosses, hatches, zigzags, waves, bars, bumpy closed curves, loops with marks inside, drawings composed
  of 3 or 4 such parts) and random scribbles;
- held out: the sans-serif fonts in HELD_OUT_FONTS (the style closest to hand printing) and the hand-made
  doodles of `synth.doodles`.

Characters that are digits when handwritten (O/0, I/l/1, S/5, Z/2, B/8, G/6, q/g/9, b/6, and the strokes
| / \\ that are ones) are never on the "not a digit" side: see DIGIT_LIKE.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from HersheyFonts import HersheyFonts

Drawing = list[np.ndarray]  # strokes, each float (n, 2) (x, y), y down

TRAIN_FONTS = (
    "rowmans",
    "rowmand",
    "rowmant",
    "timesr",
    "timesi",
    "timesrb",
    "timesib",
    "scripts",
    "scriptc",
    "cursive",
    "gothiceng",
    "gothicita",
)
HELD_OUT_FONTS = ("futural", "futuram")  # sans-serif: never trained on, the benchmark's held-out style
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SIGNS = "#$%&@?!+=*<>~^-_:."  # not ( ) [ ] { } ' " , ; which are drawn like a one
# handwritten, these are digits (or could be): never "not a digit"
DIGIT_LIKE = set("OoDQIilJjSsZzBGqgbty") | set("|/\\")
NON_DIGIT_CHARS = "".join(c for c in LETTERS + SIGNS if c not in DIGIT_LIKE)


@functools.cache
def font_glyphs(font: str) -> dict[str, tuple[np.ndarray, ...]]:
    """A Hershey font's non-digit characters as strokes: {char: float (n, 2) arrays}; inkless ones left out."""
    hershey = HersheyFonts()
    hershey.load_default_font(font)
    glyphs = {}
    for char in NON_DIGIT_CHARS:
        strokes = tuple(np.asarray(s, np.float64) for s in hershey.strokes_for_text(char) if len(s))
        if strokes:
            glyphs[char] = strokes
    return glyphs


def font_drawings(fonts: tuple[str, ...]) -> list[tuple[str, Drawing]]:
    """Every non-digit character of `fonts`, as (name "font:char", strokes)."""
    return [(f"{font}:{char}", list(strokes)) for font in fonts for char, strokes in font_glyphs(font).items()]


# ------------------------------------------------------------------ generated shapes (unit box, y down)


def _polyline(points) -> np.ndarray:
    return np.asarray(points, np.float64).reshape(-1, 2)


def polygon(rng: np.random.Generator) -> Drawing:
    """A triangle, quadrilateral or pentagon, a little irregular, closed (more sides would be a 0)."""
    sides = int(rng.integers(3, 6))
    start = rng.uniform(0, 2 * math.pi)
    angles = start + np.linspace(0, 2 * math.pi, sides, endpoint=False) + rng.normal(0, 0.12, sides)
    radii = rng.uniform(0.8, 1.0, sides)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    return [np.vstack([points, points[:1]])]


def star(rng: np.random.Generator) -> Drawing:
    """A star of 5 to 8 points, in one closed stroke."""
    tips = int(rng.integers(5, 9))
    inner = rng.uniform(0.3, 0.5)
    angles = -math.pi / 2 + np.arange(2 * tips) * math.pi / tips
    radii = np.where(np.arange(2 * tips) % 2 == 0, 1.0, inner)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    return [np.vstack([points, points[:1]])]


def cross(rng: np.random.Generator) -> Drawing:
    """A plus, an x or an asterisk: 2 to 4 lines through the middle."""
    lines = int(rng.integers(2, 5))
    start = rng.uniform(0, math.pi)
    angles = start + np.arange(lines) * math.pi / lines + rng.normal(0, 0.05, lines)
    return [_polyline([(-math.cos(a), -math.sin(a)), (math.cos(a), math.sin(a))]) for a in angles]


def hatch(rng: np.random.Generator) -> Drawing:
    """A grid like "#": 2 or 3 lines one way, 2 or 3 across."""
    strokes = []
    for base in (rng.uniform(-0.3, 0.3), math.pi / 2 + rng.uniform(-0.3, 0.3)):
        count = int(rng.integers(2, 4))
        direction = np.array([math.cos(base), math.sin(base)])
        normal = np.array([-direction[1], direction[0]])
        for offset in np.linspace(-0.5, 0.5, count):
            strokes.append(_polyline([normal * offset - direction, normal * offset + direction]))
    return strokes


def zigzag(rng: np.random.Generator) -> Drawing:
    """A horizontal zigzag of 3 to 7 teeth."""
    teeth = int(rng.integers(3, 8))
    xs = np.linspace(-1, 1, 2 * teeth + 1)
    ys = np.where(np.arange(len(xs)) % 2 == 0, -0.4, 0.4) * rng.uniform(0.5, 1.2)
    return [np.stack([xs, ys], 1)]


def wave(rng: np.random.Generator) -> Drawing:
    """A horizontal wave of 1.5 to 4 periods (a "~" or a long squiggle)."""
    periods = rng.uniform(1.5, 4)
    xs = np.linspace(-1, 1, 80)
    return [np.stack([xs, rng.uniform(0.1, 0.35) * np.sin(math.pi * periods * xs)], 1)]


def bars(rng: np.random.Generator) -> Drawing:
    """1 to 4 horizontal bars ("-", "=", "≡"), a little tilted."""
    count = int(rng.integers(1, 5))
    tilt = rng.normal(0, 0.08)
    return [_polyline([(-1, y - tilt), (1, y + tilt)]) for y in np.linspace(-0.15, 0.15, count) * count]


def scribble(rng: np.random.Generator) -> Drawing:
    """A random walk of 25 to 80 steps whose direction drifts, in 1 to 3 strokes: a doodle, a crossing-out."""
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        steps = int(rng.integers(25, 81))
        turn = np.cumsum(rng.normal(0, rng.uniform(0.3, 0.9), steps))
        step = np.stack([np.cos(turn), np.sin(turn)], 1) * 0.1
        strokes.append(rng.uniform(-0.5, 0.5, 2) + np.cumsum(step, 0))
    return strokes


def _ellipse(centre, rx: float, ry: float, points: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, points)
    return np.stack([centre[0] + rx * np.cos(t), centre[1] + ry * np.sin(t)], 1)


def lobed(rng: np.random.Generator) -> Drawing:
    """A closed curve with 3 to 6 bumps (r = 1 + a cos(k t)), a little irregular: a blob, a cloud, a flower's
    outline. Two bumps would be an 8's outline, none a 0: never those."""
    t = np.linspace(0, 2 * math.pi, 120)
    k, phase = int(rng.integers(3, 7)), rng.uniform(0, 2 * math.pi)
    r = 1 + rng.uniform(0.15, 0.4) * np.cos(k * t + phase) + rng.uniform(0, 0.1) * np.cos((k + 1) * t)
    return [np.stack([r * np.cos(t) * rng.uniform(0.7, 1.3), r * np.sin(t)], 1)]


def ring_with_marks(rng: np.random.Generator) -> Drawing:
    """A closed loop (an ellipse or a polygon) with 1 to 4 marks inside it (dots, dashes, small arcs): no digit
    has marks inside a loop."""
    outline = _ellipse((0, 0), rng.uniform(0.7, 1.0), rng.uniform(0.7, 1.0)) if rng.random() < 0.6 else polygon(rng)[0]
    marks = []
    for _ in range(int(rng.integers(1, 5))):
        centre = rng.uniform(-0.4, 0.4, 2)
        kind = rng.integers(3)
        if kind == 0:  # a dot
            marks.append(np.array([centre, centre + 0.01]))
        elif kind == 1:  # a dash
            angle = rng.uniform(0, math.pi)
            half = 0.15 * np.array([math.cos(angle), math.sin(angle)])
            marks.append(np.array([centre - half, centre + half]))
        else:  # a small arc
            start = rng.uniform(0, 2 * math.pi)
            t = np.linspace(start, start + rng.uniform(1.5, 3), 12)
            marks.append(centre + 0.2 * np.stack([np.cos(t), np.sin(t)], 1))
    return [outline, *marks]


def composite(rng: np.random.Generator) -> Drawing:
    """3 or 4 primitives (polygons, ellipses, lines, zigzags, stars) of random sizes at random places: the
    many things drawn from parts."""
    parts = []
    for _ in range(int(rng.integers(3, 5))):
        kind = rng.integers(5)
        if kind == 0:
            part = polygon(rng)
        elif kind == 1:
            part = [_ellipse((0, 0), 1, rng.uniform(0.4, 1.0))]
        elif kind == 2:
            part = [np.array([[-1.0, 0.0], [1.0, 0.0]]) @ _rotation(rng.uniform(0, math.pi))]
        elif kind == 3:
            part = zigzag(rng)
        else:
            part = star(rng)
        size, centre = rng.uniform(0.25, 0.6), rng.uniform(-0.6, 0.6, 2)
        parts += [centre + size * stroke for stroke in part]
    return parts


def _rotation(angle: float) -> np.ndarray:
    return np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])


# fmt: skip below: a registry of names, kept as a few lines of text rather than one name a line
SHAPES: dict[str, Callable[[np.random.Generator], Drawing]] = {
    "polygon": polygon, "star": star, "cross": cross, "hatch": hatch, "zigzag": zigzag, "wave": wave,
    "bars": bars, "scribble": scribble, "lobed": lobed, "ring_with_marks": ring_with_marks, "composite": composite,
}  # fmt: skip


# ------------------------------------------------------------------ variation


def jitter(drawing: Drawing, rng: np.random.Generator, amount: float = 1.0) -> Drawing:
    """The drawing as another hand might draw it: rotated (±12°), sheared, stretched, its points wobbling.

    `amount` scales every change (0: the drawing itself, at unit size)."""
    points = np.vstack(drawing)
    lo, hi = points.min(0), points.max(0)
    size = float(max((hi - lo).max(), 1e-6))
    angle = math.radians(rng.uniform(-12, 12) * amount)
    shear = rng.uniform(-0.2, 0.2) * amount
    stretch = math.exp(rng.uniform(-0.25, 0.25) * amount)
    rotate = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    matrix = rotate @ np.array([[stretch, shear], [0, 1 / stretch]])
    centre = (lo + hi) / 2
    out = []
    for stroke in drawing:
        moved = (stroke - centre) / size @ matrix.T
        wobble = np.cumsum(rng.normal(0, 0.004 * amount, moved.shape), 0)  # a slow drift, not noise
        out.append(100 * (moved + wobble - wobble.mean(0)))
    return out


def non_digit_drawings(
    count: int, rng: np.random.Generator, fonts: tuple[str, ...] = TRAIN_FONTS, shape_share: float = 0.45
) -> list[tuple[str, Drawing]]:
    """`count` jittered drawings that are not digits: font characters, and (a `shape_share` of them) generated
    shapes and scribbles. Returns (name, strokes) pairs; the name says the source ("timesr:A", "shape:star")."""
    glyphs = font_drawings(fonts)
    out = []
    for _ in range(count):
        if rng.random() < shape_share:
            name = str(rng.choice(list(SHAPES)))
            out.append((f"shape:{name}", jitter(SHAPES[name](rng), rng)))
        else:
            name, strokes = glyphs[int(rng.integers(len(glyphs)))]
            out.append((name, jitter(strokes, rng)))
    return out
