"""Synthetic drawings for the tests: the pen digits (`digitpad.synth.pen_digits`) rendered like a
bitmap pad would, and MNIST test digits re-drawn as pen strokes.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.app.served import pad_value  # noqa: F401 - the tests build pad values with it
from digitpad.ink.strokes import Strokes, strokes_to_ink
from digitpad.synth.pen_digits import DIGITS, scaled_strokes, stroke_pad_value  # noqa: F401 - and stroke pad values
from digitpad.synth.redrawn import redrawn_strokes  # noqa: F401 - MNIST digits as pen strokes


def render_strokes(strokes, size=(320, 320), width=18) -> np.ndarray:
    """Strokes (lists of (x, y)) drawn like the pad draws them (`strokes_to_ink`) -> alpha mask uint8 (H, W)."""
    parsed = Strokes([np.asarray(stroke, np.float64).reshape(-1, 2) for stroke in strokes], *size)
    return np.round(255 * strokes_to_ink(parsed, 1.0, width)).astype(np.uint8)


def drawn_digit(digit: int, size=320, box=None, width=18) -> dict:
    box = box or (size * 0.25, size * 0.12, size * 0.5, size * 0.76)
    return pad_value(render_strokes(scaled_strokes(digit, box), (size, size), width))


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


# ------------------------------------------------------------------ drawings that are not digits


def strokes_pad_value(strokes, box=(60, 40, 200, 240), side: int = 320) -> dict:
    """Strokes in any units, fitted (aspect kept, centred) into box = (left, top, width, height) -> a pad value."""
    points = np.vstack(strokes)
    lo, extent = points.min(0), np.ptp(points, 0)
    left, top, width, height = box
    scale = min(width / max(extent[0], 1e-9), height / max(extent[1], 1e-9))
    offset = np.array([left + (width - extent[0] * scale) / 2, top + (height - extent[1] * scale) / 2])
    return {
        "strokes": [np.round((np.asarray(s) - lo) * scale + offset, 1).tolist() for s in strokes],
        "width": side,
        "height": side,
    }


def letter_pad_value(char: str, font: str = "futural") -> dict:
    """A Hershey font's character drawn on the pad (futural: the style the guard never trained on)."""
    from digitpad.synth.non_digits import font_glyphs

    return strokes_pad_value(font_glyphs(font)[char])


def doodle_pad_value(name: str) -> dict:
    """A held-out doodle (`synth.doodles`: "heart", "smiley", ...) drawn on the pad."""
    from digitpad.synth.doodles import DOODLES

    return strokes_pad_value(DOODLES[name]())


def uploaded_picture(value: dict, path) -> dict:
    """A picture value (`pad_value`) saved as a PNG at `path` -> the sketchpad-style dict an API client sends
    `/predict`, its composite uploaded by `gradio_client`."""
    from gradio_client import handle_file

    Image.fromarray(value["composite"]).save(path)
    return {"background": None, "layers": [], "composite": handle_file(str(path))}


def marked_number_pad_value(text: str, font: str = "futural", width: int = 960, height: int = 320) -> dict:
    """Like `number_pad_value`, but any character that is not a digit ("#", "$", "A") is written too, in a
    Hershey font, in its own digit-sized box: "#12" is a hash then a 1 and a 2."""
    from digitpad.synth.non_digits import font_glyphs

    digit_h = 0.6 * height
    digit_w, step = 0.6 * digit_h, 0.85 * digit_h
    left = (width - (len(text) - 1) * step - digit_w) / 2
    strokes = []
    for k, char in enumerate(text):
        box = (left + k * step, 0.2 * height, digit_w, digit_h)
        if char.isdigit():
            strokes += [[[round(x, 1), round(y, 1)] for x, y in s] for s in scaled_strokes(int(char), box)]
        else:
            strokes += strokes_pad_value(font_glyphs(font)[char], box, width)["strokes"]
    return {"strokes": strokes, "width": width, "height": height}


# A zero written with straight sides, in one stroke from the top left corner, down, across and up: a box as tall as
# the pen digits (unit coordinates, as `DIGITS`); and one with six sides.
ANGULAR_ZEROS = {
    "box": [[(0.2, 0.05), (0.2, 0.95), (0.8, 0.95), (0.8, 0.05), (0.2, 0.05)]],
    "hexagon": [[(0.5, 0.03), (0.15, 0.25), (0.15, 0.75), (0.5, 0.97), (0.85, 0.75), (0.85, 0.25), (0.5, 0.03)]],
}


def angular_zero_pad_value(text: str, zero: str = "box", width: int = 960, height: int = 320) -> dict:
    """Like `number_pad_value` (its gap 0.25), but each 0 of `text` written with straight sides (`ANGULAR_ZEROS`)."""
    digit_h = 0.6 * height
    digit_w, step = 0.6 * digit_h, 0.85 * digit_h
    left = (width - (len(text) - 1) * step - digit_w) / 2
    strokes = []
    for k, char in enumerate(text):
        x0, y0 = left + k * step, 0.2 * height
        unit = ANGULAR_ZEROS[zero] if char == "0" else DIGITS[int(char)]
        strokes += [[[round(x0 + x * digit_w, 1), round(y0 + y * digit_h, 1)] for x, y in s] for s in unit]
    return {"strokes": strokes, "width": width, "height": height}
