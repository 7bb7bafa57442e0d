"""An unusual writer: digits copied from a seven-segment display, drawn on the stroke pad.

Each segment is its own short stroke, with small gaps at the corners as on a display, the
whole digit slanted like a display's italic. Every drawing varies a little (size, place,
slant, the ends of each segment), as a person's copies do. The bundled model, trained on
MNIST's pen digits, misreads some of these most of the time: this is the writer that the
corrections and "Teach it" (`finetune`) are measured on.
"""

from __future__ import annotations

import numpy as np

#      a
#    f   b        segments as ((x0, y0), (x1, y1)) in a unit box, y down
#      g
#    e   c
#      d
SEGMENTS = {
    "a": ((0.0, 0.0), (1.0, 0.0)),
    "b": ((1.0, 0.0), (1.0, 0.5)),
    "c": ((1.0, 0.5), (1.0, 1.0)),
    "d": ((0.0, 1.0), (1.0, 1.0)),
    "e": ((0.0, 0.5), (0.0, 1.0)),
    "f": ((0.0, 0.0), (0.0, 0.5)),
    "g": ((0.0, 0.5), (1.0, 0.5)),
}
# the lit segments; like many displays, a 7 with a hook (f) and a 9 without a tail (d)
# fmt: skip below: the ten digits as two rows of five, as a table
LIT = {
    0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc",
    5: "afgcd", 6: "afgedc", 7: "fabc", 8: "abcdefg", 9: "fabgc",
}  # fmt: skip
GAP = 0.08  # of a segment's length, left out at each end (the display's corner gaps)
SLANT = 0.18  # x shift per unit of height, upwards: the display's italic
ASPECT = 0.55  # width / height


def segment_strokes(digit: int, seed: int, side: int = 320) -> list[list[list[float]]]:
    """The strokes of one copy of `digit` on a `side` px pad: one stroke per lit segment, in px."""
    rng = np.random.default_rng(seed)
    height = side * rng.uniform(0.5, 0.75)
    width = height * ASPECT * rng.uniform(0.85, 1.15)
    left = rng.uniform(0.1 * side, side - width - height * SLANT - 0.1 * side)
    top = rng.uniform(0.08 * side, side - height - 0.08 * side)
    slant = SLANT * rng.uniform(0.6, 1.4)
    strokes = []
    for name in LIT[digit]:
        (x0, y0), (x1, y1) = SEGMENTS[name]
        ends = np.array([[x0, y0], [x1, y1]], float)
        ends += (ends[::-1] - ends) * GAP  # the corner gaps
        ends += rng.normal(0, 0.025, ends.shape)  # a hand, not a display
        px = left + (ends[:, 0] + slant * (1 - ends[:, 1]) / ASPECT) * width
        py = top + ends[:, 1] * height
        points = np.linspace([px[0], py[0]], [px[1], py[1]], 8)  # the pad sends many points per stroke
        strokes.append(np.round(points, 1).tolist())
    return strokes


def segment_pad_value(digit: int, seed: int, side: int = 320) -> dict:
    """The stroke pad's value of one copy of `digit`, as the browser sends it."""
    return {"strokes": segment_strokes(digit, seed, side), "width": side, "height": side}


def segment_drawings(per_digit: int, first_seed: int = 0) -> tuple[list[dict], np.ndarray]:
    """`per_digit` copies of each digit (pad values) and their labels, digit by digit.

    Copy k of digit d uses seed first_seed + 10 * k + d: different first seeds give new drawings."""
    values, labels = [], []
    for digit in range(10):
        for k in range(per_digit):
            values.append(segment_pad_value(digit, first_seed + 10 * k + digit))
            labels.append(digit)
    return values, np.array(labels)
