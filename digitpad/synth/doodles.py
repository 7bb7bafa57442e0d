"""Hand-made doodles people draw on a pad instead of a digit: a heart, a smiley, a house, an arrow ...

Held out: the digit guard never trains on these (`training.digit_guard` takes its shapes from
`synth.non_digits`); the benchmark and the tests measure how many it rejects. Each doodle is a list of
strokes in a unit box (x, y), y down, drawn stroke by stroke the way a hand would; `jitter` from
`synth.non_digits` varies them.
"""

from __future__ import annotations

import math

import numpy as np

from digitpad.synth.non_digits import Drawing, jitter
from digitpad.synth.pen_digits import arc


def _lines(*points) -> np.ndarray:
    return np.asarray(points, np.float64)


def _arc(cx, cy, rx, ry, start, end, n=24) -> np.ndarray:
    return np.asarray(arc(cx, cy, rx, ry, start, end, n), np.float64)


def heart() -> Drawing:
    """Two lobes meeting in a point at the bottom, in one stroke."""
    t = np.linspace(0, 2 * math.pi, 60)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return [np.stack([0.5 + x / 34, 0.45 - y / 34], 1)]


def smiley() -> Drawing:
    face = _arc(0.5, 0.5, 0.45, 0.45, -90, 270, 48)
    eyes = [_lines((0.35, 0.35), (0.35, 0.42)), _lines((0.65, 0.35), (0.65, 0.42))]
    return [face, *eyes, _arc(0.5, 0.55, 0.22, 0.17, 20, 160, 16)]


def house() -> Drawing:
    body = _lines((0.15, 0.45), (0.15, 0.95), (0.85, 0.95), (0.85, 0.45), (0.15, 0.45))
    return [
        body,
        _lines((0.08, 0.5), (0.5, 0.08), (0.92, 0.5)),
        _lines((0.42, 0.95), (0.42, 0.7), (0.58, 0.7), (0.58, 0.95)),
    ]


def arrow() -> Drawing:
    return [_lines((0.05, 0.5), (0.95, 0.5)), _lines((0.7, 0.28), (0.95, 0.5), (0.7, 0.72))]


def sun() -> Drawing:
    rays = [
        _lines((0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)), (0.5 + 0.48 * math.cos(a), 0.5 + 0.48 * math.sin(a)))
        for a in np.arange(8) * math.pi / 4
    ]
    return [_arc(0.5, 0.5, 0.2, 0.2, 0, 360, 30), *rays]


def moon() -> Drawing:
    return [np.vstack([_arc(0.5, 0.5, 0.4, 0.45, 60, 300, 30), _arc(0.65, 0.5, 0.3, 0.38, 250, 110, 30)])]


def fish() -> Drawing:
    body = np.vstack(
        [
            _arc(0.45, 0.5, 0.35, 0.22, 200, -20, 30),
            _lines((0.95, 0.3), (0.95, 0.7)),
            _arc(0.45, 0.5, 0.35, 0.22, 20, 160, 30),
        ]
    )
    return [body, _lines((0.25, 0.45), (0.26, 0.46))]


def lightning() -> Drawing:
    return [_lines((0.6, 0.02), (0.25, 0.55), (0.55, 0.5), (0.35, 0.98), (0.8, 0.4), (0.5, 0.45), (0.75, 0.02))]


def checkmark() -> Drawing:
    return [_lines((0.05, 0.55), (0.35, 0.9), (0.95, 0.1))]


def cloud() -> Drawing:
    bumps = [
        _arc(0.25, 0.6, 0.17, 0.17, 90, 270, 12),
        _arc(0.42, 0.4, 0.2, 0.2, 180, 330, 14),
        _arc(0.68, 0.42, 0.18, 0.18, 200, 360, 14),
        _arc(0.8, 0.62, 0.15, 0.15, 270, 450, 12),
    ]
    return [np.vstack([*bumps, _lines((0.8, 0.77), (0.25, 0.77))])]


def tree() -> Drawing:
    return [
        _lines((0.5, 0.05), (0.15, 0.7), (0.85, 0.7), (0.5, 0.05)),
        _lines((0.45, 0.7), (0.45, 0.95)),
        _lines((0.55, 0.7), (0.55, 0.95)),
    ]


