"""Read a whole number: a row of handwritten digits on a pad or in a photo -> "2026".

Steps of `read_number`:
  1. ink map: the same as for one digit (`preprocess.ink_map`: pad layers, or a photo of
     either polarity with uneven light flattened); a stroke pad's value is drawn as the pad
     shows it. Strokes are brought to MNIST's width (at the 4x working size, as `to_mnist`
     does for one digit), then the line is scaled to LINE_HEIGHT px.
  2. blobs: connected ink. Specks (little ink next to the largest blob, and short) are dropped.
  3. digits: blobs over each other (sharing most columns, or some columns one above the
     other) are one digit, so a "5" whose bar was lifted or a "4" in two strokes stays whole.
     The line height is the median height of the groups holding a fair share of the ink.
  4. touching neighbours: a group wider than a line height may hold several digits. Candidate
     cuts start at its emptiest columns and on a fine grid; each follows the path through
     least ink from top to bottom (seam carving), round a digit that leans into its neighbour.
     Every piece between two cuts, of a plausible width, is a candidate digit.
  5. every candidate piece is framed as MNIST frames a digit (`preprocess.mnist_frame`) and
     scored in one batch by the verifier (`training.number_verifier`): "a whole 0" ... "a whole 9" or
     "not one digit". Dynamic programming keeps the split of each group whose pieces are most
     surely whole digits (a piece implausibly wide or narrow for its digit counts against it).
  6. the chosen pieces are read by the classifier, the whole number in one batch; pieces that are not
     digits at all (`Classifier.is_digit`: a "#", a "$", a "-", a letter) are left out of the number
     and kept apart (`NumberReading.not_digits`), so "#12" reads "12".
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
    ink_map,
    mnist_frame,
    normalise_stroke_width,
    resize,
)
from digitpad.ink.strokes import parse_strokes, strokes_to_ink
from digitpad.mnist_format import NUM_CLASSES


class Reader(Protocol):
    """What reads pieces here: a `Classifier` (the digits' reader, and the verifier), or anything with its
    `predict_proba`. This module does not import the classifier: the classifier imports it."""

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...  # uint8 (N, 28, 28) -> (N, classes)


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
MIN_PIECE, MAX_PIECE = 0.1, 1.3  # a digit's width, in line heights ("1" to a wide "0")
CUT_ABOVE = 1.0  # groups narrower than this (line heights) are one digit, never cut
CUT_SPACING = 0.05  # line heights between candidate cuts: the columns with least ink, ...
CUT_GRID = 0.1  # ... and a grid this fine, for digits that touch where they have much ink
MAX_CUTS = 150  # per group, of each kind: bounds the work on a group wider than any number
SEAM_INK = 0.6  # line heights of ink a cut may cross (a stroke is ~0.15 wide): more, and it is inside a digit
SEAM_REACH = 0.2  # line heights a cut may wander sideways from its column, round a leaning digit
MAX_ASPECT = 1.8  # no digit is wider than this (width/height): such a piece is one digit only if nothing else fits
TOO_WIDE = 20.0  # log units against such a piece
SPLIT_BONUS = 0.3  # log-probability each extra digit earns: the verifier is warier of narrow pieces than of wide ones
SHAPE_WEIGHT = 1.0  # how much a piece's implausible width for the digit read counts against it
LINE_HEIGHT = 40  # px: pieces are cut at twice MNIST's 20 px box (as good as the 4x size, 4x fewer pixels)
MAX_WORK_PIXELS = 2_000_000  # the working picture's limit (a stroke across a whole pad is 1 line high)
# width/height of each digit's ink, 2nd and 98th percentiles over MNIST's training digits
ASPECT_RANGE = np.array(
    [(0.6, 1.25), (0.2, 0.95), (0.6, 1.43), (0.5, 1.11), (0.5, 1.11),
     (0.6, 1.43), (0.5, 1.05), (0.5, 1.11), (0.5, 1.11), (0.5, 1.0)]
)  # fmt: skip


@dataclass
class DigitReading:
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in the picture's pixels
    digit: int
    confidence: float
    probs: np.ndarray  # float (10,)
    image: np.ndarray = field(repr=False)  # uint8 (28, 28): what the network read

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE_BELOW


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
            "not_digits": [{"box": list(d.box), "closest": d.digit} for d in self.not_digits],
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


# ----------------------------------------------------------------- 4. cuts between digits


def candidate_cuts(profile: np.ndarray, height: float) -> list[int]:
    """Columns of a group (its ink per column) where a cut is worth trying: local minima, emptiest first."""
    edge = max(1, int(MIN_PIECE * height))
    if len(profile) <= 2 * edge:
        return []
    smooth = ndimage.uniform_filter1d(profile.astype(np.float32), size=max(1, int(0.05 * height)))
    spacing = max(1, int(CUT_SPACING * height))
    lowest_near = ndimage.minimum_filter1d(smooth, size=2 * spacing + 1)
    minima = np.flatnonzero(smooth <= lowest_near)
    minima = minima[(minima >= edge) & (minima <= len(profile) - edge)]
    # a grid this fine, coarser in a group too wide to be a number (a line across the pad): MAX_CUTS at most
    step = max(1, int(CUT_GRID * height), -(-len(profile) // MAX_CUTS))
    grid = np.arange(edge, len(profile) - edge + 1, step)
    taken = np.zeros(len(profile) + spacing, bool)  # columns within `spacing` of a cut already chosen
    cuts: list[int] = []
    for column in [*minima[np.argsort(smooth[minima], kind="stable")][:MAX_CUTS], *grid]:
        if not taken[column] and len(cuts) < 2 * MAX_CUTS:
            cuts.append(int(column))
            taken[max(0, column - spacing + 1) : column + spacing] = True
    return sorted(cuts)


def seams(ink: np.ndarray, columns: list[int], reach: int) -> tuple[np.ndarray, np.ndarray]:
    """For each column, the top-to-bottom path through least ink within `reach` px of it: int (n, h),
    and the ink each path crosses (n,).

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
    return np.clip(path + np.array(columns)[:, None] - reach, 0, w), total.min(1)


def cuts_of(group: Group, group_ink: np.ndarray, mask: np.ndarray, cut_above: float, height: float):
    """A group's candidate cuts, left to right, as paths (k, h) (the group's edges included), and
    the (i, j) pairs of cuts whose piece is worth reading."""
    h, w = mask.shape
    edges = [np.zeros(h, np.intp), np.full(h, w, np.intp)]
    columns = candidate_cuts(mask.sum(0), height) if w > cut_above else []
    if not columns:
        return np.stack(edges), [(0, 1)]
    paths, cost = seams(group_ink, columns, max(1, int(SEAM_REACH * height)))
    keep = cost <= SEAM_INK * height  # a cut through much ink is inside a digit, not between two
    # neighbouring columns often find the same path round a stroke: keep it once
    keep[1:] &= np.abs(np.diff(paths, axis=0)).mean(1) >= 1
    paths = np.concatenate([edges[:1], paths[keep], edges[1:]])
    centre = np.array([0, *np.array(columns)[keep], w])
    pairs = [
        (i, j)
        for i in range(len(centre))
        for j in range(i + 1, len(centre))
        if MIN_PIECE * height <= centre[j] - centre[i] <= MAX_PIECE * height or (i, j) == (0, len(centre) - 1)
    ]
    return paths, pairs


def shape_penalty(digit: np.ndarray, aspect: np.ndarray) -> np.ndarray:
    """How far each piece's width/height lies outside what MNIST's writers give its digit (log units, >= 0)."""
    lo, hi = ASPECT_RANGE[digit].T
    outside = np.maximum(0.0, np.maximum(np.log(lo / aspect), np.log(aspect / hi)))
    return np.where(aspect > MAX_ASPECT, TOO_WIDE + outside, outside)


def best_split(pairs: list[tuple[int, int]], score: np.ndarray, last: int) -> list[int]:
    """The pieces (indices into `pairs` of cuts) that go from cut 0 to cut `last` with the highest total
    score, plus SPLIT_BONUS per extra digit."""
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for position in sorted({i for i, _ in pairs}):
        if position not in best:
            continue
        total, path = best[position]
        for k, (start, end) in enumerate(pairs):
            if start != position:
                continue
            candidate = total + float(score[k]) + (SPLIT_BONUS if path else 0.0)
            if end not in best or candidate > best[end][0]:
                best[end] = (candidate, [*path, k])
    return best[last][1] if last in best else []


# ---------------------------------------------------------------------------- the reader


@dataclass
class Piece:
    group: int
    cuts: tuple[int, int]  # between which of its group's cuts (0: the group's left edge)
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) of its ink in the working picture
    image: np.ndarray  # uint8 (28, 28)
    last_cut: int  # its group's right edge, as a cut index
    region: np.ndarray | None = None  # bool (h, w) in its group's box: its pixels (kept only when asked)


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


