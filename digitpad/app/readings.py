"""What the Draw tab says of a drawing: one set of rules for the live socket, Gradio events and the API.

A reading is the top-3 guesses, the 28x28 image the model read and one verdict line. A drawing that is not a
digit at all (the digit guard, `read.classifier`: a letter, a sign, a doodle) gets "That doesn't look like a
digit (closest: 4, 91%)", its guesses greyed; while the pen is down (the pad's value says `"pen_down": true`)
nothing is called that: a digit half drawn is not a digit yet (`asks_guard`). `judged` is the rule; the live
socket (`app.live`) batches the same two networks and calls it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from digitpad.app.answer_view import answer_view_value
from digitpad.app.outputs import guarded, preview_file
from digitpad.app.stroke_pad import is_picture, sent_version
from digitpad.read.classifier import Classifier, bundled_guard, is_digit_by_guard

EMPTY_HINT = "Draw a digit (0-9)"
EMPTY_VERDICT = "The pad is empty: draw a digit and I'll read it as you go."
NOT_A_DIGIT = "That doesn't look like a digit"
NOT_SURE_BELOW = 0.6  # a top guess less likely than this is said with the runners-up ("Not sure: maybe ...")


class Reading(NamedTuple):
    label: dict | str  # top-3 {digit: probability}, or a hint / "Can't read this drawing"
    image: np.ndarray | None  # the 28x28 image read
    verdict: str  # one line, markdown **bold** only
    digit_like: bool = True  # False: not a digit at all (the guesses are only the closest digits)


Answer = tuple[dict | str, str | None, str]  # the API's: (top-3 label or hint, preview file, verdict line)


def verdict_text(probs: np.ndarray, digit_like: bool = True) -> str:
    """One line about the top guess: confident, or unsure with the runners-up; or, for a drawing that is not
    a digit at all, that it doesn't look like one, and the digit it is closest to."""
    order = np.argsort(probs)[::-1]
    top, second, third = (int(d) for d in order[:3])
    if not digit_like:
        return f"{NOT_A_DIGIT} (closest: **{top}**, {probs[top]:.0%})."
    if probs[top] >= NOT_SURE_BELOW:
        return f"It's a **{top}** ({probs[top]:.0%} sure)."
    return (
        f"Not sure: maybe a **{top}** ({probs[top]:.0%}), or a {second} ({probs[second]:.0%}) "
        f"or a {third} ({probs[third]:.0%})."
    )


def pen_down(value: object) -> bool:
    """Whether the stroke pad's value was sent with the pen still down (a stroke in progress)."""
    return isinstance(value, dict) and value.get("pen_down") is True


def asks_guard(value: object) -> bool:
    """Whether the digit guard judges this pad value: only at pen-up (a digit half drawn is not a digit yet)."""
    return not pen_down(value)


def judged(probs: np.ndarray | None, image: np.ndarray | None, guard_probs: np.ndarray | None) -> Reading:
    """The one rule for what the tab says of a drawing read, wherever it was read (the live socket, a Gradio
    event, the API): the classifier's probabilities (10,) and the 28x28 image (both None for a blank drawing),
    and the digit guard's probabilities (11,) for that image (None: not asked, as while the pen is down)."""
    digit_like = None if guard_probs is None else bool(is_digit_by_guard(guard_probs))
    return found_reading(probs, image, digit_like)


def reading(read: Callable[[], tuple], what: str, guard: bool = True) -> Reading:
    """Run `read()` -> (probs, image) and say what it found (`judged`); bad input gets a message, never a crash.
    `guard`: ask the digit guard (False while the pen is down)."""

    def read_and_judge() -> Reading:
        probs, image = read()
        guard_probs = bundled_guard().predict_proba(image)[0] if guard and image is not None else None
        return judged(probs, image, guard_probs)

    found, error = guarded(read_and_judge, what)
    return unreadable(what, error) if error else found


def found_reading(probs: np.ndarray | None, image: np.ndarray | None, digit_like: bool | None = None) -> Reading:
    """(probabilities (10,), the 28x28 image read), both None for a blank drawing, and whether it is a digit at
    all (`Classifier.is_digit`; None: not asked, as while the pen is down) -> what the tab says."""
    if probs is None:
        return Reading(EMPTY_HINT, None, EMPTY_VERDICT)
    order = np.argsort(probs)[::-1][:3]
    like = digit_like is None or bool(digit_like)
    return Reading({str(int(d)): float(probs[d]) for d in order}, image, verdict_text(probs, like), like)


def unreadable(what: str, error: str) -> Reading:
    """What the tab says of input it cannot read (`error`: the sentence saying why)."""
    return Reading(f"Can't read this {what}", None, error)


def strokes_reading(value: object, classifier: Classifier) -> Reading:
    """Stroke pad value -> (top-3 label or hint, the 28x28 model input, verdict line, a digit at all?).
    A picture sent instead (the sketchpad-style dict `/predict` takes) is read as a picture."""
    if is_picture(value):
        return drawing_reading(value, classifier)
    return reading(lambda: classifier.classify_strokes(value), "drawing", asks_guard(value))


def drawing_reading(drawing: object, classifier: Classifier) -> Reading:
    """A picture (sketchpad-style dict, array, file) -> (top-3 label or hint, the 28x28 model input, verdict,
    a digit at all?)."""
    return reading(lambda: classifier.classify_drawing(drawing), "picture")


def view_value(found: Reading, about: str) -> dict:
    """A reading as the answer view's value (see `answer_view`)."""
    return answer_view_value(found.label, found.image, found.verdict, about, digit_like=found.digit_like)


def pad_view_value(found: Reading, pad_value: object) -> dict:
    """A reading of the pad's value as the answer view's value, with the value's `version` echoed (see
    `stroke_pad`): the page then knows which drawing the answer is about."""
    value = view_value(found, about="pad")
    version = sent_version(pad_value)
    if version is not None:
        value["pad_version"] = version
    return value


def api_answer(found: Reading) -> Answer:
    """What `/predict` and `/predict_strokes` answer: the 28x28 image as an enlarged PNG file."""
    return found.label, None if found.image is None else preview_file(found.image), found.verdict


def read_strokes(value: object, classifier: Classifier) -> Answer:
    """Stroke pad value -> (top-3 label or hint, enlarged 28x28 model input file, verdict line)."""
    return api_answer(strokes_reading(value, classifier))


def read_drawing(drawing: object, classifier: Classifier) -> Answer:
    """A picture (sketchpad-style dict, array, file) -> (top-3 label or hint, 28x28 preview file, verdict)."""
    return api_answer(drawing_reading(drawing, classifier))
