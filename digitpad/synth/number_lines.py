"""Rows of handwritten digits to train the line reader on (`training.line_training`), composed from MNIST digits.

`number_set` composes the test numbers in three tidy kinds; these lines vary every way people write
numbers, so the reader sees more than the test asks: 1-8 digits (one line in ten 9-12), 28-140 px
high, each digit a little bigger or smaller, slanted and shifted up or down; spaced from clear gaps
to slid together until the ink touches and a little past, or a mix; runs of one digit ("11",
"777") more often than chance gives them; strokes thinner or thicker, a slope, specks of dirt;
and a third of them as phone photos (`number_set.photo`: paper, light, noise, blur, JPEG). One line in
six has a mark that is no digit among its digits (a letter, a sign such as "#", "$", "+" or "-", a
shape: `synth.non_digits`, the digit guard's training fonts and shapes, drawn by the caller), not in its
text, so the line reader learns to pass over it; the digit guard then says what it is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from digitpad.synth.number_set import crop_ink, photo, scaled, touching_offset

# (height px, rng) -> the ink in [0, 1] of a mark that is no digit, its longer side up to that height: drawn by the
# caller (`training.line_training.mark_ink` draws `non_digits` with the pad's stroke renderer, a layer above this)
MarkDrawer = Callable[[int, np.random.Generator], np.ndarray]
# rng -> a zero as MNIST frames a digit, uint8 (28, 28), drawn another way than MNIST's (`training.line_training`'s
# `angular_zero`: straight sides), and the share of the lines' zeros to draw so
ZeroDrawer = tuple[Callable[[np.random.Generator], np.ndarray], float]

LENGTHS = (1, 8)  # digits in most lines ...
LONG_LENGTHS, LONG_SHARE = (9, 12), 0.1  # ... and in one line in ten
HEIGHTS = (28, 140)  # px, the line's digit height
SPACINGS = ("gap", "touching", "mixed")
SPACING_SHARES = (0.35, 0.4, 0.25)
RUN_SHARE = 0.15  # a pair's second digit repeats the first (besides the 1 in 10 chance gives)
PHOTO_SHARE = 0.33
MARK_SHARE = 1 / 6  # lines with a mark that is no digit


def pick_digits(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices into MNIST for one line: 1-8 digits (sometimes 9-12), runs of one digit boosted."""
    low, high = LONG_LENGTHS if rng.random() < LONG_SHARE else LENGTHS
    picks = [int(rng.integers(len(labels)))]
    for _ in range(int(rng.integers(low, high + 1)) - 1):
        if rng.random() < RUN_SHARE:
            same = np.flatnonzero(labels == labels[picks[-1]])
            picks.append(int(same[rng.integers(len(same))]))
        else:
            picks.append(int(rng.integers(len(labels))))
    return np.array(picks)


def slanted(ink: np.ndarray, shear: float) -> np.ndarray:
    """Slant a digit: x shifts by `shear` x (rows above the middle), widening the picture to fit."""
    h, w = ink.shape
    extra = int(np.ceil(abs(shear) * h / 2))
    padded = np.pad(ink, ((0, 0), (extra, extra)))
    matrix = np.array([[1.0, 0.0], [-shear, 1.0]])  # output (y, x) -> input (y, x - shear * (y - h/2))
    offset = np.array([0.0, shear * h / 2])
    out = ndimage.affine_transform(padded, matrix, offset=offset, order=1)
    cols = np.flatnonzero(out.max(0) > 0.05)
    return out[:, cols[0] : cols[-1] + 1] if cols.size else ink


