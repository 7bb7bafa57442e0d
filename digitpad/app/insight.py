"""The Draw tab's look inside: "Why?", "Inside the network" and "Fool it", under the model's input.

Wiring only: `digitpad.read.explain` (integrated gradients, feature maps) and `digitpad.read.attack`
(the smallest change that flips the reading) do the work. "Why?" and "Inside" are collapsed by
default and computed only while open, so the pad stays fast; each answer about the drawing
(pad, photo or another model) refreshes whichever is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import numpy as np

from digitpad.app.gallery import inside_html
from digitpad.app.inputs import Models, chosen_model, shown_picture
from digitpad.app.outputs import guarded, preview_file
from digitpad.read.attack import smallest_flip
from digitpad.read.classifier import Classifier
from digitpad.read.explain import explain, layer_maps, overlay

WHY_HINT = "Draw a digit: red shows the ink that pushed the network towards its answer, blue what pushed against."
FOOL_HINT = "Draw a digit, then press **Fool it**: it finds the smallest change to every pixel that fools the network."
GAP = 8  # px between the two "Why?" pictures


@dataclass
class InsightViews:
    why: gr.Accordion
    why_image: gr.Image
    why_text: gr.Markdown
    inside: gr.Accordion
    inside_view: gr.HTML
    fool: gr.Button
    fool_image: gr.Image
    fool_text: gr.Markdown
    api_explain: gr.Button  # hidden: carries `/explain` (pad value, model choice)
    api_attack: gr.Button  # hidden: carries `/attack` (pad value, model choice)
    why_open: gr.State  # whether "Why?" is open
    inside_open: gr.State


def why_view() -> tuple[gr.Accordion, gr.Image, gr.Markdown]:
    """ "Why?", placed where this is called (under the model's input)."""
    with gr.Accordion("Why? What made it decide", open=False, elem_id="explain") as why:
        why_image = gr.Image(
            label="Left: why its answer. Right: why not the runner-up (red: for, blue: against)",
            elem_id="explain-image",
            interactive=False,
            format="png",
            buttons=[],
            height=240,
        )
        why_text = gr.Markdown(WHY_HINT, elem_id="explain-text")
    return why, why_image, why_text


def inside_and_fool_views(why: tuple[gr.Accordion, gr.Image, gr.Markdown]) -> InsightViews:
    """ "Inside the network" and "Fool it", placed where this is called; with `why_view()`'s, all the views."""
    with gr.Accordion("Inside the network", open=False, elem_id="inside") as inside:
        inside_view = gr.HTML("<p>Draw a digit to see what each layer computes.</p>", elem_id="inside-view")
    fool = gr.Button("Fool it", elem_id="attack", variant="secondary", size="md")
    fool_text = gr.Markdown(FOOL_HINT, elem_id="attack-text")
    fool_image = gr.Image(
        label="The changed drawing, as the network reads it (28x28)",
        elem_id="attack-image",
        interactive=False,
        format="png",
        buttons=[],
        height=200,
        image_mode="L",
    )
    # everything here is made inside the tab: a component made between two tabs splits the tab bar
    hidden = gr.Button(visible=False), gr.Button(visible=False), gr.State(False), gr.State(False)
    return InsightViews(*why, inside, inside_view, fool, fool_image, fool_text, *hidden)


def why_answer(classifier: Classifier, picture: object) -> tuple[str | None, str]:
    """The "Why?" pictures (its answer | the runner-up, side by side) as a file, and a sentence."""
    found, error = guarded(lambda: classifier.classify(picture), "drawing")
    if error or found[1] is None:
        return None, error or WHY_HINT
    probs, image = found
    top, second = (int(d) for d in np.argsort(probs)[::-1][:2])
    left = overlay(image, explain(classifier.model, image, classifier.mean, classifier.std, top))
    right = overlay(image, explain(classifier.model, image, classifier.mean, classifier.std, second))
    gap = np.full((left.shape[0], GAP, 3), 255, np.uint8)
    text = (
        f"Left: what made it a **{top}** ({probs[top]:.0%}). Right: why not a **{second}** ({probs[second]:.0%}): "
        f"red ink speaks for a {second}, blue against it."
    )
    return preview_file(np.concatenate([left, gap, right], 1), scale=1), text


def inside_answer(classifier: Classifier, picture: object) -> str:
    found, error = guarded(lambda: classifier.classify(picture), "drawing")
    if error or found[1] is None:
        return f"<p>{error or 'Draw a digit to see what each layer computes.'}</p>"
    maps, probs = layer_maps(classifier.model, found[1], classifier.mean, classifier.std)
    return inside_html(maps, probs)


def fool_answer(models: Models, classifier: Classifier, picture: object) -> tuple[str | None, str]:
    """The changed 28x28 drawing (file) and a sentence: ε, the new reading; and the ε the robust
    model would need, when another model was fooled."""
    found, error = guarded(lambda: classifier.classify(picture), "drawing")
    if error or found[1] is None:
        return None, error or FOOL_HINT
    image = found[1]
    flip, error = guarded(lambda: smallest_flip(classifier.model, image, classifier.mean, classifier.std), "drawing")
    if error:
        return None, error
    text = (
        f"Every pixel changed by at most **ε = {flip.eps:.3f}** ({round(flip.eps * 255)} of 255 grey levels), "
        f"and it reads **{flip.digit}** ({flip.probs[flip.digit]:.0%} sure) instead of {flip.was}."
    )
    robust = models.robust
    if robust is not None and robust is not classifier:
        other = smallest_flip(robust.model, image, robust.mean, robust.std)
        text += f" The robust model needs **ε = {other.eps:.3f}** to be fooled on this drawing."
    return preview_file(flip.image), text


def wire_insight(
    views: InsightViews,
    answers: list,
    models: Models,
    shown: list[gr.components.Component],
    model_choice: gr.Radio,
    my_model: gr.State,
) -> tuple[Callable[[gr.events.Dependency], None], list[gr.events.Dependency]]:
    """Connect the views: opening one computes it; every answer in `answers` (events) refreshes the open ones.
    `shown`: the pad, the last photo and the answer view (see `shown_picture`). Returns `refresh_after(event)`,
    which makes a later answer refresh them too, and the events that open or close a view."""
    why_open, inside_open = views.why_open, views.inside_open

    def refresh(pad_value, photo, answer, choice, mine, why_on: bool, inside_on: bool):
        classifier = chosen_model(choice, mine, models)
        picture = shown_picture(pad_value, photo, answer)
        why = why_answer(classifier, picture) if why_on else (gr.skip(), gr.skip())
        return *why, inside_answer(classifier, picture) if inside_on else gr.skip()

    inputs = [*shown, model_choice, my_model]
    outputs = [views.why_image, views.why_text, views.inside_view]
    quiet = {"api_visibility": "private", "show_progress": "hidden"}

    def refresh_after(event: gr.events.Dependency) -> None:
        event.then(refresh, [*inputs, why_open, inside_open], outputs, trigger_mode="always_last", **quiet)

    for event in answers:
        refresh_after(event)

    # Not after a photo is read: any listener that updated these views after the image editor's
    # `upload`/`input` made the editor fire `input` again and again (Gradio 6.31), each re-reading the
    # photo over the answer to a drawing made meanwhile. Opening a view reads the photo the answer is about.
    toggled = []
    for accordion, flag in ((views.why, why_open), (views.inside, inside_open)):
        opened = accordion.expand(lambda: True, None, flag, **quiet)
        opened.then(refresh, [*inputs, why_open, inside_open], outputs, **quiet)
        toggled += [opened, accordion.collapse(lambda: False, None, flag, **quiet)]

    def fool(pad_value, photo, answer, choice, mine):
        return fool_answer(models, chosen_model(choice, mine, models), shown_picture(pad_value, photo, answer))

    views.fool.click(fool, inputs, [views.fool_image, views.fool_text], api_visibility="private")

    def explain_api(pad_value, choice: str = "bundled", mine: Classifier | None = None):
        return why_answer(chosen_model(choice, mine, models), pad_value)

    def attack_api(pad_value, choice: str = "bundled", mine: Classifier | None = None):
        return fool_answer(models, chosen_model(choice, mine, models), pad_value)

    pad = shown[0]
    views.api_explain.click(
        explain_api, [pad, model_choice, my_model], [views.why_image, views.why_text], api_name="explain"
    )
    views.api_attack.click(
        attack_api, [pad, model_choice, my_model], [views.fool_image, views.fool_text], api_name="attack"
    )
    return refresh_after, toggled
