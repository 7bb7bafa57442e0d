"""The Generate tab: a conditional GAN writes digits on request, and the classifier reads them back.

Wiring only. `Generator.sample` draws the digits, `Classifier.predict_proba` reads them; every
picture has what the classifier reads under it, and a picture read as another digit than the
one asked for is framed in red and marked ✗. A style walk interpolates between two seeds'
styles; "Draw it" puts the chosen picture on the Draw tab's pad (`trace.picture_to_strokes`),
where it is read like any drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import numpy as np
from PIL import Image, ImageOps

from digitpad.app.outputs import guarded, preview_file
from digitpad.gan.generator import ANY, MAX_COUNT, GenerateError, Generator, check_seed, requested_digits
from digitpad.ink.trace import picture_to_strokes
from digitpad.read.classifier import Classifier

SHOWN = 4  # a 28x28 picture is shown at 112x112, pixel for pixel
WALK_STEPS = 8
WRONG_FRAME = (220, 38, 38)  # red, like the other tabs' mistakes
EMPTY_NOTE = "Pick a digit, how many and a seed, then **Generate**."

Samples = tuple[list[tuple[Image.Image, str]], str, np.ndarray | None, list[int] | None]


def shown(picture: np.ndarray, wrong: bool) -> Image.Image:
    """uint8 (28, 28) -> an RGB picture 4x bigger, framed in red when the classifier reads another digit."""
    big = Image.fromarray(np.kron(picture, np.ones((SHOWN, SHOWN), np.uint8))).convert("RGB")
    return ImageOps.expand(big, border=3, fill=WRONG_FRAME if wrong else (0, 0, 0))


def summary(asked: list[int], reads: np.ndarray, seed: int) -> str:
    """One line: how many the classifier reads as asked, and where the others are."""
    wrong = [k + 1 for k, (a, r) in enumerate(zip(asked, reads, strict=True)) if a != r]
    count = len(asked)
    if not wrong:
        return f"Seed {seed}: the bundled classifier reads **all {count}** as the digit asked for."
    which = ", ".join(f"#{k}" for k in wrong)
    return (
        f"Seed {seed}: the bundled classifier reads **{count - len(wrong)} of {count}** as the digit asked for; "
        f"it disagrees on {which} (framed in red, ✗)."
    )


def generate_samples(
    generator: Generator, classifier: Classifier, digit: object, count: object, seed: object
) -> Samples:
    """(gallery of (picture, caption), summary line, the pictures uint8 (N, 28, 28), the digits asked for)."""
    try:
        seed = check_seed(seed)
        asked = requested_digits(digit, count, seed)
    except GenerateError as e:
        return [], f"Can't generate that: {e}.", None, None
    pictures = generator.sample(asked, seed)
    probs = classifier.predict_proba(pictures)
    reads = probs.argmax(1)
    gallery = []
    for k, (picture, a, r) in enumerate(zip(pictures, asked, reads, strict=True)):
        caption = f"#{k + 1} · reads {r} ({probs[k, r]:.0%})" + ("" if a == r else f" ✗ asked {a}")
        gallery.append((shown(picture, a != r), caption))
    return gallery, summary(asked, reads, seed), pictures, asked


def style_walk(generator: Generator, asked: list[int] | None, seed: object, to_seed: object) -> tuple[str | None, str]:
    """The first digit asked for, walked from `seed`'s style to `to_seed`'s: (picture file, caption)."""

    def walk() -> tuple[str, str]:
        a, b = check_seed(seed), check_seed(to_seed)
        digit = asked[0] if asked else 0
        strip = generator.interpolate(digit, a, b, WALK_STEPS)  # (8, 28, 28)
        row = np.concatenate([np.pad(p, ((0, 0), (0, 2))) for p in strip], axis=1)[:, :-2]
        article = "An" if digit == 8 else "A"
        caption = f"{article} {digit} walking from seed {a}'s style (left) to seed {b}'s (right)."
        return preview_file(row, SHOWN), caption

    try:
        return walk()
    except GenerateError as e:
        return None, f"Can't walk there: {e}."


@dataclass
class GenerateTab:
    tab: gr.Tab
    digit: gr.Dropdown
    count: gr.Slider
    seed: gr.Number
    go: gr.Button
    dice: gr.Button
    note: gr.Markdown
    gallery: gr.Gallery
    chosen_text: gr.Markdown
    draw_it: gr.Button
    to_seed: gr.Number
    walk_image: gr.Image
    walk_text: gr.Markdown
    pictures: gr.State  # uint8 (N, 28, 28): what the gallery shows
    asked: gr.State  # the digits asked for
    chosen: gr.State  # the picture "Draw it" sends


def build_generate_tab(
    generator: Generator, classifier: Classifier, send_to_pad: Callable[[gr.Button, Callable, list], None]
) -> None:
    """The Generate tab. `send_to_pad(button, fn, inputs)`: the Draw tab's way to put `fn(*inputs)` on its pad."""
    view = generate_tab_layout()
    wire_generate_tab(view, generator, classifier, send_to_pad)


