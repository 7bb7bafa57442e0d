"""Digits 0-9 as pen strokes: what the benchmark and the tests draw, on the pad and in the browser.

Each digit is a list of strokes; each stroke a polyline in unit coordinates (x, y), y down.
"""

from __future__ import annotations

import math

import numpy as np


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


def stroke_pad_value(digit: int, box: tuple[float, float, float, float] = (80, 40, 160, 240), side: int = 320) -> dict:
    """The stroke pad's value with `digit` drawn in `box` on a `side` px pad, as the browser sends it."""
    strokes = [[[round(x, 1), round(y, 1)] for x, y in stroke] for stroke in scaled_strokes(digit, box)]
    return {"strokes": strokes, "width": side, "height": side}


def number_pad_value(text: str, width: int = 960, height: int = 320, gap: float = 0.25) -> dict:
    """The stroke pad's value with the digits of `text` written left to right on a `width` x `height` pad.

    Digits are 60% of the pad's height, 0.6 of that wide, `gap` digit heights apart, centred.
    """
    digit_h = 0.6 * height
    digit_w, step = 0.6 * digit_h, (0.6 + gap) * digit_h
    left = (width - (len(text) - 1) * step - digit_w) / 2
    strokes = [
        [[round(x, 1), round(y, 1)] for x, y in stroke]
        for k, char in enumerate(text)
        for stroke in scaled_strokes(int(char), (left + k * step, 0.2 * height, digit_w, digit_h))
    ]
    return {"strokes": strokes, "width": width, "height": height}