def cut_pieces(
    groups: list[Group], labels: np.ndarray, ink: np.ndarray, cut_above: float, height: float, regions: bool = False
) -> list[Piece]:
    """Every candidate piece of every group (cut when wider than `cut_above` px), as the 28x28 image read."""
    pieces = []
    for g, group in enumerate(groups):
        mask = np.isin(labels[group.y0 : group.y1, group.x0 : group.x1], group.labels)
        near = ndimage.binary_dilation(mask, structure=WITHIN_2_STEPS)  # the strokes' soft edges, not the neighbours'
        group_ink = ink[group.y0 : group.y1, group.x0 : group.x1] * near
        paths, pairs = cuts_of(group, group_ink, mask, cut_above, height)
        x = np.arange(mask.shape[1])
        for i, j in pairs:
            inside = (x >= paths[i][:, None]) & (x < paths[j][:, None])  # between the two cuts
            left, right = int(paths[i].min()), int(paths[j].max())
            image = mnist_frame((group_ink * inside)[:, left:right])
            piece_mask = mask & inside
            if image is None or not piece_mask.any():
                continue
            rows, cols = np.flatnonzero(piece_mask.any(1)), np.flatnonzero(piece_mask.any(0))
            box = (
                group.x0 + int(cols[0]),
                group.y0 + int(rows[0]),
                group.x0 + int(cols[-1]) + 1,
                group.y0 + int(rows[-1]) + 1,
            )
            pieces.append(Piece(g, (i, j), box, image, len(paths) - 1, piece_mask if regions else None))
    return pieces