def style_walk_views() -> tuple[gr.Number, gr.Image, gr.Markdown]:
    """The style walk: the seed to walk to, the strip of pictures, its caption."""
    with gr.Row(equal_height=False):
        to_seed = gr.Number(1, label="Style walk to seed", elem_id="walk-to", scale=1)
        walk_image = gr.Image(
            label="Style walk", elem_id="style-walk", interactive=False, height=140, format="png", buttons=[], scale=4
        )
    return to_seed, walk_image, gr.Markdown("", elem_id="walk-caption")


def generate_tab_layout() -> GenerateTab:
    """The tab's components, placed; `wire_generate_tab` connects them."""
    with gr.Tab("Generate", id="generate") as tab:
        gr.Markdown(
            "A conditional GAN (`weights/generator.safetensors`) writes digits on request; the bundled "
            "classifier reads each one back. Click a digit, then **Draw it** to hand it to the Draw tab's pad."
        )
        with gr.Row(equal_height=False):
            # API clients may send anything: `requested_digits` and `check_seed` say what is wrong with it
            # (the slider itself refuses counts outside 1-64, with Gradio's own sentence)
            digit = gr.Dropdown(
                [ANY] + [str(d) for d in range(10)],
                value=ANY,
                label="Digit",
                elem_id="gen-digit",
                allow_custom_value=True,
            )
            count = gr.Slider(1, MAX_COUNT, value=24, step=1, label="How many", elem_id="gen-count")
            seed = gr.Number(0, label="Seed", elem_id="gen-seed")  # no rounding: 2.5 is refused, not changed
            with gr.Column(min_width=160):
                go = gr.Button("Generate", variant="primary", elem_id="generate")
                dice = gr.Button("🎲 New seed", elem_id="gen-dice")
        note = gr.Markdown(EMPTY_NOTE, elem_id="generated-summary")
        gallery = gr.Gallery(
            label="Generated digits (what the classifier reads under each)",
            elem_id="generated",
            columns=8,
            allow_preview=False,
            format="png",
            height="auto",
            object_fit="contain",
            buttons=[],
        )
        with gr.Row(equal_height=False):
            chosen_text = gr.Markdown("Chosen: #1", elem_id="gen-chosen")
            draw_it = gr.Button("✏️ Draw it", elem_id="draw-it")
        walk = style_walk_views()
        states = gr.State(None), gr.State(None), gr.State(0)  # the pictures, what was asked, the chosen one

    return GenerateTab(tab, digit, count, seed, go, dice, note, gallery, chosen_text, draw_it, *walk, *states)


def wire_generate_tab(
    view: GenerateTab,
    generator: Generator,
    classifier: Classifier,
    send_to_pad: Callable[[gr.Button, Callable, list], None],
) -> None:
    """Generate (`/generate`), the dice, the style walk, choosing a picture, the first grid, and Draw it."""
    v = view
    grid = [v.gallery, v.note, v.pictures, v.asked]  # what a new grid fills

    def generate(digit_value, count_value, seed_value):
        found, error = guarded(
            lambda: generate_samples(generator, classifier, digit_value, count_value, seed_value), "request"
        )
        return found if error is None else ([], error, None, None)

    def walk(asked_digits, seed_value, to_value):
        return style_walk(generator, asked_digits, seed_value, to_value)

    quiet = {"api_visibility": "private", "show_progress": "hidden"}

    def after_new_grid(event) -> None:
        """A new grid: "Draw it" points at its first picture again, and the style walk follows the seed."""
        event.then(lambda: (0, "Chosen: #1"), None, [v.chosen, v.chosen_text], **quiet)
        event.then(walk, [v.asked, v.seed, v.to_seed], [v.walk_image, v.walk_text], **quiet)

    made = gr.on(
        [v.go.click, v.digit.change, v.count.release, v.seed.submit],
        generate,
        [v.digit, v.count, v.seed],
        grid,
        api_name="generate",
        trigger_mode="always_last",
    )
    after_new_grid(made)
    v.to_seed.submit(walk, [v.asked, v.seed, v.to_seed], [v.walk_image, v.walk_text], **quiet)
    rolled = v.dice.click(lambda: int(np.random.default_rng().integers(0, 1_000_000)), None, v.seed, **quiet)
    after_new_grid(rolled.then(generate, [v.digit, v.count, v.seed], grid, **quiet))

    def choose(event: gr.SelectData):
        return event.index, f"Chosen: #{event.index + 1}"

    v.gallery.select(choose, None, [v.chosen, v.chosen_text], **quiet)

    def first_grid(picture_set, digit_value, count_value, seed_value):
        """Opening the tab shows a grid at once (the first time)."""
        if picture_set is not None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return generate(digit_value, count_value, seed_value)

    after_new_grid(v.tab.select(first_grid, [v.pictures, v.digit, v.count, v.seed], grid, **quiet))

    def strokes_of(picture_set, index: int, pad_size: tuple[int, int]):
        if picture_set is None or not 0 <= index < len(picture_set):
            return None
        return picture_to_strokes(picture_set[index], *pad_size)

    send_to_pad(v.draw_it, strokes_of, [v.pictures, v.chosen])
