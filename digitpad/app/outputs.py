"""What the tabs answer with: a sentence instead of a crash for bad input, and picture files.

- `guarded`: run a reader; bad input becomes a sentence saying why, never an error page.
- `preview_file`: a small picture enlarged pixel for pixel, written once as a PNG named by its
  content (Gradio then serves it as a file, not re-encoded on every answer).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image

from digitpad.ink.preprocess import DrawingError
from digitpad.scratch import keep_newest, scratch_folder

log = logging.getLogger("digitpad")

PREVIEW_SCALE = 8  # the 28x28 model input is shown at 224x224, nearest-neighbour
MAX_PREVIEWS = 2000  # preview files kept on disk; the oldest half goes when there are more
T = TypeVar("T")


def guarded(read: Callable[[], T], what: str) -> tuple[T | None, str | None]:
    """(`read()`, None), or (None, a sentence saying why) for bad input: never a crash."""
    try:
        return read(), None
    except Exception as e:
        return None, why_unreadable(e, what)


def why_unreadable(error: Exception, what: str) -> str:
    """The sentence for a reading of a `what` that raised `error`: bad input says why; a bug is logged."""
    if isinstance(error, DrawingError):
        log.warning("bad input: a %s: %s", what, error)  # one line, no traceback: the visitor is told why
        return f"Can't read this {what}: {error}"
    # a visitor's input must never take the page down: say so, log the bug
    log.error("reading a %s failed", what, exc_info=error)
    return f"Can't read this {what}: it is not something digitpad understands."


_preview_writes = 0


def preview_file(image: np.ndarray, scale: int = PREVIEW_SCALE) -> str:
    """A uint8 grey (H, W) or RGB (H, W, 3) image enlarged `scale` times (nearest-neighbour) as a PNG
    file named by its content: the 28x28 model input at 224x224, the "Why?" and "Fool it" pictures.

    Written atomically: Gradio rewrites the same cache file in place when two requests
    return equal arrays, and a visitor fetching it at that moment gets a truncated image.
    """
    global _preview_writes
    buffer = io.BytesIO()
    block = np.ones((scale, scale) + (1,) * (image.ndim - 2), np.uint8)
    Image.fromarray(np.kron(image, block)).save(buffer, "png")
    data = buffer.getvalue()
    folder = Path(scratch_folder("previews"))
    path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not path.exists():
        tmp = folder / f".{path.stem}.{threading.get_ident()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        _preview_writes += 1
        if _preview_writes % (MAX_PREVIEWS // 2) == 0:
            keep_newest(folder, "*.png", MAX_PREVIEWS // 2)
    return str(path)
