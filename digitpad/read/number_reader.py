"""Read a whole number: a row of handwritten digits on a pad or in a photo -> "2026".

Steps of `read_number`:
  1. ink map: the same as for one digit (`preprocess.ink_map`: pad layers, or a photo of
     either polarity with uneven light flattened); a stroke pad's value is drawn as the pad
     shows it. Strokes are brought to MNIST's width (at the 4x working size, as `to_mnist`
     does for one digit), then the line is scaled to LINE_HEIGHT px.
  2. blobs: connected ink. Specks (little ink next to the largest blob, and short) are dropped.
  3. groups: blobs over each other (sharing most columns, or some columns one above the
     other) are one mark, so a "5" whose bar was lifted or a "4" in two strokes stays whole.
     The line height is the median height of the groups holding a fair share of the ink.
  4. the line: a straight line through the groups' middles levels the baseline, and the ink
     becomes a strip STRIP_HEIGHT px high with the median digit STRIP_LINE px high.
  5. the line reader (`line_reader`, CTC) reads the whole strip: how many digits, which, and
     where (each digit's peak). Touching digits need no cut to be read. Where a reading with a digit fewer or
     more comes close under CTC (`line_decode`), the one whose pieces (step 6) the digit classifier reads best,
     with its CTC likelihood, is taken: a digit read twice or a join read as a "1" cuts a digit in two.
  6. boxes and a second opinion: each digit gets its piece of ink (its group; a group holding
     several digits is cut between neighbouring peaks, along the path through least ink), the
     digit classifier reads every piece in one batch, and the two opinions are combined (the
     line reader's share was chosen on validation numbers). Pieces that are not digits at all
     (`Classifier.is_digit`: a "#", a "$", a letter), and marks the line reader read no digit
     in, are left out of the number and kept apart (`NumberReading.not_digits`): "#12" reads "12". A digit-sized
     mark between digits that the guard rejects (a 0 drawn as a box) is kept as a digit where the line reader
     read one in it with confidence; else it is left out all the same, but flagged (`DigitReading.between`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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
    mnist_frame,
    normalise_stroke_width,
    resize,
)
from digitpad.ink.strokes import parse_strokes, strokes_to_ink
from digitpad.read.line_decode import RIVAL_SHARE
from digitpad.read.line_reader import FRAME, STRIP_HEIGHT, STRIP_LINE, FoundDigit


class Reader(Protocol):
    """What reads pieces here: a `Classifier`, or anything with its `predict_proba`. This module does not
    import the classifier: the classifier imports it."""

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...  # uint8 (N, 28, 28) -> (N, 10)


class LineReading(Protocol):
    """What reads the line: a `line_reader.LineReader`."""

    weight: float  # its share when combined with the classifier
    peak_at: float  # where across its digit a peak sits (0: the left edge, 1: the right)
    unsure_below: float  # the combined confidence under which a digit is marked unsure

    def read(self, strip: np.ndarray) -> list[FoundDigit]: ...  # float (32, W) -> the digits found, left to right


MAX_DIGITS = 32  # digits read from one picture; more are left out, with a note
UNSURE_BELOW = 0.6  # a digit read with less confidence than this is marked unsure
PAD_PEN = 22 / 320  # the stroke pads' brush (22 px) as a fraction of their height (320 px)
PAD_INK_HEIGHT = 160  # px: stroke pads are drawn at this height for reading (a 320 px pad at half size)
SPECK_AREA = 0.05  # a blob with less ink than 5% of the largest blob's ...
SPECK_HEIGHT = 0.3  # ... and less than 30% of its height is a speck
SAME_DIGIT = 0.5  # blobs sharing half the narrower one's columns are one digit; so are blobs
PART_SHARED, PART_ROWS = 0.2, 0.3  # sharing a fifth of them, one above the other (a 5's bar over its body),
PART_GAP = 0.5  # if the gap between them is under half the taller one's height
MIN_DIGIT_HEIGHT = 0.04  # of the picture's height: shorter groups are specks (paper dirt, noise)
SUBSTANTIAL = 0.25  # groups with at least 25% of the largest group's ink set the line height
SEAM_REACH = 0.2  # line heights a cut may wander sideways from its column, round a leaning digit
# a cut between two peaks starts at most this share of their distance from where it is expected (0.05 to 0.3 tried
# on validation numbers: the narrower, the better the boxes)
CUT_WINDOW = 0.05
MISSED_HEIGHT = 0.6  # line heights: a mark this tall that the line reader read no digit in (no peak over it) may be
# a digit it missed
LINE_SURE = 0.9  # a digit-sized mark between digits that the guard rejects is kept as a digit when the line reader
# read a digit in it with this much confidence
NEAR_PEAK = 0.15  # line heights: a peak this near a mark with no peak of its own may be its digit (`peak_owners`)
MAX_SLOPE = 0.2  # the levelled baseline's steepest slope (about 11 degrees)
LINE_HEIGHT = 40  # px: the working picture's line height (twice MNIST's 20 px box)
MAX_WORK_PIXELS = 2_000_000  # the working picture's limit (a stroke across a whole pad is 1 line high)


@dataclass
class DigitReading:
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in the picture's pixels
    digit: int
    confidence: float
    probs: np.ndarray  # float (10,)
    image: np.ndarray = field(repr=False)  # uint8 (28, 28): what the network read
    unsure_below: float = UNSURE_BELOW  # the confidence under which it is marked unsure
    disputed: bool = False  # the line reader and the classifier each read another digit (marked unsure too)
    between: bool = False  # a mark left out of the number from between two of its digits: `digit` is the closest

    @property
    def unsure(self) -> bool:
        return self.confidence < self.unsure_below or self.disputed


@dataclass
class NumberReading:
    digits: list[DigitReading]
    note: str = ""  # said when something was left out (more than MAX_DIGITS digits)
    not_digits: list[DigitReading] = field(default_factory=list)  # marks that are no digit, left out of the number

    @property
    def text(self) -> str:
        """The number, left to right; "" for a blank picture."""
        return "".join(str(d.digit) for d in self.digits)

    def as_dict(self) -> dict:
        """JSON-ready: text, note, and per digit its box, digit, confidence and probabilities."""
        return {
            "text": self.text,
            "note": self.note,
            "digits": [
                {
                    "box": list(d.box),
                    "digit": d.digit,
                    "confidence": round(float(d.confidence), 4),
                    "probs": [round(float(p), 4) for p in d.probs],
                }
                for d in self.digits
            ],
            "not_digits": [
                {"box": list(d.box), "closest": d.digit, "between_digits": d.between} for d in self.not_digits
            ],
        }


# ------------------------------------------------------------------------ 1. the ink map


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


# -------------------------------------------------------------------- 2, 3. blobs, groups


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


# ------------------------------------------------------------------ 4. the line as a strip


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


# ---------------------------------------------------------------- 5, 6. read, cut, combine


def seams(ink: np.ndarray, columns: list[int], reach: int) -> np.ndarray:
    """For each column, the top-to-bottom path through least ink within `reach` px of it: int (n, h).

    Touching digits lean into each other, so a straight cut slices one of them; the path
    (dynamic programming over rows, one px sideways at most per row, as in seam carving) goes
    round them through the join. All paths are found at once: one pass over the rows.
    """
    h, w = ink.shape
    window = 2 * reach + 1
    padded = np.pad(ink, ((0, 0), (reach, reach)), constant_values=np.inf)  # never leave the group
    offsets = np.arange(window) - reach
    # cost (n, h, window): the ink, plus a little for straying from the column (a straight cut when free)
    cost = np.stack([padded[:, c : c + window] for c in columns]) + 1e-3 * np.abs(offsets)
    total = cost[:, 0].copy()
    step = np.zeros((len(columns), h, window), np.int8)
    for y in range(1, h):
        options = np.stack([np.pad(total[:, :-1], ((0, 0), (1, 0)), constant_values=np.inf), total,
                            np.pad(total[:, 1:], ((0, 0), (0, 1)), constant_values=np.inf)])  # fmt: skip
        best = options.argmin(0)  # 0: from the left, 1: straight down, 2: from the right
        step[:, y] = best - 1
        total = np.take_along_axis(options, best[None], 0)[0] + cost[:, y]
    path = np.empty((len(columns), h), np.intp)
    path[:, -1] = total.argmin(1)
    for y in range(h - 1, 0, -1):
        path[:, y - 1] = path[:, y] + step[np.arange(len(columns)), y, path[:, y]]
    return np.clip(path + np.array(columns)[:, None] - reach, 0, w)


@dataclass
class Piece:
    """One digit's ink, cut from the line."""

    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) of its ink in the working picture
    image: np.ndarray | None  # uint8 (28, 28) as MNIST frames a digit; None: no ink of its own
    whole: bool = True  # its whole group (not cut from digits that touch)
    digit_sized: bool = True  # as tall as a digit (a "-" or a "." is not)


