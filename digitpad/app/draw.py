"""The Draw tab: draw a digit, or give a photo, and the network reads it live.

Wiring only. The stroke pad (`StrokePad`) sends the strokes themselves while you draw;
`read_strokes` renders them straight into MNIST's format and reads them. A photo (upload or
paste) goes through `read_drawing`, the picture path of `to_mnist`. Both answer with the
same three things: the top-3 label, the 28x28 image the model read, a verdict line.

A drawing that is not a digit at all (`Classifier.is_digit`: a letter, a sign, a doodle) gets the verdict
"That doesn't look like a digit (closest: 4, 91%)"; its top-3 guesses stay, greyed under "Not a digit".
While the pen is down (the pad's value says `"pen_down": true`) a drawing is never called that: a digit
half drawn is not a digit yet, and the verdict waits for pen-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import gradio as gr
import numpy as np

from digitpad.app.answer_view import AnswerView, answer_view_value
from digitpad.app.corrections import CorrectionsRow, corrections_row, wire_corrections
from digitpad.app.inputs import (
    PICTURE_EVENTS,
    Models,
    PhotoEditor,
    chosen_model,
    photo_given,
    same_photo,
    shown_picture,
)
from digitpad.app.insight import InsightViews, inside_and_fool_views, why_view, wire_insight
from digitpad.app.outputs import guarded, preview_file
from digitpad.app.stroke_pad import PadReads, StrokePad, is_picture, sent_version
from digitpad.read.classifier import Classifier
from digitpad.read.number import UNSURE_BELOW
from digitpad.teach.store import CorrectionStore

PAD = 320  # px; the pad is square, this size from page load on
LIVE_PATH = "/live"  # the pad's live WebSocket (see `app.live`)
BRUSH = 22  # px: MNIST's stroke-to-height ratio for a ~180 px digit (the model draws at MNIST's width anyway)
EMPTY_HINT = "Draw a digit (0-9)"
EMPTY_VERDICT = "The pad is empty: draw a digit and I'll read it as you go."
NOT_A_DIGIT = "That doesn't look like a digit"


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
    if probs[top] >= UNSURE_BELOW:
        return f"It's a **{top}** ({probs[top]:.0%} sure)."
    return (
        f"Not sure: maybe a **{top}** ({probs[top]:.0%}), or a {second} ({probs[second]:.0%}) "
        f"or a {third} ({probs[third]:.0%})."
    )


def pen_down(value: object) -> bool:
    """Whether the stroke pad's value was sent with the pen still down (a stroke in progress)."""
    return isinstance(value, dict) and value.get("pen_down") is True


def reading(read: Callable[[], tuple], what: str, classifier: Classifier, drawing: bool = False) -> Reading:
    """Run `read()` -> (probs, image) and say what it found; bad input gets a message, never a crash.
    `drawing`: the pen is still down, so nothing is called "not a digit" yet."""

    def read_and_judge() -> tuple:
        probs, image = read()
        return probs, image, None if image is None or drawing else classifier.is_digit(image)

    found, error = guarded(read_and_judge, what)
    return unreadable(what, error) if error else found_reading(*found)


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
    return reading(lambda: classifier.classify_strokes(value), "drawing", classifier, pen_down(value))


def drawing_reading(drawing: object, classifier: Classifier) -> Reading:
    """A picture (sketchpad-style dict, array, file) -> (top-3 label or hint, the 28x28 model input, verdict,
    a digit at all?)."""
    return reading(lambda: classifier.classify_drawing(drawing), "picture", classifier)


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


def live_model(choice: str, why_open: bool, inside_open: bool) -> str:
    """The model the pad's live WebSocket reads with, or "" when the pad must send Gradio events instead:
    the visitor's own model lives in their session, and open Why?/Inside views refresh through events."""
    return "" if choice == "mine" or why_open or inside_open else choice


