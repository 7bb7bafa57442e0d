"""The Draw tab: draw a digit, or give a photo, and the network reads it live.

Wiring only. The stroke pad (`StrokePad`) sends the strokes themselves while you draw;
`read_strokes` renders them straight into MNIST's format and reads them. A photo (upload or
paste) goes through `read_drawing`, the picture path of `to_mnist`. Both answer with the
same three things: the top-3 label, the 28x28 image the model read, a verdict line.

What is said of a drawing (the verdict, "not a digit", the rules for pen-down) is `readings`, shared with the
live socket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

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
from digitpad.app.readings import (
    EMPTY_HINT,
    EMPTY_VERDICT,
    Answer,
    drawing_reading,
    pad_view_value,
    read_drawing,
    read_strokes,
    strokes_reading,
    view_value,
)
from digitpad.app.stroke_pad import PadReads, StrokePad
from digitpad.read.classifier import Classifier
from digitpad.teach.store import CorrectionStore

PAD = 320  # px; the pad is square, this size from page load on
LIVE_PATH = "/live"  # the pad's live WebSocket (see `app.live`)
BRUSH = 22  # px: MNIST's stroke-to-height ratio for a ~180 px digit (the model draws at MNIST's width anyway)


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
                elem_id="pad",
                width=PAD,
                height=PAD,
                brush=BRUSH,
                label="Drawing pad",
                hint="Draw a digit here",
                live_url=LIVE_PATH.lstrip("/"),
                live_model="bundled",
            )
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
        pad,
        answer,
        corrections,
        photo,
        model_choice,
        insight,
        gr.State(None),
        gr.State(PadReads()),
        gr.State("bundled"),
        gr.Button(visible=False),
        gr.Button(visible=False),
        api_outputs,
    )


class DrawHandlers:
    """The Draw tab's event functions, bound to the server's models (a visitor's own model comes as `mine`)."""

    def __init__(self, models: Models):
        self.models = models

    def read_pad(self, pad_value, choice: str, mine: Classifier | None) -> dict:
        """The pad read through a Gradio event (the live WebSocket does the same without one)."""
        return pad_view_value(strokes_reading(pad_value, chosen_model(choice, mine, self.models)), pad_value)

    def read_sent(self, pad_value, choice: str, mine: Classifier | None, reads: PadReads) -> dict:
        """What the pad sent, read; nothing when a newer value is read meanwhile (see `PadReads`)."""
        return reads.unless_overtaken(pad_value, lambda: self.read_pad(pad_value, choice, mine), gr.skip())

    def read_photo(self, photo_value, read_before, choice: str, mine: Classifier | None) -> tuple:
        """A new photo is read (and becomes what the answer is about); a removed one changes nothing, and
        neither does the photo read last: Gradio 6.31's image editor fires `input` again for it when another
        component's value changes in the page (a live answer), which must not take the answer from the pad."""
        if not photo_given(photo_value) or same_photo(photo_value, read_before):
            return gr.skip(), gr.skip()
        found = drawing_reading(photo_value, chosen_model(choice, mine, self.models))
        return view_value(found, about="photo"), photo_value

    def reread(self, shown: dict, answered_photo, pad_value, choice: str, mine: Classifier | None) -> dict:
        """Another model chosen: read again whatever the answer was about."""
        picture = shown_picture(pad_value, answered_photo, shown)
        if picture is pad_value:
            return self.read_pad(pad_value, choice, mine)
        return view_value(drawing_reading(picture, chosen_model(choice, mine, self.models)), about="photo")

    def predict_strokes(self, pad_value, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_strokes(pad_value, chosen_model(choice, mine, self.models))

    def predict(self, drawing, choice: str = "bundled", mine: Classifier | None = None) -> Answer:
        return read_drawing(drawing, chosen_model(choice, mine, self.models))


LIVE = {"trigger_mode": "always_last", "show_progress": "hidden", "concurrency_limit": None}
QUIET = {"api_visibility": "private", "show_progress": "hidden"}


def wire_reading(views: DrawViews, on: DrawHandlers, my_model: gr.State) -> tuple[gr.events.Dependency, ...]:
    """The pad, the photo, the model choice and the API buttons, each read into the answer. Returns the events
    after which the answer is about the pad or a reread (not photo reads: see `wire_insight`)."""
    pad, photo, model_choice, answer = views.pad, views.photo, views.model_choice, views.answer
    chosen = [model_choice, my_model]
    pad_read = pad.input(on.read_sent, [pad, *chosen, views.pad_reads], answer, api_visibility="private", **LIVE)
    # Gradio 6.31's image editor fires `upload` for a file (not `change`), `input` for a paste
    photo_read = [photo, views.answered_photo, *chosen]
    photo_events = {**LIVE, **PICTURE_EVENTS, "api_visibility": "private"}
    gr.on([photo.upload, photo.input], on.read_photo, photo_read, [answer, views.answered_photo], **photo_events)
    photo_cleared = photo.clear(on.read_pad, [pad, *chosen], answer, api_visibility="private", **LIVE)
    reread = model_choice.change(on.reread, [answer, views.answered_photo, pad, *chosen], answer, **QUIET)
    model_choice.change(lambda value: value, model_choice, views.choice, **QUIET)
    views.api_strokes.click(on.predict_strokes, [pad, *chosen], views.api_outputs, api_name="predict_strokes", **LIVE)
    api_photo = {**LIVE, **PICTURE_EVENTS}
    views.api_predict.click(on.predict, [photo, *chosen], views.api_outputs, api_name="predict", **api_photo)
    return pad_read, photo_cleared, reread


def wire_pad_mode(views: DrawViews, after: list) -> None:
    """The pad reads live over its WebSocket with a server model, and through Gradio events otherwise: told
    again after each event in `after` (a model chosen, Why? or Inside opened or closed)."""

    def pad_mode(choice: str, why_open: bool, inside_open: bool):
        return gr.update(live_model=live_model(choice, why_open, inside_open))

    flags = [views.model_choice, views.insight.why_open, views.insight.inside_open]
    for event in after:
        event.then(pad_mode, flags, views.pad, **QUIET)


def build_draw_tab(models: Models, my_model: gr.State, store: CorrectionStore, tabs: gr.Tabs) -> DrawTab:
    """The Draw tab, with its corrections row and its look inside."""
    with gr.Tab("Draw", id="draw"):
        views = draw_layout(models)
    on = DrawHandlers(models)
    pad_read, photo_cleared, reread = wire_reading(views, on, my_model)
    shown = [views.pad, views.answered_photo, views.answer]  # what `shown_picture` needs
    chosen = [views.model_choice, my_model]
    refresh_after, views_toggled = wire_insight(
        views.insight, [pad_read, photo_cleared, reread], models, shown, *chosen
    )
    wire_corrections(views.corrections, store, models, shown, views.choice, *chosen)
    wire_pad_mode(views, [reread, *views_toggled])

    def send_to_pad(button: gr.Button, fn: Callable, inputs: list) -> None:
        def put(*values):
            value = fn(*values, (PAD, PAD))
            if value is None:  # nothing to send: stay where we are
                return gr.skip(), gr.skip()
            return value, gr.Tabs(selected="draw")

        sent = button.click(put, inputs, [views.pad, tabs], **QUIET)
        refresh_after(sent.then(on.read_pad, [views.pad, *chosen], views.answer, api_visibility="private", **LIVE))

    return DrawTab(views.model_choice, send_to_pad)
