"""The Gradio app: a Draw tab (live recognition) and a Train tab (retrain in the browser).

The UI only wires widgets to plain functions: `read_drawing` (pad -> guesses) and
`digitpad.retrain.retrain` (settings -> progress). `build_demo()` builds the Blocks once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phone-home; works offline
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from digitpad.classifier import Classifier, load_classifier  # noqa: E402
from digitpad.model import MODELS  # noqa: E402
from digitpad.plots import confusion_figure  # noqa: E402
from digitpad.preprocess import MAX_PIXELS, DrawingError  # noqa: E402
from digitpad.retrain import (  # noqa: E402
    Settings,
    defaults_for,
    retrain,
    training_enabled,
)
from digitpad.scratch import keep_newest  # noqa: E402
from digitpad.train import RECIPES  # noqa: E402

# Gradio decodes uploads with PIL before our code sees them: make PIL refuse pictures over
# MAX_PIXELS (it raises above twice this value) instead of allocating a decompression bomb.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2
MAX_UPLOAD = "10mb"
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


def build_demo(weights: str | None = None) -> gr.Blocks:
    bundled = load_classifier(weights)  # fails loudly on a bad file: never serve nonsense
    bundled_acc = bundled.metadata.get("test_acc")
    bundled_label = (
        f"Bundled model ({bundled.name}, {bundled_acc:.2f}% on MNIST test)" if bundled_acc else "Bundled model"
    )
    stop_events: dict[str, threading.Event] = {}  # session -> its run's Stop switch

    def choose(choice: str, mine: Classifier | None) -> Classifier:
        return mine if choice == "mine" and mine is not None else bundled

    def predict(drawing, choice: str = "bundled", mine: Classifier | None = None):
        return read_drawing(drawing, choose(choice, mine))

    with gr.Blocks(title="digitpad: draw a digit", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "# ✏️ digitpad\nDraw a digit from 0 to 9: a convolutional network reads it after every stroke. "
            "You can also upload or paste a photo of a handwritten digit."
        )
        my_model = gr.State(None)
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
                    prediction = gr.Label(
                        value=EMPTY_HINT, num_top_classes=3, label="Top guesses", elem_id="prediction"
                    )
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

        with gr.Tab("Train", id="train"):
            enabled = training_enabled()
            gr.Markdown(
                "Retrain the network from scratch on MNIST's 55,000 training images and watch it learn. "
                "When it is done, your drawings are read by your new model (other visitors keep the bundled one)."
                if enabled
                else "**Training is disabled on this deployment.** Run digitpad yourself to retrain it."
            )
            defaults = defaults_for("quick")
            with gr.Row():
                model_name = gr.Dropdown(list(MODELS), value=defaults["model"], label="Model", interactive=enabled)
                recipe = gr.Radio(list(RECIPES), value="quick", label="Recipe preset", interactive=enabled)
                device = gr.Radio(["auto", "cpu", "cuda"], value="auto", label="Device", interactive=enabled)
            with gr.Row():
                # ranges are checked by Settings.check(), which says what is wrong in the status box
                epochs = gr.Number(defaults["epochs"], label="Epochs", step=0.5, interactive=enabled)
                batch_size = gr.Number(defaults["batch_size"], label="Batch size", precision=0, interactive=enabled)
                lr = gr.Number(defaults["lr"], label="Learning rate", interactive=enabled)
                augment = gr.Checkbox(defaults["augment"], label="Augmentation", interactive=enabled)
            with gr.Row():
                retrain_button = gr.Button("Retrain", variant="primary", elem_id="retrain", interactive=enabled)
                stop_button = gr.Button("Stop", variant="stop", elem_id="stop", interactive=enabled)
            status = gr.Textbox(
                label="Status",
                elem_id="train-status",
                interactive=False,
                value="Ready." if enabled else "Training is disabled on this deployment.",
            )
            curves = gr.LinePlot(
                x="epoch",
                y="value",
                color="series",
                title="Accuracy (%) and loss",
                x_title="epoch",
                y_title="accuracy % / loss",
                elem_id="curves",
                height=320,
            )
            with gr.Row():
                confusion = gr.Plot(label="Confusion matrix (MNIST test)", elem_id="confusion")
                download = gr.File(label="Trained weights (safetensors)", elem_id="weights-download", interactive=False)

        def fill_preset(name: str):
            d = defaults_for(name)
            return d["model"], d["epochs"], d["batch_size"], d["lr"], d["augment"]

        recipe.change(fill_preset, recipe, [model_name, epochs, batch_size, lr, augment], api_visibility="private")

        def run_training(model_, recipe_, epochs_, batch_, lr_, augment_, device_, mine, request: gr.Request):
            session = request.session_hash or "api"
            stop = stop_events[session] = threading.Event()
            settings = Settings(model_, recipe_, epochs_, batch_, lr_, augment_, device_)
            keep = gr.skip()
            try:
                for update in retrain(settings, stop, owner=session):
                    if not update.done:
                        yield update.status, update.curves, keep, keep, mine, keep
                    elif update.classifier is None:  # diverged: the previous model stays
                        yield update.status, update.curves, keep, keep, mine, keep
                    else:
                        yield (
                            update.status,
                            update.curves,
                            confusion_figure(update.confusion),
                            str(update.weights_file),
                            update.classifier,
                            "mine",
                        )
            except ValueError as e:
                yield str(e), keep, keep, keep, mine, keep
            finally:
                stop_events.pop(session, None)

        def stop_training(request: gr.Request) -> str:
            stop = stop_events.get(request.session_hash or "api")
            if stop is None:
                return "Nothing to stop."
            stop.set()
            return "Stopping..."

        retrain_button.click(
            run_training,
            [model_name, recipe, epochs, batch_size, lr, augment, device, my_model],
            [status, curves, confusion, download, my_model, model_choice],
            api_name="train",
            concurrency_limit=2,  # the second waits inside retrain() and is told so
            concurrency_id="train",
            show_progress="minimal",
        )
        stop_button.click(stop_training, None, status, api_name="stop", concurrency_limit=None, show_progress="hidden")
        demo.load(None, js=SELECT_BRUSH_JS)
        pad.clear(None, js=SELECT_BRUSH_JS)
    return demo


def launch_kwargs() -> dict:
    """What every launch of the demo shares: the queue's limits, upload limits, style."""
    return {"max_file_size": MAX_UPLOAD, "css": CSS, "show_error": True}
