"""The whole app as one `gr.Blocks`: `build_demo()` puts the tabs together, and what every launch of it shares
(`queue_kwargs`, `launch_kwargs`: the pad's live socket, size limits, the page's stylesheet)."""

from __future__ import annotations

import gradio as gr
from starlette.middleware import Middleware

from digitpad.app.assets import asset
from digitpad.app.draw import build_draw_tab
from digitpad.app.generate import build_generate_tab
from digitpad.app.inputs import Models
from digitpad.app.live import LiveReader
from digitpad.app.number import build_number_tab
from digitpad.app.request_limit import BodySizeLimit, bound_websocket_frames
from digitpad.app.train import build_train_tab
from digitpad.app.visitor_cookie import VisitorCookie
from digitpad.config import LIMITS, settings
from digitpad.gan.generator import load_generator
from digitpad.read.classifier import ROBUST_WEIGHTS, load_classifier
from digitpad.teach.store import CorrectionStore, default_store

MAX_UPLOAD = "10mb"

CSS = asset("app.css")  # the tabs' widgets and gallery.py's HTML; the pad and the answer view style themselves


def build_demo(
    weights: str | None = None, store: CorrectionStore | None = None, generator_weights: str | None = None
) -> gr.Blocks:
    """The whole app. `store`: where corrections go (default: the database $DIGITPAD_HOME names);
    `generator_weights`: the Generate tab's GAN (default: the bundled one). The Blocks carry `live_reader`,
    the pad's live WebSocket, which `launch_kwargs(demo)` adds to the server."""
    # fails loudly on a bad file: never serve nonsense
    models = Models(load_classifier(weights), load_classifier(ROBUST_WEIGHTS) if ROBUST_WEIGHTS.exists() else None)
    store = store or default_store()
    generator = load_generator(generator_weights)
    with gr.Blocks(title="digitpad: draw a digit", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "# ✏️ digitpad\nDraw a digit from 0 to 9: a convolutional network reads it as you draw.",
            elem_id="intro",
        )
        my_model = gr.State(None)  # this visitor's retrained Classifier, once they have one
        with gr.Tabs() as tabs:
            draw = build_draw_tab(models, my_model, store, tabs)
            build_number_tab(models, my_model, draw.model_choice)
            build_train_tab(my_model, draw.model_choice, store)
            build_generate_tab(generator, models.bundled, draw.send_to_pad)
    demo.live_reader = LiveReader(models)
    return demo


def queue_kwargs() -> dict:
    """What every launch passes to `demo.queue()`: events run 4 at a time unless they say otherwise, and at most
    LIMITS.queue_size wait (more are told the queue is full)."""
    return {"default_concurrency_limit": 4, "max_size": LIMITS.queue_size}


def launch_kwargs(demo: gr.Blocks) -> dict:
    """What every launch of the demo shares: the pad's live WebSocket route, upload and request size limits, the
    sessions kept, style. Gradio adds its own routes after `routes`. Bounds uvicorn's WebSocket frames too
    (`request_limit.bound_websocket_frames`)."""
    bound_websocket_frames()
    return {
        "max_file_size": MAX_UPLOAD,
        "state_session_capacity": LIMITS.sessions_kept,
        "app_kwargs": {
            "middleware": [Middleware(BodySizeLimit), Middleware(VisitorCookie, replica=settings().replica)],
            "routes": [demo.live_reader.route()],
        },
        "css": CSS,
        "show_error": True,
    }
