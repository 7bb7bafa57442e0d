"""digitpad.read.line_decode: rival readings of a line (a digit fewer or more), their CTC likelihoods and peaks."""

import itertools

import numpy as np
import pytest

from digitpad.read.line_decode import BLANK, alternatives, forced_peaks, greedy_decode, readings, string_scores

_ = BLANK


def frames_of(*classes: int, sure: float = 0.9) -> np.ndarray:
    """Log-probabilities (T, 11) whose best class in each frame is the one given."""
    probs = np.full((len(classes), 11), (1 - sure) / 10)
    probs[np.arange(len(classes)), classes] = sure
    return np.log(probs)


def collapse(path: tuple[int, ...]) -> str:
    """A CTC path -> its string: repeats merged, blanks dropped."""
    return "".join(str(c) for c, _ in itertools.groupby(path) if c != BLANK)


def test_a_string_scores_the_sum_over_its_alignments():
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(11), 4))  # (4 frames, 11)
    paths = list(itertools.product(range(11), repeat=4))
    for text in ("1", "11", "37", "123"):
        brute = sum(np.exp(sum(log_probs[t, c] for t, c in enumerate(p))) for p in paths if collapse(p) == text)
        assert string_scores(log_probs, [text])[0] == pytest.approx(np.log(brute), rel=1e-4)
    assert string_scores(log_probs, ["11111"])[0] == -np.inf  # more digits than the frames can hold


def test_a_faint_one_between_two_digits_has_a_close_rival_without_it():
    log_probs = frames_of(9, 9, _, 1, _, 8, 8)
    log_probs[3] = np.log(np.r_[np.full(10, 0.005), 0.45])  # the join: blank nearly as likely as the "1"
    log_probs[3, 1] = np.log(0.5)
    assert "".join(str(f.digit) for f in greedy_decode(log_probs)) == "918"
    rivals = alternatives(log_probs, "918", margin=1.0, most=3)
    assert rivals[0][0] == "98" and len(rivals) <= 3
    scores = [score for _, score in rivals]
    assert scores == sorted(scores, reverse=True)  # most likely first
    assert all(score >= string_scores(log_probs, ["918"])[0] - 1.0 for score in scores)
    assert alternatives(frames_of(9, 9, _, 8, 8, sure=0.99), "98", margin=1.0, most=3) == []  # a sure reading


def test_forced_peaks_place_each_digit_of_a_string():
    log_probs = frames_of(_, 4, 4, _, _, 4, _, 2, _)
    log_probs[2, 4] = np.log(0.95)
    found = forced_peaks(log_probs, "442")
    assert [f.digit for f in found] == [4, 4, 2] and [f.frame for f in found] == [2, 5, 7]
    assert [f.frame for f in forced_peaks(log_probs, "42")] in ([2, 7], [5, 7])  # one 4 left out
    assert all(f.probs.shape == (10,) and f.probs.sum() == pytest.approx(1) for f in found)


def test_readings_start_with_the_greedy_one():
    log_probs = frames_of(9, 9, _, 1, _, 8, 8, sure=0.55)
    found = readings([log_probs, log_probs[:6]])
    assert [f.digit for f in found[0][0]] == [f.digit for f in greedy_decode(log_probs)]
    assert readings([frames_of(_, _, _)]) == [([], 0.0)]
