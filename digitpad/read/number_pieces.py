"""Each digit's piece of ink in a line (step 6 of `number_reader.read_number`): every peak the line reader found
is given to a mark (`peak_owners`), and a mark holding several digits is cut between neighbouring peaks along the
path through least ink (`seams`, round a leaning digit); a mark with no peak is a piece of its own for the guard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from digitpad.ink.preprocess import (
    WITHIN_2_STEPS,
    mnist_frame,
)
from digitpad.read.number_line import (
    Group,
    Line,
)

SEAM_REACH = 0.2  # line heights a cut may wander sideways from its column, round a leaning digit
# a cut between two peaks starts at most this share of their distance from where it is expected (0.05 to 0.3 tried
# on validation numbers: the narrower, the better the boxes)
# a cut between two peaks starts at most this share of their distance from where it is expected (0.05 to 0.3 tried
# on validation numbers: the narrower, the better the boxes)
CUT_WINDOW = 0.05
MISSED_HEIGHT = 0.6  # line heights: a mark this tall that the line reader read no digit in (no peak over it) may be
# a digit it missed
# read a digit in it with this much confidence
NEAR_PEAK = 0.15  # line heights: a peak this near a mark with no peak of its own may be its digit (`peak_owners`)


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
        options = np.stack(
            [
                np.pad(total[:, :-1], ((0, 0), (1, 0)), constant_values=np.inf),
                total,
                np.pad(total[:, 1:], ((0, 0), (0, 1)), constant_values=np.inf),
            ]
        )
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