def owning_group(groups: list[Group], column: float) -> int:
    """The group a peak at `column` belongs to: the one under it, else the nearest."""
    distance = [max(g.x0 - column, column - g.x1, 0.0) for g in groups]
    return int(np.argmin(distance))


def takes_peak(line: Line, other: int, column: float, owner: int) -> bool:
    """Whether group `other`, next to group `owner`, is where the peak at `column` belongs instead: it is digit-sized
    and the peak lies in the gap between the two or within NEAR_PEAK line heights of its ink."""
    group, first = line.groups[other], line.groups[owner]
    in_gap = group.x1 <= column < first.x0 if other < owner else first.x1 <= column < group.x0
    near = max(group.x0 - column, column - group.x1) <= NEAR_PEAK * line.height
    return group.height >= MISSED_HEIGHT * line.height and (in_gap or near)


def peak_owners(line: Line, peaks: np.ndarray) -> np.ndarray:
    """Which group each peak (working columns, left to right) is the digit of: int (n,). The one under it, else the
    nearest; but a group's first (last) peak goes to the group before (after) it where that has no peak of its own
    and `takes_peak`, if its group keeps another. (A thin "1" is often read with its peak just left of its ink, over
    the digit before it if they touch: that digit would be cut in two, and the "1" read again as a digit missed.)"""
    owners = np.array([owning_group(line.groups, p) for p in peaks], int)
    for k, column in enumerate(peaks):
        mine = np.flatnonzero(owners == owners[k])
        if len(mine) < 2:
            continue  # its group's only peak
        for other, outermost in ((owners[k] - 1, mine[0]), (owners[k] + 1, mine[-1])):  # peaks stay in order
            if k == outermost and 0 <= other < len(line.groups) and other not in owners:
                if takes_peak(line, other, column, owners[k]):
                    owners[k] = other
                    break
    return owners