@dataclass
class DrawTab:
    """What other tabs use of the Draw tab: its model choice (Retrain and Teach it switch it to "mine"), and
    `send_to_pad(button, fn, inputs)`: a click puts `fn(*inputs, (width, height))` (a stroke pad value, or None
    for nothing) on the pad, opens the Draw tab and reads the pad like a drawing."""

    model_choice: gr.Radio
    send_to_pad: Callable[[gr.Button, Callable, list], None]


@dataclass
class DrawViews:
    """The Draw tab's components, as `draw_layout` places them."""

    pad: StrokePad
    answer: AnswerView
    corrections: CorrectionsRow
    photo: PhotoEditor
    model_choice: gr.Radio
    insight: InsightViews
    answered_photo: gr.State  # the last photo read; the answer's `about` says whether the answer is about it
    pad_reads: gr.State  # PadReads: the newest pad value read for this visitor
    choice: gr.State  # the model choice, for endpoints whose API takes no model choice
    api_predict: gr.Button  # hidden: carries `/predict` (a picture, the model choice)
    api_strokes: gr.Button  # hidden: carries `/predict_strokes` (a pad value, the model choice)
    api_outputs: list  # hidden label, image and verdict: what `/predict` and `/predict_strokes` answer


def draw_layout(models: Models) -> DrawViews:
    """The Draw tab's components, placed where this is called (inside the tab)."""
    # three columns on a wide screen; on a phone they stack: the pad, then the answer, then photos
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=PAD):
            pad = StrokePad(
                elem_id="pad", width=PAD, height=PAD, brush=BRUSH, label="Drawing pad", hint="Draw a digit here",
                live_url=LIVE_PATH.lstrip("/"), live_model="bundled",
            )  # fmt: skip
        with gr.Column(scale=4, min_width=280):
            answer = AnswerView(
                answer_view_value(EMPTY_HINT, None, EMPTY_VERDICT, "pad"), pad_id="pad", elem_id="answer"
            )
            why = why_view()
            corrections = corrections_row()
        with gr.Column(scale=3, min_width=260):
            # Photos go through the picture path. An image editor without drawing tools keeps
            # `/predict` taking the sketchpad-style dict that earlier API clients send.
            photo = PhotoEditor(
                label="Or a photo of a handwritten digit (upload or paste)",
                elem_id="photo",
                type="numpy",
                sources=("upload", "clipboard"),
                brush=False,
                eraser=False,
                transforms=(),
                layers=False,
                height=240,
            )
            model_choice = gr.Radio(
                models.choices(),
                value="bundled",
                label="Model reading the pad",
                elem_id="model-choice",
                interactive=True,
            )
            insight = inside_and_fool_views(why)
    # `/predict` and `/predict_strokes` for API clients need no trigger in the page: invisible buttons carry
    # them, and they answer as before the answer view: a label, a picture file, a verdict line.
    api_outputs = [gr.Label(visible=False), gr.Image(visible=False, format="png"), gr.Markdown(visible=False)]
    return DrawViews(
        pad, answer, corrections, photo, model_choice, insight, gr.State(None), gr.State(PadReads()),
        gr.State("bundled"), gr.Button(visible=False), gr.Button(visible=False), api_outputs,
    )  # fmt: skip


