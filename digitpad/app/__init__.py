"""The Gradio app, one module per tab; `build_demo()` builds the Blocks once.

- `blocks.py`: `build_demo()`, the tabs put together, and what every launch shares;
- `draw.py`: the Draw tab (live recognition of a drawing or a photo);
- `corrections.py`: the Draw tab's corrections ("Wrong? It was:", "Teach it", "Forget my corrections");
- `number.py`: the Number tab (a whole number from a wide pad, a photo or the webcam);
- `train.py`: the Train tab (retrain in the browser, live curves, what training teaches);
- `generate.py`: the Generate tab (a conditional GAN writes digits; the classifier reads them back);
- `stroke_pad.py`: the drawing pad, a `gr.HTML` component that sends strokes while you draw;
- `answer_view.py`: the Draw tab's answer (verdict, top-3 guesses, the 28x28 picture), one `gr.HTML`;
- `readings.py`: what the Draw tab says of a drawing, the one set of rules for the socket, events and the API;
- `live.py`: the pad's live reading over one WebSocket (`/live`), beside Gradio's routes;
- `gallery.py`: the small HTML views the Train and Number tabs show;
- `inputs.py`: what the tabs read from (the model choice, the photo input);
- `request_limit.py`: oversized request bodies refused before Gradio reads them;
- `visitor_cookie.py`: a visitor cookie for sticky sessions behind a load balancer (`deploy/`);
- `assets.py`: the front-end files in `static/` (the pad's and the answer view's HTML, CSS and JavaScript, the
  page's stylesheet), read when the app is built;
- `serve.py`: the options and launch `demo.py` and `digitpad demo` share; `served.py`: the app as the tests and the
  benchmark meet it (`Server`).

Every tab only wires widgets to library functions.

`build_demo`, `launch_kwargs` and `queue_kwargs` are imported on first use (PEP 562): a process that needs only a
light module here (`served.Server`, in the tests and the benchmark's attacker processes) does not load Gradio and
PyTorch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from digitpad.config import offline_defaults

offline_defaults()  # no phone-home, before any module here imports Gradio (huggingface_hub reads it at import)

if TYPE_CHECKING:
    from digitpad.app.blocks import build_demo, launch_kwargs, queue_kwargs

__all__ = ["build_demo", "launch_kwargs", "queue_kwargs"]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'digitpad.app' has no attribute {name!r}")
    value = getattr(import_module("digitpad.app.blocks"), name)
    globals()[name] = value  # found once; later lookups do not come here
    return value