def compose_line(
    digits: list[np.ndarray], rng: np.random.Generator, marks: int = 0, draw_mark: MarkDrawer | None = None
) -> np.ndarray:
    """MNIST images uint8 (28, 28) -> ink in [0, 1] of them in a row, in one of the spacings; `marks` marks that
    are no digit (drawn by `draw_mark`) go in at random places, apart from their neighbours."""
    height = int(rng.integers(HEIGHTS[0], HEIGHTS[1] + 1))
    spacing = rng.choice(SPACINGS, p=SPACING_SHARES)
    shear = rng.normal(0, 0.15)
    inks = [
        slanted(scaled(crop_ink(d), max(8, round(height * rng.uniform(0.85, 1.15)))), shear + rng.normal(0, 0.05))
        for d in digits
    ]
    is_mark = [False] * len(inks)
    for _ in range(marks if draw_mark else 0):
        at = int(rng.integers(len(inks) + 1))
        inks.insert(at, draw_mark(height, rng))
        is_mark.insert(at, True)
    margin = height // 2
    jitter = max(1, round(rng.uniform(0, 0.1) * height))
    width = sum(i.shape[1] for i in inks) + len(inks) * height + 2 * margin
    canvas = np.zeros((int(1.3 * height) + 2 * margin + 2 * jitter, width), np.float32)
    right = margin
    for k, ink in enumerate(inks):
        top = margin + jitter + int(rng.integers(-jitter, jitter + 1)) + max(0, (height - ink.shape[0]) // 2)
        touch = spacing == "touching" or (spacing == "mixed" and rng.random() < 0.5)
        touch = touch and not is_mark[k] and not is_mark[k - 1]
        if right == margin:
            left = right
        elif touch:
            left = touching_offset(canvas, ink, top, right, rng)
            left = max(0, left - int(rng.integers(0, max(1, round(0.08 * height)) + 1)))  # and a little past
        else:
            left = right + int(rng.integers(max(1, height // 20), height // 2 + 2))
        region = canvas[top : top + ink.shape[0], left : left + ink.shape[1]]
        np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)
        right = max(right, left + ink.shape[1])
    return canvas[:, : right + margin]


def restyled(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thinner or thicker strokes, a slope, specks."""
    height = ink.shape[0]
    size = int(rng.integers(-1, 3) * max(1, height // 90))  # px each way at this size
    if size > 0:
        ink = ndimage.grey_dilation(ink, size=(2 * size + 1, 2 * size + 1))
    elif size < 0:
        ink = ndimage.grey_erosion(ink, size=(3, 3)) * 0.5 + ink * 0.5
    if rng.random() < 0.5:
        ink = ndimage.rotate(ink, float(rng.uniform(-5, 5)), reshape=True, order=1)
    if rng.random() < 0.3:
        h, w = ink.shape
        for _ in range(int(rng.integers(1, 25))):
            y, x, r = int(rng.integers(h)), int(rng.integers(w)), int(rng.integers(1, 3))
            ink[max(0, y - r) : y + r, max(0, x - r) : x + r] = rng.uniform(0.5, 1)
    return np.clip(ink, 0, 1)


def training_line(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    draw_mark: MarkDrawer | None = None,
    zeros: ZeroDrawer | None = None,
) -> tuple[np.ndarray, str]:
    """One line: a picture uint8 (H, W, 3) of 1-12 digits from `images` (N, 28, 28), and its text; one in six
    has a mark that is no digit among them, drawn by `draw_mark` (none without it); with `zeros` (a drawer, a
    share), that share of its zeros drawn by the drawer instead of taken from `images`."""
    picks = pick_digits(labels, rng)
    digits = [images[i] for i in picks]
    if zeros is not None:
        draw_zero, share = zeros
        digits = [draw_zero(rng) if labels[i] == 0 and rng.random() < share else images[i] for i in picks]
    ink = restyled(compose_line(digits, rng, int(rng.random() < MARK_SHARE), draw_mark), rng)
    if rng.random() < PHOTO_SHARE:
        picture = photo(ink, rng)
    else:
        paper = rng.uniform(0.85, 1.0)
        grey = np.round((paper - ink * (paper - rng.uniform(0.0, 0.25))) * 255).astype(np.uint8)
        picture = np.repeat(grey[..., None], 3, axis=2)
    return picture, "".join(str(int(labels[i])) for i in picks)
