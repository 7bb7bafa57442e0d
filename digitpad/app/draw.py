"""The Draw tab: draw a digit, or give a photo, and the network reads it live.

Wiring only: `read_drawing` turns whatever the visitor gave into the three things shown
(top-3 label, the 28x28 image the model read, a verdict line).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import threading
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from digitpad.classifier import Classifier
from digitpad.preprocess import DrawingError
from digitpad.scratch import keep_newest

log = logging.getLogger("digitpad")

CANVAS = 320  # px; the pad is square
BRUSH = 10  # Gradio's brush size is a radius: 20 px strokes, MNIST's stroke-to-height ratio for a ~160 px digit
UNSURE_BELOW = 0.6  # top probability under which we say the model is unsure
EMPTY_HINT = "Draw a digit (0-9)"
PREVIEW_SCALE = 8  # the 28x28 model input is shown at 224x224, nearest-neighbour
MAX_PREVIEWS = 2000  # preview files kept on disk; the oldest half goes when there are more

# Gradio 6.31's pad starts on its "image" tool ("select the draw tool to start") and goes
# back to it after "Clear canvas": click the Brush button on load and after every clear,
# retrying until it has stayed selected (the editor mounts a little after the page).
SELECT_BRUSH_JS = """
() => {
  let settled = 0, tries = 0;
  const timer = setInterval(() => {
    const brush = document.querySelector('#pad button[aria-label="Brush"]');
    if (brush && brush.classList.contains('highlight')) settled++;
    else { settled = 0; if (brush) brush.click(); }
    if (settled >= 5 || ++tries > 150) clearInterval(timer);
  }, 100);
}
"""

CSS = """
#model-input img { image-rendering: pixelated; }
#verdict { min-height: 2.5em; }
"""


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


def read_drawing(drawing, classifier: Classifier) -> tuple[dict | str, np.ndarray | None, str]:
    """Pad value -> (top-3 label or hint, enlarged 28x28 model input, verdict line)."""
    try:
        probs, image = classifier.classify_drawing(drawing)
    except DrawingError as e:
        return "Can't read this picture", None, f"Can't read this picture: {e}"
    except Exception:  # a visitor's picture must never take the page down: say so, log the bug
        log.exception("reading a drawing failed")
        return "Can't read this picture", None, "Can't read this picture: it is not an image digitpad understands."
    if probs is None:
        return EMPTY_HINT, None, "The pad is empty: draw a digit and I'll read it as you go."
    order = np.argsort(probs)[::-1][:3]
    label = {str(int(d)): float(probs[d]) for d in order}
    return label, preview_file(image), verdict_text(probs)


_previews = tempfile.TemporaryDirectory(prefix="digitpad-previews-")  # removed when the server exits
_preview_writes = 0


def preview_file(image: np.ndarray) -> str:
    """The 28x28 image enlarged 8x (nearest-neighbour) as a PNG file named by its content.

    Written atomically: Gradio rewrites the same cache file in place when two requests
    return equal arrays, and a visitor fetching it at that moment gets a truncated image.
    """
    global _preview_writes
    buffer = io.BytesIO()
    Image.fromarray(np.kron(image, np.ones((PREVIEW_SCALE, PREVIEW_SCALE), np.uint8))).save(buffer, "png")
    data = buffer.getvalue()
    folder = Path(_previews.name)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not path.exists():
        tmp = folder / f".{path.stem}.{threading.get_ident()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        _preview_writes += 1
        if _preview_writes % (MAX_PREVIEWS // 2) == 0:
            keep_newest(folder, "*.png", MAX_PREVIEWS // 2)
    return str(path)


def build_draw_tab(bundled: Classifier, my_model: gr.State) -> gr.Radio:
    """The Draw tab; returns its model choice (the Train tab switches it to "mine")."""
    bundled_acc = bundled.metadata.get("test_acc")
    bundled_label = (
        f"Bundled model ({bundled.name}, {bundled_acc:.2f}% on MNIST test)" if bundled_acc else "Bundled model"
    )

    def choose(choice: str, mine: Classifier | None) -> Classifier:
        return mine if choice == "mine" and mine is not None else bundled

    def predict(drawing, choice: str = "bundled", mine: Classifier | None = None):
        return read_drawing(drawing, choose(choice, mine))

    with gr.Tab("Draw", id="draw"):
        with gr.Row():
            with gr.Column(scale=3):
                pad = gr.Sketchpad(
                    elem_id="pad",
                    type="numpy",
                    image_mode="RGBA",
                    canvas_size=(CANVAS, CANVAS),
                    fixed_canvas=True,
                    brush=gr.Brush(default_size=BRUSH, colors=["#000000"], color_mode="fixed"),
                    sources=("upload", "clipboard"),
                    layers=False,
                    transforms=(),
                    label="Draw here",
                    height=CANVAS + 120,
                )
                model_choice = gr.Radio(
                    [(bundled_label, "bundled"), ("My retrained model", "mine")],
                    value="bundled",
                    label="Model reading the pad",
                    elem_id="model-choice",
                    interactive=True,
                )
            with gr.Column(scale=2):
                verdict = gr.Markdown(EMPTY_HINT, elem_id="verdict")
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
    draw_inputs = [pad, model_choice, my_model]
    draw_outputs = [prediction, model_input, verdict]
    pad.change(
        predict,
        draw_inputs,
        draw_outputs,
        api_name="predict",
        trigger_mode="always_last",
        show_progress="hidden",
        concurrency_limit=None,
    )
    model_choice.change(predict, draw_inputs, draw_outputs, api_visibility="private", show_progress="hidden")
    pad.clear(None, js=SELECT_BRUSH_JS)
    return model_choice