def envelope() -> Drawing:
    box = _lines((0.05, 0.2), (0.95, 0.2), (0.95, 0.8), (0.05, 0.8), (0.05, 0.2))
    return [box, _lines((0.05, 0.2), (0.5, 0.55), (0.95, 0.2))]


def flower() -> Drawing:
    petals = [
        _arc(0.5 + 0.25 * math.cos(a), 0.4 + 0.25 * math.sin(a), 0.13, 0.13, 0, 360, 16)
        for a in np.arange(5) * 2 * math.pi / 5
    ]
    return [*petals, _lines((0.5, 0.55), (0.5, 0.98))]


def umbrella() -> Drawing:
    canopy = np.vstack([_arc(0.5, 0.45, 0.45, 0.38, 180, 360, 30), _lines((0.95, 0.45), (0.05, 0.45))])
    return [canopy, np.vstack([_lines((0.5, 0.45), (0.5, 0.85)), _arc(0.42, 0.85, 0.08, 0.08, 0, 180, 8)])]


def cat() -> Drawing:
    head = np.vstack(
        [
            _lines((0.2, 0.4), (0.25, 0.08), (0.4, 0.3), (0.6, 0.3), (0.75, 0.08), (0.8, 0.4)),
            _arc(0.5, 0.55, 0.32, 0.35, 0, 180, 20),
        ]
    )
    whiskers = [_lines((0.05, 0.6), (0.35, 0.65)), _lines((0.95, 0.6), (0.65, 0.65))]
    return [head, *whiskers, _lines((0.4, 0.45), (0.41, 0.46)), _lines((0.6, 0.45), (0.61, 0.46))]


def spiral() -> Drawing:
    t = np.linspace(0, 5 * math.pi, 120)
    return [np.stack([0.5 + 0.045 * t * np.cos(t), 0.5 + 0.045 * t * np.sin(t)], 1)]


# fmt: skip below: a registry of names, kept as a few lines of text rather than one name a line
DOODLES = {
    "heart": heart, "smiley": smiley, "house": house, "arrow": arrow, "sun": sun, "moon": moon, "fish": fish,
    "lightning": lightning, "checkmark": checkmark, "cloud": cloud, "tree": tree, "envelope": envelope,
    "flower": flower, "umbrella": umbrella, "cat": cat, "spiral": spiral,
}  # fmt: skip


# A second set, drawn after the first guard was measured on the doodles above (which then shaped its training
# shapes): these were never looked at before the bundled guard was trained, so they measure it unbiased.


def crown() -> Drawing:
    return [
        _lines((0.05, 0.85), (0.05, 0.2), (0.3, 0.55), (0.5, 0.1), (0.7, 0.55), (0.95, 0.2), (0.95, 0.85), (0.05, 0.85))
    ]


def key() -> Drawing:
    return [
        _arc(0.22, 0.5, 0.17, 0.17, 0, 360, 24),
        _lines((0.39, 0.5), (0.95, 0.5)),
        _lines((0.8, 0.5), (0.8, 0.68)),
        _lines((0.92, 0.5), (0.92, 0.65)),
    ]


def glasses() -> Drawing:
    lenses = [_arc(0.25, 0.55, 0.18, 0.15, 0, 360, 24), _arc(0.75, 0.55, 0.18, 0.15, 0, 360, 24)]
    return [
        *lenses,
        _arc(0.5, 0.55, 0.07, 0.05, 180, 360, 8),
        _lines((0.07, 0.55), (0.0, 0.4)),
        _lines((0.93, 0.55), (1.0, 0.4)),
    ]


def sailboat() -> Drawing:
    hull = _lines((0.05, 0.7), (0.95, 0.7), (0.8, 0.9), (0.2, 0.9), (0.05, 0.7))
    return [hull, _lines((0.5, 0.7), (0.5, 0.05)), _lines((0.5, 0.1), (0.85, 0.62), (0.5, 0.62))]


def leaf() -> Drawing:
    outline = np.vstack([_arc(0.5, 0.85, 0.45, 0.8, 200, 340, 20), _arc(0.5, 0.15, 0.45, 0.8, 20, 160, 20)])
    return [
        outline,
        _lines((0.12, 0.6), (0.88, 0.4)),
        _lines((0.4, 0.52), (0.5, 0.3)),
        _lines((0.6, 0.47), (0.55, 0.65)),
    ]


