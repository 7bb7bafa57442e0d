"""What the tabs read from: the model choice (the bundled model, the robust one, the visitor's own)
and the photo inputs."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image, UnidentifiedImageError

from digitpad.config import LIMITS
from digitpad.ink.preprocess import MAX_PIXELS, Refused
from digitpad.read.classifier import Classifier

# Events that may decode a photo share a few places, whichever tab: a 16 MP photo takes ~200 MB while it is
# read, so four at once from one visitor must not become four times that for everyone.
PICTURE_EVENTS = {"concurrency_limit": LIMITS.picture_events_at_once, "concurrency_id": "pictures"}
# Gradio decodes uploads with PIL before our code sees them: make PIL refuse pictures over
# MAX_PIXELS (it raises above twice this value) instead of allocating a decompression bomb.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2
warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # between the two: allowed, nothing to warn of
PHOTO_TOO_LARGE = f"this photo is too large (over {MAX_PIXELS // 1_000_000} megapixels): send a smaller one"
NOT_A_PICTURE = "this file is not a picture digitpad can read (a PNG, JPEG, WebP, GIF or BMP)"


def decoded(preprocess: Callable[[], Any]) -> Any:
    """A photo input's preprocessing (Gradio decodes the upload), or `Refused` with a sentence for a photo over
    MAX_PIXELS (PIL refuses to decode it, `Image.MAX_IMAGE_PIXELS` being set below, before a pixel
    is allocated) or a file that is no picture: the reader then says why, where Gradio would log a traceback
    and answer with a message about data types."""
    try:
        return preprocess()
    except Image.DecompressionBombError:
        return Refused(PHOTO_TOO_LARGE)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return Refused(NOT_A_PICTURE)


class Photo(gr.Image):
    """`gr.Image` whose bad or huge photos reach the handler as `Refused` (see `decoded`)."""

    is_template = True  # the browser shows it as a plain gr.Image

    def preprocess(self, payload: Any) -> Any:
        return decoded(lambda: super(Photo, self).preprocess(payload))


class PhotoEditor(gr.ImageEditor):
    """`gr.ImageEditor` whose bad or huge photos reach the handler as `Refused` (see `decoded`)."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        return decoded(lambda: super(PhotoEditor, self).preprocess(payload))


@dataclass
class Models:
    """The server's own models: the bundled one, and the adversarially trained one if its weights are there."""

    bundled: Classifier
    robust: Classifier | None = None

    def choices(self) -> list[tuple[str, str]]:
        """The model choice's (label, value) pairs."""
        acc = self.bundled.metadata.get("test_acc")
        bundled = f"Bundled model ({self.bundled.name}, {acc:.2f}% on MNIST test)" if acc else "Bundled model"
        pairs = [(bundled, "bundled")]
        if self.robust is not None:
            eps = self.robust.metadata.get("hyperparameters", {}).get("attack_eps")
            trained = f"adversarially trained at ε = {eps:g}" if eps else "adversarially trained"
            pairs.append((f"Robust model ({trained})", "robust"))
        return [*pairs, ("My retrained model", "mine")]


def chosen_model(choice: str, mine: Classifier | None, models: Models) -> Classifier:
    """The model the model choice names: the visitor's retrained one ("mine") once they have one,
    the robust one when there is one, else the bundled one."""
    if choice == "mine" and mine is not None:
        return mine
    if choice == "robust" and models.robust is not None:
        return models.robust
    return models.bundled


def photo_given(photo) -> bool:
    """Whether the photo input holds a picture (it is None, or a dict of Nones, once removed)."""
    if not isinstance(photo, dict):
        return photo is not None
    return any(photo.get(key) is not None for key in ("background", "composite")) or bool(photo.get("layers"))


def same_photo(photo: object, other: object) -> bool:
    """Whether two values of the photo input hold the same picture (their composites are equal)."""
    if not (isinstance(photo, dict) and isinstance(other, dict)):
        return False
    a, b = photo.get("composite"), other.get("composite")
    return a is not None and b is not None and np.array_equal(np.asarray(a), np.asarray(b))


def shown_picture(pad_value: object, answered_photo: object, answer: object) -> object:
    """What the Draw tab's answer is about: the photo it last read when the answer (the answer view's value)
    says so, else the pad."""
    about_photo = isinstance(answer, dict) and answer.get("about") == "photo"
    return answered_photo if about_photo and answered_photo is not None else pad_value