@dataclass
class Candidates:
    """A picture cut into groups and candidate pieces, in the working picture's px."""

    groups: list[Group]
    pieces: list[Piece]
    scale: float  # working px per picture px
    height: float  # the line height, working px
    size: tuple[int, int] = (0, 0)  # the picture's (width, height), px
    note: str = ""
    shape: tuple[int, int] = (0, 0)  # the working picture's (height, width)


def find_candidates(picture: object, cut_every_group: bool = False, regions: bool = False) -> Candidates:
    """Steps 1-4: the picture's digit groups and every piece of them worth reading.

    `cut_every_group` tries cuts in narrow groups too and `regions` keeps each piece's pixels
    (to show the verifier what halves look like, and to label its training pieces).
    """
    ink, scale = number_ink(picture)
    if ink is None:
        return Candidates([], [], scale, 0.0)
    size = round(ink.shape[1] / scale), round(ink.shape[0] / scale)
    labels, groups = digit_groups(ink)
    if not groups:
        return Candidates([], [], scale, 0.0)
    ink, zoom = working_size(ink, line_height(groups))
    labels, groups = digit_groups(ink)
    if not groups:
        return Candidates([], [], scale * zoom, 0.0)
    height = line_height(groups)
    note = ""
    if len(groups) > MAX_DIGITS:
        note = f"This picture has {len(groups)} separate marks: read the first {MAX_DIGITS} from the left."
        groups = groups[:MAX_DIGITS]
    pieces = cut_pieces(groups, labels, ink, 0.0 if cut_every_group else CUT_ABOVE * height, height, regions)
    return Candidates(groups, pieces, scale * zoom, height, size, note, ink.shape)