def eye() -> Drawing:
    upper, lower = _arc(0.5, 0.85, 0.5, 0.55, 200, 340, 20), _arc(0.5, 0.15, 0.5, 0.55, 20, 160, 20)
    return [np.vstack([upper, lower]), _arc(0.5, 0.5, 0.14, 0.14, 0, 360, 16), _lines((0.5, 0.5), (0.51, 0.5))]


def cup() -> Drawing:
    body = _lines((0.1, 0.2), (0.2, 0.9), (0.7, 0.9), (0.8, 0.2), (0.1, 0.2))
    return [
        body,
        _arc(0.8, 0.5, 0.15, 0.18, -80, 80, 12),
        _lines((0.35, 0.15), (0.4, 0.0)),
        _lines((0.55, 0.15), (0.6, 0.0)),
    ]


def bowtie() -> Drawing:
    return [
        _lines((0.5, 0.5), (0.05, 0.2), (0.05, 0.8), (0.5, 0.5), (0.95, 0.2), (0.95, 0.8), (0.5, 0.5)),
        _arc(0.5, 0.5, 0.06, 0.08, 0, 360, 10),
    ]


def kite() -> Drawing:
    diamond = _lines((0.4, 0.0), (0.7, 0.3), (0.4, 0.65), (0.1, 0.3), (0.4, 0.0))
    return [
        diamond,
        _lines((0.4, 0.0), (0.4, 0.65)),
        _lines((0.1, 0.3), (0.7, 0.3)),
        _lines((0.4, 0.65), (0.5, 0.75), (0.4, 0.85), (0.5, 0.95)),
    ]


def candle() -> Drawing:
    flame = np.vstack(
        [_arc(0.5, 0.15, 0.1, 0.12, 90, 270, 10), _lines((0.5, 0.0)), _arc(0.5, 0.15, 0.1, 0.12, -90, 90, 10)]
    )
    return [
        _lines((0.3, 0.35), (0.3, 0.98), (0.7, 0.98), (0.7, 0.35), (0.3, 0.35)),
        _lines((0.5, 0.35), (0.5, 0.25)),
        flame,
    ]


def car() -> Drawing:
    body = _lines(
        (0.02, 0.7),
        (0.02, 0.5),
        (0.25, 0.45),
        (0.35, 0.25),
        (0.7, 0.25),
        (0.8, 0.45),
        (0.98, 0.5),
        (0.98, 0.7),
        (0.02, 0.7),
    )
    return [body, _arc(0.25, 0.72, 0.1, 0.1, 0, 360, 16), _arc(0.75, 0.72, 0.1, 0.1, 0, 360, 16)]


def butterfly() -> Drawing:
    left = np.vstack(
        [_lines((0.5, 0.5)), _arc(0.28, 0.3, 0.22, 0.2, 0, -200, 16), _arc(0.3, 0.72, 0.18, 0.16, 160, 20, 14)]
    )
    right = np.vstack(
        [_lines((0.5, 0.5)), _arc(0.72, 0.3, 0.22, 0.2, 180, 380, 16), _arc(0.7, 0.72, 0.18, 0.16, 20, 160, 14)]
    )
    return [
        left,
        right,
        _lines((0.5, 0.2), (0.5, 0.85)),
        _lines((0.5, 0.2), (0.42, 0.05)),
        _lines((0.5, 0.2), (0.58, 0.05)),
    ]


# fmt: skip below: as DOODLES
FRESH_DOODLES = {
    "crown": crown, "key": key, "glasses": glasses, "sailboat": sailboat, "leaf": leaf, "eye": eye, "cup": cup,
    "bowtie": bowtie, "kite": kite, "candle": candle, "car": car, "butterfly": butterfly,
}  # fmt: skip


def doodle_drawings(per_doodle: int, seed: int = 0, doodles: dict | None = None) -> list[tuple[str, Drawing]]:
    """Each doodle (of `doodles`, by default DOODLES) `per_doodle` times, the first as drawn here, the others
    jittered: (name, strokes) pairs."""
    rng = np.random.default_rng(seed)
    return [
        (name, jitter(make(), rng, amount=0.0 if k == 0 else 1.0))
        for name, make in (DOODLES if doodles is None else doodles).items()
        for k in range(per_doodle)
    ]
