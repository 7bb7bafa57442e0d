"""One message of the pad's live socket, read: its drawing at MNIST's size, and the little the answer needs.

A message is `{"model": ..., "value": <stroke pad value>, "seq": n}` as JSON text (see `digitpad.app.live`).
`read_pad_message` checks the text's size, brackets and nesting before parsing it (`strokes.load_json`),
then the strokes, and draws them at MNIST's size whatever the canvas. It returns plain, small data (no
strokes), so that a long message can be read in another process: this module imports nothing but the
ink, so such a worker starts in a second and holds no model.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from digitpad.ink.preprocess import DrawingError
from digitpad.ink.strokes import load_json, pad_to_mnist


@dataclass
class PadMessage:
    """A message, read. `fields`: the message's own fields but the drawing ("model", "seq" ...); `pad`: the
    pad value's small fields ("version", "pen_down"); `image`: uint8 (28, 28), None for an empty pad; `error`:
    why the drawing cannot be read (then `image` is None)."""

    fields: dict = field(default_factory=dict)
    pad: dict = field(default_factory=dict)
    image: np.ndarray | None = None
    error: str | None = None


def read_pad_message(text: str) -> PadMessage:
    """The message's text -> `PadMessage`. Bad input is an `error`, never an exception."""
    try:
        message = load_json(text)
    except DrawingError as e:
        return PadMessage(error=str(e))
    if not isinstance(message, dict):
        message = {"value": message}  # read as a pad value: the same sentence as /predict_strokes
    value = message.get("value")
    fields = {k: v for k, v in message.items() if k != "value" and isinstance(v, (str, int, float, bool))}
    pad = {k: value[k] for k in ("version", "pen_down") if isinstance(value, dict) and k in value}
    pad = {k: v for k, v in pad.items() if isinstance(v, (int, float, bool))}
    try:
        return PadMessage(fields, pad, pad_to_mnist(value))
    except DrawingError as e:
        return PadMessage(fields, pad, error=str(e))


def start_worker(server: int) -> None:
    """A worker process's start (`app.live` reads long messages in one): at a lower priority than the server,
    and gone once the `server` process is. A pool's worker waits for work on a pipe it holds both ends of, so a
    server that is killed (it cannot shut its pool down) would otherwise leave it, and the forkserver, behind."""
    os.nice(10)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-server").start()
