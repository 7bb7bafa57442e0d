"""Find the line of a number in a picture: its ink, the digits' groups, the line height, and the levelled strip
the line reader reads (steps 1-4 of `number_reader.read_number`).

1. ink map: the same as for one digit (`preprocess.ink_map`: pad layers, or a photo of either polarity with
   uneven light flattened); a stroke pad's value is drawn as the pad shows it. Strokes are brought to MNIST's
   width (at the 4x working size, as `to_mnist` does for one digit), then the line is scaled to LINE_HEIGHT px.
2. blobs: connected ink. Specks (little ink next to the largest blob, and short) are dropped.
3. groups: blobs over each other (sharing most columns, or some columns one above the other) are one mark, so
   a "5" whose bar was lifted or a "4" in two strokes stays whole. The line height is the median height of
   the groups holding a fair share of the ink.
4. the line: a straight line through the groups' middles levels the baseline, and the ink becomes a strip
   STRIP_HEIGHT px high with the median digit STRIP_LINE px high.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.ink.preprocess import (
    EIGHT_NEIGHBOURS,
    INK_LEVEL,
    MIN_INK_PIXELS,
    WITHIN_2_STEPS,
    WORK_BOX,
    Upload,
    ink_map,
    normalise_stroke_width,
    resize,
)
from digitpad.ink.strokes import parse_strokes, strokes_to_ink
from digitpad.read.line_reader import FRAME, STRIP_HEIGHT, STRIP_LINE

MAX_DIGITS = 32  # digits read from one picture; more are left out, with a note
PAD_PEN = 22 / 320  # the stroke pads' brush (22 px) as a fraction of their height (320 px)
PAD_INK_HEIGHT = 160  # px: stroke pads are drawn at this height for reading (a 320 px pad at half size)
SPECK_AREA = 0.05  # a blob with less ink than 5% of the largest blob's ...
SPECK_HEIGHT = 0.3  # ... and less than 30% of its height is a speck
SAME_DIGIT = 0.5  # blobs sharing half the narrower one's columns are one digit; so are blobs
PART_SHARED, PART_ROWS = 0.2, 0.3  # sharing a fifth of them, one above the other (a 5's bar over its body),
PART_GAP = 0.5  # if the gap between them is under half the taller one's height
MIN_DIGIT_HEIGHT = 0.04  # of the picture's height: shorter groups are specks (paper dirt, noise)
SUBSTANTIAL = 0.25  # groups with at least 25% of the largest group's ink set the line height
MAX_SLOPE = 0.2  # the levelled baseline's steepest slope (about 11 degrees)
LINE_HEIGHT = 40  # px: the working picture's line height (twice MNIST's 20 px box)
MAX_WORK_PIXELS = 2_000_000  # the working picture's limit (a stroke across a whole pad is 1 line high)


def is_stroke_value(picture: object) -> bool:
    return (isinstance(picture, dict) and "strokes" in picture) or (
        isinstance(picture, (str, bytes)) and picture.lstrip()[:1] in ("{", b"{")
    )


def picture_size(picture: object) -> tuple[int, int] | None:
    """(width, height) of a picture file or PIL image as given (before any downscaling), else None."""
    try:
        if isinstance(picture, Image.Image):
            return picture.size
        if isinstance(picture, np.ndarray) and picture.ndim in (2, 3):  # `as_array` may shrink a large one
            return picture.shape[1], picture.shape[0]
        if isinstance(picture, Upload):
            picture = picture.path
        if isinstance(picture, (str, Path)):
            with Image.open(picture) as image:
                return image.size
    except Exception:  # unreadable: `ink_map` says why
        return None
    return None


def number_ink(picture: object) -> tuple[np.ndarray | None, float]:
    """Anything `to_mnist` takes, or a stroke pad value -> (ink map, ink px per picture px)."""
    if is_stroke_value(picture):
        parsed = parse_strokes(picture)
        if not parsed.strokes:
            return None, 1.0
        scale = min(1.0, PAD_INK_HEIGHT / parsed.height)
        return strokes_to_ink(parsed, scale, PAD_PEN * parsed.height), scale
    ink = ink_map(picture)
    if ink is None:
        return None, 1.0
    size = picture_size(picture)
    return ink, (ink.shape[1] / size[0] if size else 1.0)


@dataclass
class Group:
    """Blobs read as one digit (or a run of touching digits): their labels and bounding box."""

    labels: list[int]
    y0: int
    y1: int
    x0: int
    x1: int
    ink: float

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0


def blobs(mask: np.ndarray) -> tuple[np.ndarray, list[Group]]:
    """Connected ink -> (label image, one Group per blob that is not a speck)."""
    labels, count = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    if count == 0:
        return labels, []
    area = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    found = [
        Group([i + 1], s[0].start, s[0].stop, s[1].start, s[1].stop, float(area[i]))
        for i, s in enumerate(ndimage.find_objects(labels))
    ]
    tallest = max(g.height for g in found)
    big = area.max()
    kept = [g for g in found if g.ink >= max(MIN_INK_PIXELS, SPECK_AREA * big) or g.height >= SPECK_HEIGHT * tallest]
    return labels, kept


def group_digits(found: list[Group]) -> list[Group]:
    """Blobs left to right, those over each other (sharing most columns, or some and close) merged into one."""
    groups: list[Group] = []
    for blob in sorted(found, key=lambda g: g.x0):
        last = groups[-1] if groups else None
        if last is not None:
            shared = min(last.x1, blob.x1) - max(last.x0, blob.x0)
            side_by_side = min(last.y1, blob.y1) - max(last.y0, blob.y0)  # rows both have (< 0: a gap)
            narrower, shorter = min(last.width, blob.width), min(last.height, blob.height)
            near = -side_by_side <= PART_GAP * max(last.height, blob.height)
            if near and (
                shared >= SAME_DIGIT * narrower
                or (shared >= PART_SHARED * narrower and side_by_side <= PART_ROWS * shorter)
            ):
                groups[-1] = Group(
                    last.labels + blob.labels,
                    min(last.y0, blob.y0),
                    max(last.y1, blob.y1),
                    last.x0,
                    max(last.x1, blob.x1),
                    last.ink + blob.ink,
                )
                continue
        groups.append(blob)
    return groups


def digit_groups(ink: np.ndarray) -> tuple[np.ndarray, list[Group]]:
    """Steps 2-3: an ink map -> (its blob labels, the groups that may be digits, left to right)."""
    labels, found = blobs(ink >= INK_LEVEL)
    shortest = max(MIN_INK_PIXELS, MIN_DIGIT_HEIGHT * ink.shape[0])
    return labels, [g for g in group_digits(found) if g.height >= shortest]


def line_height(groups: list[Group]) -> float:
    """The median height of the groups holding a fair share of ink (specks and dots don't count)."""
    most = max(g.ink for g in groups)
    return float(np.median([g.height for g in groups if g.ink >= SUBSTANTIAL * most]))


def working_size(ink: np.ndarray, height: float) -> tuple[np.ndarray, float]:
    """The ink with its strokes brought to MNIST's width (at the 4x size, as `to_mnist` does for one digit),
    then scaled so that the line is LINE_HEIGHT px high (within MAX_WORK_PIXELS); and that scale."""
    zoom = min(WORK_BOX / height, np.sqrt(MAX_WORK_PIXELS / ink.size))
    work = resize(ink, max(1, round(ink.shape[0] * zoom)), max(1, round(ink.shape[1] * zoom)))
    thick = normalise_stroke_width(work)
    pad = (thick.shape[0] - work.shape[0]) // 2  # thickening pads the picture: crop back to its frame
    work = thick[pad : pad + work.shape[0], pad : pad + work.shape[1]]
    shrink = LINE_HEIGHT / WORK_BOX
    work = resize(work, max(1, round(work.shape[0] * shrink)), max(1, round(work.shape[1] * shrink)))
    return work, zoom * shrink


@dataclass
class Line:
    """A picture's row of marks at the working size (steps 1-3)."""

    ink: np.ndarray  # float (h, w): line height ~LINE_HEIGHT px, strokes at MNIST's width, the groups' ink only
    labels: np.ndarray  # int (h, w): its blobs
    groups: list[Group]  # left to right
    height: float  # the line height, working px
    scale: float  # working px per picture px
    size: tuple[int, int]  # the picture's (width, height), px
    note: str = ""  # said when marks were left out (more than MAX_DIGITS)


def find_line(picture: object) -> Line | None:
    """Steps 1-3: a picture (anything `to_mnist` takes, or a stroke pad value) -> its marks at the working size;
    None for a blank one. Raises `DrawingError` for input that is not a picture."""
    ink, scale = number_ink(picture)
    if ink is None:
        return None
    size = round(ink.shape[1] / scale), round(ink.shape[0] / scale)
    labels, groups = digit_groups(ink)
    if not groups:
        return None
    ink, zoom = working_size(ink, line_height(groups))
    labels, groups = digit_groups(ink)
    if not groups:
        return None
    note = ""
    if len(groups) > MAX_DIGITS:
        note = f"This picture has {len(groups)} separate marks: read the first {MAX_DIGITS} from the left."
        groups = groups[:MAX_DIGITS]
    kept = np.isin(labels, [label for g in groups for label in g.labels])
    ink = ink * ndimage.binary_dilation(kept, structure=WITHIN_2_STEPS)  # specks go; the strokes' soft edges stay
    return Line(ink, labels, groups, line_height(groups), scale * zoom, size, note)


def baseline(line: Line) -> np.ndarray:
    """The line's middle row at each working column: a straight line through the middles of the groups holding
    a fair share of the ink, weighted by their ink, no steeper than MAX_SLOPE."""
    most = max(g.ink for g in line.groups)
    big = [g for g in line.groups if g.ink >= SUBSTANTIAL * most]
    x = np.array([(g.x0 + g.x1) / 2 for g in big])
    y = np.array([(g.y0 + g.y1) / 2 for g in big])
    weight = np.array([g.ink for g in big])
    x_mean, y_mean = np.average(x, weights=weight), np.average(y, weights=weight)
    spread = np.sum(weight * (x - x_mean) ** 2)
    slope = np.sum(weight * (x - x_mean) * (y - y_mean)) / spread if spread > 0 else 0.0
    return y_mean + np.clip(slope, -MAX_SLOPE, MAX_SLOPE) * (np.arange(line.ink.shape[1]) - x_mean)


def line_strip(line: Line) -> np.ndarray:
    """Step 4: the line levelled and scaled -> float32 (STRIP_HEIGHT, W) ink in [0, 1], the median digit
    STRIP_LINE px high and the baseline's middle on the strip's middle row. What the line reader reads."""
    zoom = STRIP_LINE / line.height
    reach = int(np.ceil(STRIP_HEIGHT / 2 / zoom))  # working rows kept above and below the middle
    h, w = line.ink.shape
    rows = np.round(baseline(line)).astype(int)[None, :] + np.arange(-reach, reach)[:, None] + reach
    band = np.pad(line.ink, ((reach, reach), (0, 0)))[np.clip(rows, 0, h + 2 * reach - 1), np.arange(w)[None, :]]
    return resize(band, STRIP_HEIGHT, max(FRAME, round(w * zoom)))
