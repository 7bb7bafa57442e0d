"""The Draw tab: draw a digit, or give a photo, and the network reads it live.

Wiring only. The stroke pad (`StrokePad`) sends the strokes themselves while you draw;
`read_strokes` renders them straight into MNIST's format and reads them. A photo (upload or
paste) goes through `read_drawing`, the picture path of `to_mnist`. Both answer with the
same three things: the top-3 label, the 28x28 image the model read, a verdict line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import numpy as np

from digitpad.app.corrections import corrections_row, wire_corrections
from digitpad.app.inputs import Models, chosen_model, photo_given
from digitpad.app.insight import inside_and_fool_views, why_view, wire_insight
from digitpad.app.outputs import guarded, preview_file
from digitpad.app.stroke_pad import StrokePad
from digitpad.read.classifier import Classifier
from digitpad.read.number import UNSURE_BELOW
from digitpad.teach.store import CorrectionStore

PAD = 320  # px; the pad is square, this size from page load on
BRUSH = 22  # px: MNIST's stroke-to-height ratio for a ~180 px digit (the model draws at MNIST's width anyway)
EMPTY_HINT = "Draw a digit (0-9)"
EMPTY_VERDICT = "The pad is empty: draw a digit and I'll read it as you go."

Answer = tuple[dict | str, str | None, str]  # (top-3 label or hint, preview file, verdict line)


def verdict_text(probs: np.ndarray) -> str:
    """One line about the top guess: confident, or unsure with the runners-up."""
    order = np.argsort(probs)[::-1]
    top, second, third = (int(d) for d in order[:3])
    if probs[top] >= UNSURE_BELOW:
        return f"It's a **{top}** ({probs[top]:.0%} sure)."
    return (
        f"Not sure: maybe a **{top}** ({probs[top]:.0%}), or a {second} ({probs[second]:.0%}) "
        f"or a {third} ({probs[third]:.0%})."
    )


def answer(read: Callable[[], tuple], what: str) -> Answer:
    """Run `read()` -> (probs, image) and say what it found; bad input gets a message, never a crash."""
    found, error = guarded(read, what)
    if error:
        return f"Can't read this {what}", None, error
    probs, image = found
    if probs is None:
        return EMPTY_HINT, None, EMPTY_VERDICT
    order = np.argsort(probs)[::-1][:3]
    label = {str(int(d)): float(probs[d]) for d in order}
    return label, preview_file(image), verdict_text(probs)


def read_strokes(value: object, classifier: Classifier) -> Answer:
    """Stroke pad value -> (top-3 label or hint, enlarged 28x28 model input, verdict line)."""
    return answer(lambda: classifier.classify_strokes(value), "drawing")


def read_drawing(drawing: object, classifier: Classifier) -> Answer:
    """A picture (sketchpad-style dict, array, file) -> (top-3 label or hint, 28x28 preview, verdict)."""
    return answer(lambda: classifier.classify_drawing(drawing), "picture")


@dataclass
class DrawTab:
    """What other tabs use of the Draw tab: its model choice (Retrain and Teach it switch it to "mine"), and
    `send_to_pad(button, fn, inputs)`: a click puts `fn(*inputs, (width, height))` (a stroke pad value, or None
    for nothing) on the pad, opens the Draw tab and reads the pad like a drawing."""

    model_choice: gr.Radio
    send_to_pad: Callable[[gr.Button, Callable, list], None]


def build_draw_tab(models: Models, my_model: gr.State, store: CorrectionStore, tabs: gr.Tabs) -> DrawTab:
    """The Draw tab, with its corrections row."""

    def predict_strokes(pad_value, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_strokes(pad_value, chosen_model(choice, mine, models))

    def predict(drawing, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_drawing(drawing, chosen_model(choice, mine, models))

    def read_photo(photo, choice: str, mine: Classifier | None) -> tuple:
        """A new photo is read (and becomes what the answer is about); a removed one changes nothing."""
        if not photo_given(photo):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return *predict(photo, choice, mine), photo

    def read_pad(pad_value, choice: str = "bundled", mine: Classifier | None = None) -> tuple:
        """The pad read (and what the answer is about from now on)."""
        return *predict_strokes(pad_value, choice, mine), None

    def reread(photo, pad_value, choice: str, mine: Classifier | None) -> Answer:
        """Another model chosen: read again whatever the answer was about."""
        return predict(photo, choice, mine) if photo is not None else predict_strokes(pad_value, choice, mine)

    with gr.Tab("Draw", id="draw"):
        # three columns on a wide screen; on a phone they stack: the pad, then the answer, then photos
        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=PAD):
                pad = StrokePad(
                    elem_id="pad", width=PAD, height=PAD, brush=BRUSH, label="Drawing pad", hint="Draw a digit here"
                )
            with gr.Column(scale=4, min_width=280):
                verdict = gr.Markdown(EMPTY_VERDICT, elem_id="verdict")
                prediction = gr.Label(value=EMPTY_HINT, num_top_classes=3, label="Top guesses", elem_id="prediction")
                model_input = gr.Image(
                    label="What the model sees (28x28)",
                    elem_id="model-input",
                    interactive=False,
                    height=240,
                    image_mode="L",
                    format="png",
                    buttons=[],
                )
                why = why_view()
                corrections = corrections_row()
            with gr.Column(scale=3, min_width=260):
                # Photos go through the picture path. An image editor without drawing tools keeps
                # `/predict` taking the sketchpad-style dict that earlier API clients send.
                photo = gr.ImageEditor(
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
        answered_photo = gr.State(None)  # the photo the answer is about; None while it is about the pad
        choice = gr.State("bundled")  # the model choice, for endpoints whose API takes no model choice
        # `/predict` for API clients: a picture (the sketchpad-style dict) and the model choice, as
        # before the stroke pad. It needs no trigger in the page; an invisible button carries it.
        api_only = gr.Button(visible=False)
    outputs = [prediction, model_input, verdict]
    live = {"trigger_mode": "always_last", "show_progress": "hidden", "concurrency_limit": None}
    # one request per update: the State output (what the answer is about) is not part of the API's answer
    pad_read = pad.input(
        read_pad, [pad, model_choice, my_model], [*outputs, answered_photo], api_name="predict_strokes", **live
    )
    # Gradio 6.31's image editor fires `upload` for a file (not `change`), `input` for a paste
    gr.on(
        [photo.upload, photo.input],
        read_photo,
        [photo, model_choice, my_model],
        [*outputs, answered_photo],
        api_visibility="private",
        **live,
    )
    api_only.click(predict, [photo, model_choice, my_model], outputs, api_name="predict", concurrency_limit=None)
    photo_cleared = photo.clear(
        read_pad, [pad, model_choice, my_model], [*outputs, answered_photo], api_visibility="private", **live
    )
    reread_event = model_choice.change(
        reread,
        [answered_photo, pad, model_choice, my_model],
        outputs,
        api_visibility="private",
        show_progress="hidden",
    )
    model_choice.change(lambda value: value, model_choice, choice, api_visibility="private", show_progress="hidden")
    answers = [pad_read, photo_cleared, reread_event]  # not photo reads: see `wire_insight`
    refresh_after = wire_insight(insight, answers, models, pad, answered_photo, model_choice, my_model)
    wire_corrections(corrections, store, models, pad, answered_photo, choice, model_choice, my_model)

    def send_to_pad(button: gr.Button, fn: Callable, inputs: list) -> None:
        def put(*values):
            value = fn(*values, (PAD, PAD))
            if value is None:  # nothing to send: stay where we are
                return gr.skip(), gr.skip()
            return value, gr.Tabs(selected="draw")

        sent = button.click(put, inputs, [pad, tabs], api_visibility="private", show_progress="hidden")
        read = sent.then(
            read_pad, [pad, model_choice, my_model], [*outputs, answered_photo], api_visibility="private", **live
        )
        refresh_after(read)

    return DrawTab(model_choice, send_to_pad)