def group_pieces(line: Line, g: int, columns: np.ndarray, peak_at: float = 0.5) -> list[Piece]:
    """Group `g`'s ink as one piece per peak (working `columns`, left to right): cut between neighbouring peaks
    along the path through least ink (round a leaning digit), from the column with least ink near where the
    digit before should end. The line reader's peaks sit `peak_at` of the way across their digits (0.5: the
    middle), so two touching digits part `1 - peak_at` of the way from one peak to the next."""
    group = line.groups[g]
    mask = np.isin(line.labels[group.y0 : group.y1, group.x0 : group.x1], group.labels)
    near = ndimage.binary_dilation(mask, structure=WITHIN_2_STEPS)  # the strokes' soft edges, not the neighbours'
    group_ink = line.ink[group.y0 : group.y1, group.x0 : group.x1] * near
    h, w = mask.shape
    x = np.clip(np.asarray(columns) - group.x0, 0, w - 1)
    profile = ndimage.uniform_filter1d(mask.sum(0).astype(np.float32), size=max(1, int(0.05 * line.height)))
    cuts = []
    for left, right in zip(x[:-1], x[1:], strict=True):
        expected = left + (1 - peak_at) * (right - left)
        lo, hi = int(expected - CUT_WINDOW * (right - left)), int(np.ceil(expected + CUT_WINDOW * (right - left)))
        lo, hi = max(lo, int(left) + 1), min(hi, int(right))
        cuts.append(lo + int(np.argmin(profile[lo : hi + 1])) if hi > lo else int(round(expected)))
    paths = [np.zeros(h, np.intp)]
    if cuts:
        paths += list(seams(group_ink, cuts, max(1, int(SEAM_REACH * line.height))))
    paths.append(np.full(h, w, np.intp))
    xs = np.arange(w)
    pieces = []
    for k in range(len(columns)):
        inside = (xs >= paths[k][:, None]) & (xs < paths[k + 1][:, None])
        left, right = int(paths[k].min()), int(paths[k + 1].max())
        piece_mask = mask & inside
        image = mnist_frame((group_ink * inside)[:, left:right]) if piece_mask.any() else None
        if image is None:  # no ink between these cuts: their columns, the group's rows, no picture
            box = (group.x0 + left, group.y0, group.x0 + max(right, left + 1), group.y1)
            pieces.append(Piece(box, None, len(columns) == 1))
            continue
        rows, cols = np.flatnonzero(piece_mask.any(1)), np.flatnonzero(piece_mask.any(0))
        x0, y0 = group.x0 + int(cols[0]), group.y0 + int(rows[0])
        box = (x0, y0, group.x0 + int(cols[-1]) + 1, group.y0 + int(rows[-1]) + 1)
        pieces.append(Piece(box, image, len(columns) == 1))
    return pieces


