"""Read a whole number: a row of handwritten digits on a pad or in a photo -> "2026".

Steps of `read_number`:
  1-4. the line (`number_line.find_line`): the ink map, its blobs and groups (a digit in two strokes stays one
     mark), the line height, and the levelled strip STRIP_HEIGHT px high that the line reader reads.
  5. the line reader (`line_reader`, CTC) reads the whole strip: how many digits, which, and
     where (each digit's peak). Touching digits need no cut to be read. Where a reading with a digit fewer or
     more comes close under CTC (`line_decode`), the one whose pieces (step 6) the digit classifier reads best,
     with its CTC likelihood, is taken: a digit read twice or a join read as a "1" cuts a digit in two.
  6. boxes and a second opinion: each digit gets its piece of ink (`number_pieces`: its group; a group holding
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
from typing import Protocol

import numpy as np

from digitpad.read.line_decode import RIVAL_SHARE, FoundDigit
from digitpad.read.line_reader import FRAME
from digitpad.read.number_line import (
    MAX_DIGITS,
    Line,
    find_line,
    line_strip,
)
from digitpad.read.number_pieces import MISSED_HEIGHT, Piece, digit_pieces


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


UNSURE_BELOW = 0.6  # a digit read with less confidence than this is marked unsure
LINE_SURE = 0.9  # a digit-sized mark between digits that the guard rejects is kept as a digit when the line reader


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


# -------------------------------------------------------------------- 2, 3. blobs, groups


# ------------------------------------------------------------------ 4. the line as a strip


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
    unread = unread if is_digit is not None else []
    digits, marks = second_opinions(classifier, line, found, pieces, unread, weight, line_reader.unsure_below)
    if is_digit is None:
        return NumberReading(digits, note)
    kept, left_out = sorted_out(line, found, peaks, digits, pieces, marks, unread, is_digit)
    return NumberReading(kept, note, left_out)


def second_opinions(
    classifier: Reader,
    line: Line,
    found: list[FoundDigit],
    pieces: list[Piece],
    unread: list[Piece],
    weight: float,
    unsure_below: float,
) -> tuple[list[DigitReading], list[DigitReading]]:
    """The classifier reads every piece in one batch (the whole number): each digit's reading combined with the
    line reader's (`weight`: its share), and each mark the line reader read nothing in as the classifier reads it."""
    framed = [p.image for p in pieces + unread if p.image is not None]
    read = iter(classifier.predict_proba(np.stack(framed)) if framed else [])
    digits = []
    for f, piece in zip(found, pieces, strict=True):
        second = f.probs if piece.image is None else next(read)
        probs = combine(f.probs[None], second[None], weight)[0]
        image = piece.image if piece.image is not None else np.zeros((28, 28), np.uint8)
        box, disputed = picture_box(piece.box, line), bool(f.probs.argmax() != second.argmax())
        digits.append(DigitReading(box, int(probs.argmax()), float(probs.max()), probs, image, unsure_below, disputed))
    marks = [
        DigitReading(picture_box(p.box, line), int(q.argmax()), float(q.max()), q, p.image)
        for p, q in zip(unread, read, strict=True)
    ]
    return digits, marks


def sorted_out(
    line: Line,
    found: list[FoundDigit],
    peaks: np.ndarray,
    digits: list[DigitReading],
    pieces: list[Piece],
    marks: list[DigitReading],
    unread: list[Piece],
    is_digit: Callable[[np.ndarray], np.ndarray],
) -> tuple[list[DigitReading], list[DigitReading]]:
    """The number's digits, left to right, and what is left out of it (`NumberReading.not_digits`): the guard
    (`is_digit`) judges what the line reader passed over, and the digits read with little confidence (whole marks
    only: a piece cut from touching digits holds bits of its neighbours); it does not overrule a sure reading."""
    checked = [d for d, p in zip(digits, pieces, strict=True) if p.whole and p.image is not None]
    checked = [d for d in checked if d.confidence < UNSURE_BELOW] + marks
    verdicts = np.asarray(is_digit(np.stack([d.image for d in checked])), bool).reshape(-1) if checked else []
    rejected = {id(d) for d, ok in zip(checked, verdicts, strict=True) if not ok}
    # every digit and mark: (working column, reading, digit-sized, the line reader read a digit in it with confidence)
    tall = MISSED_HEIGHT * line.height
    read_here = [
        (c, d, p.box[3] - p.box[1] >= tall, f.probs.max() >= LINE_SURE)
        for c, d, p, f in zip(peaks, digits, pieces, found, strict=True)
    ]
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
    return kept, sorted([d for d in digits + marks if id(d) in rejected], key=lambda d: d.box[0])


__all__ = ["DigitReading", "MAX_DIGITS", "NumberReading", "find_line", "line_strip", "read_number"]
