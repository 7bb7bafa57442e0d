"""Decoding the line reader's frames into digits: the greedy reading (`greedy_decode`: the best class in each
frame, repeats merged, blanks dropped), and rival readings of a line: a digit fewer or a digit more.

The line reader's commonest mistakes in a number are a digit read twice or a join of two touching digits read
as a thin "1" (one digit too many), and two touching digits read as one (one too few). Its greedy reading does
not say how close the other counts came: the likelihood of a whole string under CTC (summed over every alignment
of it with the frames) does. Here:

  - `string_scores`: the CTC log-likelihood of strings, given the line's log-probabilities;
  - `alternatives`: the strings one edit in count away (a digit left out, or one put in anywhere) whose
    likelihood comes within a margin of the greedy reading's, most likely first;
  - `forced_peaks`: where each digit of a string sits (the Viterbi alignment of the string with the frames: each
    digit's frame of highest probability), so that the line can be cut between them as for the greedy reading.

`number_reader.read_number` weighs these with the digit classifier's reading of the pieces each cuts the line into.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from digitpad.mnist_format import NUM_CLASSES

# chosen on numbers composed from validation digits (300 of each kind; docs/performance.md): rival readings are
# looked at when their CTC log-likelihood is within RIVAL_MARGIN of the greedy reading's (3 and 6 read the same),
# RIVALS at most; they are weighed by that log-likelihood plus RIVAL_SHARE times the digit classifier's
# log-probabilities of their digits (0.25, 0.5 and 1 tried)
RIVAL_MARGIN = 1.5
RIVALS = 2
RIVAL_SHARE = 0.25
RIVALS_UP_TO = 12  # digits: a longer reading has no rivals (the line reader was trained on lines of 1-12; the rivals'
# cost grows with the square of the length: a 10,000 px strip of bars read as 32+ ones took seconds)
SCALES = (1.0, 0.9, 1.1)  # the strip's width read at each (the line reader was trained on widths jittered +-10%)
BLANK = NUM_CLASSES  # the 11th class: nothing here


@dataclass
class FoundDigit:
    digit: int
    frame: int  # its peak: the frame where it was surest
    probs: np.ndarray  # float (10,) at the peak, over the digits only (blank left out, renormalised)


def greedy_decode(log_probs: np.ndarray) -> list[FoundDigit]:
    """(T, 11) log-probabilities -> the digits read, left to right (repeats merged, blanks dropped)."""
    best = log_probs.argmax(1)
    found: list[FoundDigit] = []
    t = 0
    while t < len(best):
        end = t + 1
        while end < len(best) and best[end] == best[t]:
            end += 1
        if best[t] != BLANK:
            peak = t + int(log_probs[t:end, best[t]].argmax())
            digits = np.exp(log_probs[peak, :BLANK].astype(np.float64))
            found.append(FoundDigit(int(best[t]), peak, digits / digits.sum()))
        t = end
    return found


def string_scores(log_probs: np.ndarray, texts: list[str]) -> np.ndarray:
    """(T, 11) log-probabilities and digit strings -> float (len(texts),): each string's CTC log-likelihood."""
    frames = log_probs.shape[0]
    x = torch.from_numpy(np.ascontiguousarray(log_probs, np.float32))[:, None].expand(frames, len(texts), BLANK + 1)
    targets = torch.tensor([int(c) for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    loss = F.ctc_loss(
        x,
        targets,
        torch.full((len(texts),), frames, dtype=torch.long),
        lengths,
        blank=BLANK,
        reduction="none",
        zero_infinity=False,
    )
    return -loss.numpy().astype(np.float64)  # -inf for a string too long for the frames


def alternatives(log_probs: np.ndarray, text: str, margin: float, most: int) -> list[tuple[str, float]]:
    """Strings with one digit fewer or one more than `text` (the greedy reading) whose CTC log-likelihood is within
    `margin` of `text`'s, most likely first, `most` at most: [(string, its log-likelihood)]."""
    fewer = {text[:k] + text[k + 1 :] for k in range(len(text))}
    more = {text[:k] + str(d) + text[k:] for k in range(len(text) + 1) for d in range(10)}
    candidates = sorted((fewer | more) - {""})
    if not candidates:
        return []
    scores = string_scores(log_probs, [text, *candidates])
    order = np.argsort(-scores[1:], kind="stable")
    close = [(candidates[k], float(scores[1 + k])) for k in order if scores[1 + k] >= scores[0] - margin]
    return close[:most]


def forced_peaks(log_probs: np.ndarray, text: str) -> list[FoundDigit]:
    """The best path (Viterbi) through the frames that reads `text` (T, 11) -> its digits, each with its peak (the
    frame of its run where it is likeliest) and the probabilities there (as `greedy_decode` gives them)."""
    labels = np.full(2 * len(text) + 1, BLANK)  # blank, d1, blank, d2, ..., blank
    labels[1::2] = [int(c) for c in text]
    states = len(labels)
    skip = np.zeros(states, bool)  # a digit may follow the digit before it directly where the two differ
    skip[3::2] = labels[3::2] != labels[1:-2:2]
    frames = log_probs.shape[0]
    emit = log_probs[:, labels].astype(np.float64)  # (T, S)
    best = np.full(states, -np.inf)
    best[:2] = emit[0, :2]
    came = np.zeros((frames, states), np.int8)  # 0: stayed, 1: from the state before, 2: from two before
    for t in range(1, frames):
        options = np.stack(
            [best, np.r_[-np.inf, best[:-1]], np.where(skip, np.r_[-np.inf, -np.inf, best[:-2]], -np.inf)]
        )
        came[t] = options.argmax(0)
        best = options.max(0) + emit[t]
    state = states - 1 if best[-1] >= best[-2] else states - 2
    path = np.empty(frames, np.intp)
    for t in range(frames - 1, -1, -1):
        path[t] = state
        state -= came[t, state]
    found = []
    for k, char in enumerate(text):
        run = np.flatnonzero(path == 2 * k + 1)
        peak = int(run[np.argmax(log_probs[run, int(char)])])
        digits = np.exp(log_probs[peak, :BLANK].astype(np.float64))
        found.append(FoundDigit(int(char), peak, digits / digits.sum()))
    return found


def readings(
    log_probs: list[np.ndarray], margin: float = RIVAL_MARGIN, most: int = RIVALS
) -> list[tuple[list[FoundDigit], float]]:
    """The line's log-probabilities (T_s, 11) read at each of SCALES, the first at its own width -> the greedy
    reading of the first, then rival strings (the other scales' greedy readings, and the `alternatives` of the
    first) whose mean CTC log-likelihood over the scales comes within `margin` of its, `most` at most, placed on the
    first scale's frames by `forced_peaks`: [(digits found, mean log-likelihood)]."""
    greedy = greedy_decode(log_probs[0])
    text = "".join(str(f.digit) for f in greedy)
    if not text:
        return [(greedy, 0.0)]
    others = {"".join(str(f.digit) for f in greedy_decode(lp)) for lp in log_probs[1:]}
    near = {t for t, _ in alternatives(log_probs[0], text, margin + 3.0, 2 * most)}  # (other scales may differ)
    rivals = sorted((others | near) - {"", text})
    if not rivals:
        return [(greedy, 0.0)]
    scores = np.mean([string_scores(lp, [text, *rivals]) for lp in log_probs], axis=0)
    order = [k for k in np.argsort(-scores[1:], kind="stable") if scores[1 + k] >= scores[0] - margin][:most]
    return [(greedy, float(scores[0]))] + [(forced_peaks(log_probs[0], rivals[k]), float(scores[1 + k])) for k in order]
