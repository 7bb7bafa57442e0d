"""Handwritten numbers composed from MNIST digits: the test set for `Classifier.read_number`.

MNIST has single digits only, so numbers are built from them: 1-8 digits in a row, scaled up
to 60-140 px high, with a little baseline jitter. Three kinds, from easy to hard:
  - "separate": dark digits on white paper with gaps between them;
  - "touching": neighbours slid together until their ink touches or overlaps a little;
  - "photo":    separate digits as a phone photo sees them: tinted paper, a light gradient,
                sensor noise, blur, a few degrees of rotation, JPEG (one in five light on dark).

Which MNIST digits go in is the caller's choice. The reported figures use MNIST test digits
0-4999 only; segmentation was tuned on numbers built from the validation split.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

KINDS = ("separate", "touching", "photo")
MAX_LENGTH = 8
HEIGHTS = (60, 140)  # px, a number's digit height
JITTER = 0.05  # baseline jitter, a fraction of the height


@dataclass
class ComposedNumber:
    picture: np.ndarray  # uint8 (H, W, 3)
    text: str
    kind: str
    owner: np.ndarray | None  # int8 (H, W): which digit (1, 2, ...) each ink pixel is, 0 for paper; None for photos

    def ink_boxes(self) -> list[tuple[int, int, int, int]] | None:
        """Each digit's ink box (x0, y0, x1, y1), px, left to right; None for photos (rotated: no owner map)."""
        if self.owner is None:
            return None
        boxes = []
        for k in range(1, len(self.text) + 1):
            rows, cols = np.nonzero(self.owner == k)
            boxes.append((int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1))
        return boxes


def iou(a: tuple, b: tuple) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1)."""
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union else 0.0


def crop_ink(image: np.ndarray) -> np.ndarray:
    """An MNIST image uint8 (28, 28) -> its ink's bounding box."""
    rows, cols = np.flatnonzero(image.max(1) > 0), np.flatnonzero(image.max(0) > 0)
    return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def scaled(image: np.ndarray, height: int) -> np.ndarray:
    """A cropped digit -> float ink in [0, 1], `height` px high, keeping its aspect ratio."""
    h, w = image.shape
    width = max(1, round(w * height / h))
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR), np.float32) / 255


def touching_offset(canvas: np.ndarray, digit: np.ndarray, top: int, right: int, rng: np.random.Generator) -> int:
    """Where to put `digit`'s left edge so that its ink touches (or overlaps a little) the ink left of it.

    Slides the digit left from `right` (the previous digit's right edge) until the two inks
    meet, then up to 4% of its height further.
    """
    h, w = digit.shape
    ink = digit > 0.3
    left = right
    while left > 0 and not (canvas[top : top + h, left : left + w] > 0.3)[ink].any():
        left -= 1
    return max(0, left - int(rng.integers(0, max(1, round(0.04 * h)) + 1)))


def compose(digits: list[np.ndarray], kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """MNIST images (each uint8 (28, 28)) -> a picture of them in a row uint8 (H, W, 3), and whose ink is where."""
    height = int(rng.integers(HEIGHTS[0], HEIGHTS[1] + 1))
    inks = [scaled(crop_ink(d), height) for d in digits]
    margin = height // 3
    jitter = max(1, round(JITTER * height))
    width = sum(i.shape[1] for i in inks) + len(inks) * height // 2 + 2 * margin
    canvas = np.zeros((height + 2 * margin + 2 * jitter, width), np.float32)
    right = margin
    owner = np.zeros(canvas.shape, np.int8)
    for k, ink in enumerate(inks):
        top = margin + jitter + int(rng.integers(-jitter, jitter + 1))
        if kind == "touching" and right > margin:
            left = touching_offset(canvas, ink, top, right, rng)
        else:
            left = right + (int(rng.integers(height // 10, height * 2 // 5)) if right > margin else 0)
        region = canvas[top : top + ink.shape[0], left : left + ink.shape[1]]
        owner[top : top + ink.shape[0], left : left + ink.shape[1]][ink > region] = k + 1  # the darker ink wins
        np.maximum(region, ink, out=region)
        right = left + ink.shape[1]
    canvas, owner = canvas[:, : right + margin], owner[:, : right + margin]
    if kind == "photo":
        return photo(canvas, rng), None
    grey = np.round((1 - canvas) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2), owner * (canvas > 0.3)


def photo(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink in [0, 1] -> a phone photo of it: paper tint, lighting gradient, rotation, blur, noise, JPEG."""
    h, w = ink.shape
    paper = rng.uniform(0.75, 1.0, 3)  # a tinted sheet
    pen = rng.uniform(0.0, 0.3, 3)  # black, blue or grey ink
    if rng.random() < 0.2:  # chalk on a board: light on dark
        paper, pen = rng.uniform(0.05, 0.3, 3), rng.uniform(0.8, 1.0, 3)
    angle = float(rng.uniform(-4, 4))
    ink = ndimage.rotate(ink, angle, reshape=True, order=1, mode="constant", cval=0.0)
    h, w = ink.shape
    rgb = paper * (1 - ink[..., None]) + pen * ink[..., None]
    # light falling off across the sheet, in a random direction
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w]
    ramp = (np.cos(theta) * xx / w + np.sin(theta) * yy / h) * 0.5
    light = 1 - rng.uniform(0.15, 0.4) * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    rgb = rgb * light[..., None]
    rgb = rgb + rng.normal(0, rng.uniform(0.01, 0.05), rgb.shape)
    image = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 1.5))))
    buffer = io.BytesIO()
    image.save(buffer, "jpeg", quality=int(rng.integers(40, 86)))
    return np.asarray(Image.open(buffer).convert("RGB"))


def number_set(images: np.ndarray, labels: np.ndarray, kind: str, count: int, seed: int = 0) -> list[ComposedNumber]:
    """`count` numbers of 1-MAX_LENGTH digits drawn from `images` uint8 (N, 28, 28) / `labels` (N,)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    numbers = []
    for _ in range(count):
        picks = rng.choice(len(images), size=int(rng.integers(1, MAX_LENGTH + 1)), replace=False)
        picture, owner = compose([images[i] for i in picks], kind, rng)
        numbers.append(ComposedNumber(picture, "".join(str(int(labels[i])) for i in picks), kind, owner))
    return numbers