def build_draw_tab(models: Models, my_model: gr.State, store: CorrectionStore, tabs: gr.Tabs) -> DrawTab:
    """The Draw tab, with its corrections row and its look inside."""
    with gr.Tab("Draw", id="draw"):
        views = draw_layout(models)
    pad, answer, photo, model_choice = views.pad, views.answer, views.photo, views.model_choice

    def read_pad(pad_value, choice: str, mine: Classifier | None) -> dict:
        """The pad read through a Gradio event (the live WebSocket does the same without one)."""
        return pad_view_value(strokes_reading(pad_value, chosen_model(choice, mine, models)), pad_value)

    def read_sent(pad_value, choice: str, mine: Classifier | None, reads: PadReads) -> dict:
        """What the pad sent, read; nothing when a newer value is read meanwhile (see `PadReads`)."""
        return reads.unless_overtaken(pad_value, lambda: read_pad(pad_value, choice, mine), gr.skip())

    def read_photo(photo_value, read_before, choice: str, mine: Classifier | None) -> tuple:
        """A new photo is read (and becomes what the answer is about); a removed one changes nothing, and
        neither does the photo read last: Gradio 6.31's image editor fires `input` again for it when another
        component's value changes in the page (a live answer), which must not take the answer from the pad."""
        if not photo_given(photo_value) or same_photo(photo_value, read_before):
            return gr.skip(), gr.skip()
        found = drawing_reading(photo_value, chosen_model(choice, mine, models))
        return view_value(found, about="photo"), photo_value

    def reread(shown: dict, answered_photo, pad_value, choice: str, mine: Classifier | None) -> dict:
        """Another model chosen: read again whatever the answer was about."""
        picture = shown_picture(pad_value, answered_photo, shown)
        if picture is pad_value:
            return read_pad(pad_value, choice, mine)
        return view_value(drawing_reading(picture, chosen_model(choice, mine, models)), about="photo")

    def predict_strokes(pad_value, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_strokes(pad_value, chosen_model(choice, mine, models))

    def predict(drawing, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_drawing(drawing, chosen_model(choice, mine, models))

    live = {"trigger_mode": "always_last", "show_progress": "hidden", "concurrency_limit": None}
    quiet = {"api_visibility": "private", "show_progress": "hidden"}
    pad_read = pad.input(
        read_sent, [pad, model_choice, my_model, views.pad_reads], answer, api_visibility="private", **live
    )
    # Gradio 6.31's image editor fires `upload` for a file (not `change`), `input` for a paste
    photo_read = [photo, views.answered_photo, model_choice, my_model]
    gr.on([photo.upload, photo.input], read_photo, photo_read, [answer, views.answered_photo],
          api_visibility="private", **{**live, **PICTURE_EVENTS})  # fmt: skip
    photo_cleared = photo.clear(read_pad, [pad, model_choice, my_model], answer, api_visibility="private", **live)
    reread_event = model_choice.change(
        reread, [answer, views.answered_photo, pad, model_choice, my_model], answer, **quiet
    )
    model_choice.change(lambda value: value, model_choice, views.choice, **quiet)
    views.api_strokes.click(
        predict_strokes, [pad, model_choice, my_model], views.api_outputs, api_name="predict_strokes", **live
    )
    views.api_predict.click(
        predict, [photo, model_choice, my_model], views.api_outputs, api_name="predict", **{**live, **PICTURE_EVENTS}
    )

    answers = [pad_read, photo_cleared, reread_event]  # not photo reads: see `wire_insight`
    shown = [pad, views.answered_photo, answer]  # what `shown_picture` needs
    refresh_after, views_toggled = wire_insight(views.insight, answers, models, shown, model_choice, my_model)
    wire_corrections(views.corrections, store, models, shown, views.choice, model_choice, my_model)

    # The pad reads live over its WebSocket with a server model, and through Gradio events otherwise.
    def pad_mode(choice: str, why_open: bool, inside_open: bool):
        return gr.update(live_model=live_model(choice, why_open, inside_open))

    flags = [model_choice, views.insight.why_open, views.insight.inside_open]
    for event in [reread_event, *views_toggled]:
        event.then(pad_mode, flags, pad, **quiet)

    def send_to_pad(button: gr.Button, fn: Callable, inputs: list) -> None:
        def put(*values):
            value = fn(*values, (PAD, PAD))
            if value is None:  # nothing to send: stay where we are
                return gr.skip(), gr.skip()
            return value, gr.Tabs(selected="draw")

        sent = button.click(put, inputs, [pad, tabs], **quiet)
        refresh_after(sent.then(read_pad, [pad, model_choice, my_model], answer, api_visibility="private", **live))

    return DrawTab(model_choice, send_to_pad)