def combine(line_probs: np.ndarray, digit_probs: np.ndarray, weight: float) -> np.ndarray:
    """Two opinions (N, 10) -> one: a weighted geometric mean, renormalised."""
    log = weight * np.log(np.maximum(line_probs, 1e-9)) + (1 - weight) * np.log(np.maximum(digit_probs, 1e-9))
    combined = np.exp(log - log.max(1, keepdims=True))
    return combined / combined.sum(1, keepdims=True)


def picture_box(box: tuple[int, int, int, int], line: Line) -> tuple[int, int, int, int]:
    """A piece's ink box in working px -> in the picture's px, one working px wider all round (soft edges)."""
    x0, y0, x1, y1 = (v / line.scale for v in (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1))
    width, height = line.size
    return max(0, int(x0)), max(0, int(y0)), min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1)))


def peak_columns(found: list[FoundDigit], line: Line, strip: np.ndarray) -> np.ndarray:
    """The digits' peaks (strip frames) as working columns: float (n,)."""
    return np.array([(f.frame + 0.5) * FRAME for f in found], np.float64) * line.ink.shape[1] / strip.shape[1]


def read_line(line: Line, line_reader: LineReading) -> tuple[list[FoundDigit], np.ndarray]:
    """Step 5: the digits the line reader finds in the line, and their peaks as working columns."""
    strip = line_strip(line)
    found = line_reader.read(strip)
    return found, peak_columns(found, line, strip)


def rival_readings(line: Line, line_reader: LineReading) -> list[tuple[list[FoundDigit], np.ndarray, float]]:
    """Step 5 with rivals: the line reader's reading, then those with a digit fewer or more that come close to it
    (`line_decode`), each as (digits found, their peaks as working columns, CTC log-likelihood). A line reader
    without `rivals` (a stand-in) gives its reading alone."""
    strip = line_strip(line)
    rivals = getattr(line_reader, "rivals", None)
    found = rivals(strip) if rivals is not None else [(line_reader.read(strip), 0.0)]
    return [(f, peak_columns(f, line, strip), score) for f, score in found]