def piece_scores(candidates: Candidates, verdicts: np.ndarray) -> np.ndarray:
    """How good each piece is as one digit: log P(one whole digit, and which) - shape penalty.

    `verdicts` (N, 11): the verifier's probabilities for "a whole 0" ... "a whole 9", "not one digit".
    """
    digit = verdicts[:, :NUM_CLASSES].argmax(1)
    boxes = np.array([p.box for p in candidates.pieces], dtype=np.float64)
    aspect = np.maximum(boxes[:, 2] - boxes[:, 0], 1) / np.maximum(boxes[:, 3] - boxes[:, 1], 1)
    whole_digit = verdicts[np.arange(len(digit)), digit]
    return np.log(np.maximum(whole_digit, 1e-9)) - SHAPE_WEIGHT * shape_penalty(digit, aspect)


def picture_box(box: tuple[int, int, int, int], candidates: Candidates) -> tuple[int, int, int, int]:
    """A piece's ink box in working px -> in the picture's px, one working px wider all round (soft edges)."""
    x0, y0, x1, y1 = (v / candidates.scale for v in (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1))
    width, height = candidates.size
    return max(0, int(x0)), max(0, int(y0)), min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1)))


def read_number(
    classifier: Reader, picture: object, verifier: Reader, is_digit: Callable[[np.ndarray], np.ndarray] | None = None
) -> NumberReading:
    """A picture of a row of digits (anything `to_mnist` takes, or a stroke pad value) -> `NumberReading`.

    `verifier` (the bundled one: `read.classifier.bundled_verifier()`; see `training.number_verifier`) scores
    every candidate piece in one batch; the pieces that make the best split are then read by `classifier`, in one batch.
    `is_digit` (uint8 (N, 28, 28) -> bool (N,), `Classifier.is_digit`) sorts out the pieces that are no digit at
    all. Raises `DrawingError` for input that is not a picture; a blank one reads as "".
    """
    candidates = find_candidates(picture)
    pieces, note = candidates.pieces, candidates.note
    if not pieces:
        return NumberReading([], note)
    verdicts = verifier.predict_proba(np.stack([p.image for p in pieces]))
    score = piece_scores(candidates, verdicts)
    by_group: dict[int, list[int]] = {}  # a group's pieces, as indices (a group with none held nothing readable)
    for k, piece in enumerate(pieces):
        by_group.setdefault(piece.group, []).append(k)
    chosen: list[Piece] = []
    for mine in by_group.values():  # groups left to right, as the pieces were cut
        split = best_split([pieces[k].cuts for k in mine], score[mine], pieces[mine[0]].last_cut)
        chosen += [pieces[mine[i]] for i in split]
    if len(chosen) > MAX_DIGITS:
        note = f"More than {MAX_DIGITS} digits: read the first {MAX_DIGITS} from the left."
        chosen = chosen[:MAX_DIGITS]
    probs = classifier.predict_proba(np.stack([p.image for p in chosen]))  # the whole number in one batch
    digits = [
        DigitReading(
            box=picture_box(piece.box, candidates),
            digit=int(p.argmax()),
            confidence=float(p.max()),
            probs=p,
            image=piece.image,
        )
        for piece, p in zip(chosen, probs, strict=True)
    ]
    if is_digit is None or not digits:
        return NumberReading(digits, note)
    keep = np.asarray(is_digit(np.stack([d.image for d in digits])), bool).reshape(-1)
    return NumberReading([d for d, k in zip(digits, keep, strict=True) if k], note,
                         [d for d, k in zip(digits, keep, strict=True) if not k])  # fmt: skip


__all__ = ["DigitReading", "MAX_DIGITS", "NumberReading", "read_number"]
