"""Each digit's piece of a line: which mark a peak belongs to."""

import numpy as np

from digitpad.read.number_line import Group, Line
from digitpad.read.number_pieces import peak_owners


def test_a_peak_just_left_of_a_thin_one_is_its_digit():
    """Two touching digits (columns 0-60) and a thin "1" right after them (61-68), 40 px high. The line reader's peak
    for the "1" often sits a little left of its ink, over the digits before it: it is the 1's, not a third digit of
    theirs. A peak well inside them, or next to a mark too short to be a digit, stays theirs; and a group keeps its
    only peak."""
    pair, one, dash = (
        Group([1], 0, 40, 0, 60, 900.0),
        Group([2], 1, 39, 61, 68, 200.0),
        Group([2], 18, 22, 61, 68, 20.0),
    )

    def owners(groups: list[Group], peaks: list[float]) -> list[int]:
        line = Line(np.zeros((40, 70)), np.zeros((40, 70), int), groups, 40.0, 1.0, (70, 40))
        return peak_owners(line, np.array(peaks)).tolist()

    assert owners([pair, one], [15, 40, 58]) == [0, 0, 1]  # 3 px short of the "1"
    assert owners([pair, one], [15, 40, 50]) == [0, 0, 0]  # 11 px short: a third digit of the pair's
    assert owners([pair, dash], [15, 40, 58]) == [0, 0, 0]  # a "-" is no digit
    assert owners([pair, one], [15, 58]) == [0, 1]
    assert owners([pair, one], [58, 64]) == [0, 1]  # the "1" has a peak of its own
    apart = Group([2], 1, 39, 70, 77, 200.0)
    assert owners([pair, apart], [15, 40, 65]) == [0, 0, 1]  # in the gap, as near the one as the other