def best_reading(
    line: Line,
    readings: list[tuple[list[FoundDigit], np.ndarray, float]],
    classifier: Reader,
    peak_at: float,
    cache: dict | None = None,
) -> tuple[list[FoundDigit], np.ndarray]:
    """The reading whose CTC log-likelihood plus RIVAL_SHARE times the classifier's log-probabilities of its digits
    (each read on the piece of ink it cuts for it: one batch for all) is highest. A digit too many cuts a digit in
    two halves that read as no digit well, one too few leaves two digits in one piece: the classifier tells."""
    if len(readings) == 1:
        return readings[0][:2]
    images, labels, owners = [], [], []
    for k, (found, peaks, _) in enumerate(readings):
        pieces, _ = digit_pieces(line, peaks, peak_at, cache)
        for f, piece in zip(found, pieces, strict=True):
            if piece.image is not None:
                images.append(piece.image)
                labels.append(f.digit)
                owners.append(k)
    probs = classifier.predict_proba(np.stack(images)) if images else np.zeros((0, 10))
    support = np.log(np.maximum(probs[np.arange(len(labels)), labels], 1e-9))  # (pieces,)
    owners_of = np.array(owners, int)
    scores = [score + RIVAL_SHARE * support[owners_of == k].sum() for k, (_, _, score) in enumerate(readings)]
    found, peaks, _ = readings[int(np.argmax(scores))]
    return found, peaks


def read_number(
    classifier: Reader,
    picture: object,
    line_reader: LineReading,
    is_digit: Callable[[np.ndarray], np.ndarray] | None = None,
    weight: float | None = None,
) -> NumberReading:
    """A picture of a row of digits (anything `to_mnist` takes, or a stroke pad value) -> `NumberReading`.

    `line_reader` (the bundled one: `line_reader.bundled_line_reader()`) reads the line: how many digits, which,
    where. Each digit's piece is then read by `classifier` (the whole number in one batch) and the two opinions
    combined, `weight` the line reader's share (default: the share stored with it, `line_reader.weight`).
    `is_digit` (uint8 (N, 28, 28) -> bool (N,), `Classifier.is_digit`) sorts out pieces, and marks the line reader
    read nothing in, that are no digit at all. Raises `DrawingError` for input that is not a picture; a blank one
    reads as "".
    """
    weight = line_reader.weight if weight is None else weight
    line = find_line(picture)
    if line is None:
        return NumberReading([])
    cut: dict = {}  # each group's pieces by their peaks, for the rival readings and the one taken
    found, peaks = best_reading(line, rival_readings(line, line_reader), classifier, line_reader.peak_at, cut)
    note = line.note
    if len(found) > MAX_DIGITS:
        note = f"More than {MAX_DIGITS} digits: read the first {MAX_DIGITS} from the left."
        found, peaks = found[:MAX_DIGITS], peaks[:MAX_DIGITS]
    pieces, unread = digit_pieces(line, peaks, line_reader.peak_at, cut)
    if is_digit is None:
        unread = []
    framed = [p.image for p in pieces + unread if p.image is not None]
    read = iter(classifier.predict_proba(np.stack(framed)) if framed else [])  # one batch for the whole number
    digits = []
    for f, piece in zip(found, pieces, strict=True):
        second = f.probs if piece.image is None else next(read)
        probs = combine(f.probs[None], second[None], weight)[0]
        image = piece.image if piece.image is not None else np.zeros((28, 28), np.uint8)
        box, disputed = picture_box(piece.box, line), bool(f.probs.argmax() != second.argmax())
        digits.append(DigitReading(box, int(probs.argmax()), float(probs.max()), probs, image,
                                   line_reader.unsure_below, disputed))  # fmt: skip
    marks = [DigitReading(picture_box(p.box, line), int(q.argmax()), float(q.max()), q, p.image)
             for p, q in zip(unread, read, strict=True)]  # fmt: skip
    if is_digit is None:
        return NumberReading(digits, note)
    # the guard judges what the line reader passed over, and the digits read with little confidence (whole marks
    # only: a piece cut from touching digits holds bits of its neighbours); it does not overrule a sure reading
    checked = [d for d, p in zip(digits, pieces, strict=True)
               if p.whole and p.image is not None and d.confidence < UNSURE_BELOW] + marks  # fmt: skip
    verdicts = np.asarray(is_digit(np.stack([d.image for d in checked])), bool).reshape(-1) if checked else []
    rejected = {id(d) for d, ok in zip(checked, verdicts, strict=True) if not ok}
    # every digit and mark: (working column, reading, digit-sized, the line reader read a digit in it with confidence)
    tall = MISSED_HEIGHT * line.height
    read_here = [(c, d, p.box[3] - p.box[1] >= tall, f.probs.max() >= LINE_SURE)
                 for c, d, p, f in zip(peaks, digits, pieces, found, strict=True)]  # fmt: skip
    passed_over = [((p.box[0] + p.box[2]) / 2, d, p.digit_sized, False) for d, p in zip(marks, unread, strict=True)]
    # a digit-sized mark the line reader passed over that the guard takes for a digit: a digit it missed
    placed = [(c, d) for c, d, sized, _ in passed_over if id(d) not in rejected and sized]
    placed += [(c, d) for c, d, _, _ in read_here if id(d) not in rejected]
    # a digit-sized mark between digits that the guard rejects is more likely a digit written an unusual way (a 0
    # with corners) than a sign inside a number: kept as a digit where the line reader read one there with
    # confidence; else left out, and said (`between`: its box names the closest digit)
    first, last = min((c for c, _ in placed), default=0), max((c for c, _ in placed), default=0)
    for c, d, sized, sure in read_here + passed_over:
        if id(d) in rejected and sized and first < c < last:
            if sure:
                rejected.discard(id(d))
                placed.append((c, d))
            d.between = not sure
    kept = [d for _, d in sorted(placed, key=lambda item: item[0])][:MAX_DIGITS]  # left to right
    return NumberReading(kept, note, sorted([d for d in digits + marks if id(d) in rejected], key=lambda d: d.box[0]))


