"""The Draw tab's corrections: "Wrong? It was:" 0-9, "Teach it" and "Forget my corrections".

Wiring only: `digitpad.teach.store` stores a correction (SQLite), `digitpad.teach.finetune.teach`
fine-tunes the visitor's model on theirs. A visitor is their session (one page load); the
database only ever sees a salted hash of it. Nothing is stored until a digit is pressed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import gradio as gr

from digitpad.app.clients import Client, client_of
from digitpad.app.inputs import PICTURE_EVENTS, Models, chosen_model, shown_picture
from digitpad.read.classifier import Classifier
from digitpad.teach.finetune import teach
from digitpad.teach.store import CorrectionsError, CorrectionStore, as_label, read_for_correction
from digitpad.training.retrain import TRAINING_WAITERS
from digitpad.training.run_report import RunUpdate

log = logging.getLogger("digitpad")

HINT = (
    "Misread? Press the digit you meant: the drawing is saved for your model only (nothing is stored until "
    "you press one). Then **Teach it** learns your handwriting in seconds."
)


@dataclass
class CorrectionsRow:
    digits: list[gr.Button]  # 0-9
    status: gr.Markdown
    teach: gr.Button
    forget: gr.Button
    api_label: gr.Number  # hidden: the label of `/correct`
    api_call: gr.Button  # hidden: carries `/correct` (pad value, label), as `/predict` is carried


def corrections_row() -> CorrectionsRow:
    """The components, placed where this is called (under the guesses); `wire_corrections` connects them."""
    gr.Markdown("**Wrong? It was:**", elem_id="correct-label")
    with gr.Row(elem_id="correct", equal_height=True):
        digits = [gr.Button(str(d), size="sm", min_width=34, elem_id=f"correct-{d}") for d in range(10)]
    status = gr.Markdown(HINT, elem_id="correct-status")
    with gr.Row():
        teach_button = gr.Button("Teach it", variant="primary", size="sm", elem_id="finetune")
        forget = gr.Button("Forget my corrections", size="sm", elem_id="forget")
    return CorrectionsRow(digits, status, teach_button, forget, gr.Number(visible=False), gr.Button(visible=False))


def drawings(count: int) -> str:
    return f"{count} drawing{'' if count == 1 else 's'}"


def model_name(choice: str, classifier: Classifier) -> str:
    """What a correction records about the model that misread: whose, which architecture and recipe."""
    owner = choice if choice in ("mine", "robust") else "bundled"
    return f"{owner} {classifier.name} ({classifier.metadata.get('recipe', '?')})"


def save_correction(
    store: CorrectionStore, client: Client, classifier: Classifier, choice: str, picture: object, label: object
) -> str:
    """Store one correction; the status line (saved, or why not). Never raises: bad input gets a sentence."""
    try:
        digit = as_label(label)
        image, probs, png = read_for_correction(classifier, picture)
        name = model_name(choice, classifier)
        count = store.add(client.visitor, image, digit, probs, name, png, address=client.address)
    except (ValueError, CorrectionsError) as e:  # DrawingError is a ValueError
        log.warning("correction not saved: %s", e)  # one line, no traceback: the visitor is told why
        return f"Not saved: {e}"
    except Exception:  # a bug must not take the page down: say so, log it
        log.exception("saving a correction failed")
        return "Not saved: something went wrong on the server; your drawings are still read."
    return f"Saved as a {digit}: you have taught {drawings(count)}. Press **Teach it** to learn from them."


def teach_status(update: RunUpdate, count: int) -> str:
    if update.classifier is None:
        return update.status
    return (
        f"Your model has learnt your {drawings(count)} ({update.train_seconds:.1f} s of training; it still reads "
        f"{update.test_acc:.2f}% of MNIST's test digits). Your drawings are now read by it: try again."
    )


class CorrectionHandlers:
    """The corrections row's event functions, bound to the store and the server's models."""

    def __init__(self, store: CorrectionStore, models: Models):
        self.store, self.models = store, models

    def correct_shown(self, label, pad_value, photo, answer, choice_, mine, request: gr.Request) -> str:
        """A digit button: store what the answer is about (the pad or the last photo) under that label."""
        picture = shown_picture(pad_value, photo, answer)
        classifier = chosen_model(choice_, mine, self.models)
        return save_correction(self.store, client_of(request), classifier, choice_, picture, label)

    def correct(self, pad_value, label, choice_: str, mine: Classifier | None, request: gr.Request) -> str:
        """`/correct`: store a drawing under a label."""
        classifier = chosen_model(choice_, mine, self.models)
        return save_correction(self.store, client_of(request), classifier, choice_, pad_value, label)

    def run_teach(self, choice_: str, mine: Classifier | None, request: gr.Request):
        """Teach it: the status while the visitor's model learns their corrections, then that model."""
        keep = gr.skip()
        try:
            client = client_of(request)
            images, labels = self.store.examples(client.visitor)
            base = chosen_model(choice_, mine, self.models)
            for update in teach(base, images, labels, threading.Event(), client.keys()):
                if update.classifier is None:
                    yield teach_status(update, len(images)), keep, keep
                else:
                    yield teach_status(update, len(images)), update.classifier, "mine"
        except (ValueError, CorrectionsError) as e:
            yield str(e), keep, keep

    def forget(self, request: gr.Request) -> str:
        try:
            count = self.store.forget(client_of(request).visitor)
        except CorrectionsError as e:
            return f"Not forgotten: {e}"
        return (
            f"Forgot your {drawings(count)}: nothing of yours is stored now. "
            "A model you taught stays in this page until you leave it."
        )


def wire_corrections(
    row: CorrectionsRow,
    store: CorrectionStore,
    models: Models,
    shown: list[gr.components.Component],
    choice: gr.State,
    model_choice: gr.Radio,
    my_model: gr.State,
) -> None:
    """Connect the row: a digit stores the drawing the answer is about (`shown`: the pad, the last photo and the
    answer view, see `shown_picture`); Teach it; Forget."""
    on = CorrectionHandlers(store, models)
    for button in row.digits:  # the button's own text is the label; the answer may be about a photo
        inputs = [button, *shown, choice, my_model]
        button.click(on.correct_shown, inputs, row.status, api_visibility="private", **PICTURE_EVENTS)
    api_inputs = [shown[0], row.api_label, choice, my_model]
    row.api_call.click(on.correct, api_inputs, row.status, api_name="correct", **PICTURE_EVENTS)
    row.teach.click(
        on.run_teach,
        [choice, my_model],
        [row.status, my_model, model_choice],
        api_name="finetune",
        concurrency_limit=TRAINING_WAITERS,  # the rest wait in the training slot's line and see their place
        concurrency_id="train",
    )
    row.forget.click(on.forget, None, row.status, api_name="forget", concurrency_limit=None)