def digit_pieces(
    line: Line, peaks: np.ndarray, peak_at: float = 0.5, cache: dict | None = None
) -> tuple[list[Piece], list[Piece]]:
    """Step 6's pieces: each digit's (peaks: working columns, left to right), and one for each group the line
    reader found no digit in (a "-" or a "+" it passes over, or a digit it missed: the guard judges them). `cache`
    keeps each group's digit pieces by their peaks, for rival readings of one line that cut most groups alike."""
    owners = peak_owners(line, peaks)
    cache = {} if cache is None else cache
    pieces: list[Piece] = [Piece((0, 0, 0, 0), None)] * len(peaks)
    for g in np.unique(owners):
        mine = np.flatnonzero(owners == g)
        key = (int(g), tuple(peaks[mine].round(3)), peak_at)
        if key not in cache:
            cache[key] = group_pieces(line, int(g), peaks[mine], peak_at)
        for k, piece in zip(mine, cache[key], strict=True):
            pieces[k] = piece
    unread = []
    for g, group in enumerate(line.groups):
        if g not in owners:
            piece = group_pieces(line, g, np.array([(group.x0 + group.x1) / 2]))[0]
            over = (peaks >= group.x0) & (peaks < group.x1)  # a peak given to another mark over the same columns
            piece.digit_sized = group.height >= MISSED_HEIGHT * line.height and not over.any()
            unread.append(piece)
    return pieces, [p for p in unread if p.image is not None]


__all__ = ["DigitReading", "MAX_DIGITS", "NumberReading", "find_line", "line_strip", "read_number"]
