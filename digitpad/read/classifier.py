"""`load_classifier()` and `Classifier`: the public way to read digits with a trained network."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from torch import nn

from digitpad.checkpoint import BUNDLED_WEIGHTS, GUARD_WEIGHTS, ROBUST_WEIGHTS, load_checkpoint
from digitpad.ink.preprocess import to_mnist
from digitpad.ink.strokes import pad_to_mnist
from digitpad.mnist_format import IMAGE_SIZE
from digitpad.model import probabilities
from digitpad.read.explain import explain
from digitpad.read.line_reader import bundled_line_reader
from digitpad.read.number_line import is_stroke_value
from digitpad.read.number_reader import NumberReading, read_number

__all__ = ["BUNDLED_WEIGHTS", "ROBUST_WEIGHTS", "Classifier", "bundled_guard", "load_classifier"]

NOT_A_DIGIT = 10  # the guard's 11th class, "not a digit" (see `training.digit_guard`)


class Classifier:
    """A trained network plus its normalisation. Thread-safe for prediction."""

    def __init__(self, model: nn.Module, metadata: dict, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.model = model.to(self.device, memory_format=torch.channels_last).eval()
        self.metadata = metadata
        self.name: str = metadata["architecture"]
        self.mean: float = float(metadata["normalization"]["mean"])
        self.std: float = float(metadata["normalization"]["std"])

    @torch.inference_mode()
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """uint8 (N, 28, 28) or (28, 28), white digit on black -> probabilities (N, 10)."""
        images = np.asarray(images)
        if images.ndim == 2:
            images = images[None]
        if images.dtype != np.uint8 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(
                f"expected uint8 images of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}), got {images.dtype} {images.shape}"
            )
        return probabilities(self.model, torch.from_numpy(np.ascontiguousarray(images)), self.mean, self.std).numpy()

    def classify_drawing(self, drawing) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Any drawing or picture (see `to_mnist`) -> (probabilities (10,), the 28x28 image read).

        Both are None for a blank drawing; unreadable input raises `DrawingError`.
        """
        image = to_mnist(drawing)
        if image is None:
            return None, None
        return self.predict_proba(image)[0], image

    def classify_strokes(self, value: object) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The stroke pad's value (see `parse_strokes`) -> (probabilities (10,), the 28x28 image read).

        Both are None for an empty pad; an unreadable value raises `StrokeError` (a `DrawingError`).
        """
        image = pad_to_mnist(value)
        if image is None:
            return None, None
        return self.predict_proba(image)[0], image

    def classify(self, picture: object) -> tuple[np.ndarray | None, np.ndarray | None]:
        """A stroke pad value (`classify_strokes`) or any picture (`classify_drawing`) -> (probabilities (10,),
        the 28x28 image read); both None when blank."""
        return self.classify_strokes(picture) if is_stroke_value(picture) else self.classify_drawing(picture)

    def digit_likeness(self, images: np.ndarray) -> float | np.ndarray:
        """uint8 (28, 28) -> how much it looks like a digit at all, in [0, 1] (a float); (N, 28, 28) -> (N,).

        1 - P(not a digit) by the bundled digit guard (`training.digit_guard`), whichever model reads the
        digit: a letter, a sign or a doodle scores low, a digit high."""
        images = np.asarray(images)
        scores = likeness(bundled_guard().predict_proba(images))
        return float(scores[0]) if images.ndim == 2 else scores

    def is_digit(self, images: np.ndarray) -> bool | np.ndarray:
        """uint8 (28, 28) -> whether it is a digit at all (a bool); (N, 28, 28) -> bool (N,). The threshold was
        chosen on validation digits (see `training.digit_guard`) and is stored beside the guard's weights."""
        images = np.asarray(images)
        verdict = is_digit_by_guard(bundled_guard().predict_proba(images))
        return bool(verdict[0]) if images.ndim == 2 else verdict

    def explain(self, image: np.ndarray, target: int | None = None) -> np.ndarray:
        """uint8 (28, 28) -> float (28, 28): how much each pixel pushed `target` (the digit it reads when
        None), by integrated gradients from a blank picture (see `digitpad.read.explain`)."""
        return explain(self.model, image, self.mean, self.std, target)

    def read_number(self, picture: object) -> NumberReading:
        """A row of digits (anything `to_mnist` takes, or a stroke pad value) -> `NumberReading` (see `number`);
        marks that are no digit at all (`is_digit`) are left out of the number, in `NumberReading.not_digits`."""
        return read_number(self, picture, bundled_line_reader(), self.is_digit)

    def __repr__(self) -> str:
        acc = self.metadata.get("test_acc")
        return f"Classifier({self.name}, test_acc={acc}, device={self.device})"


def load_classifier(path: Path | str | None = None, device: torch.device | str = "cpu") -> Classifier:
    """The bundled default model, or the safetensors file at `path`."""
    model, metadata = load_checkpoint(path or BUNDLED_WEIGHTS)
    return Classifier(model, metadata, device)


@functools.cache
def bundled_guard() -> Classifier:
    """The bundled digit guard: "a digit 0-9, or not a digit at all" (see `training.digit_guard`)."""
    return load_classifier(GUARD_WEIGHTS)


def likeness(probs: np.ndarray) -> np.ndarray:
    """The guard's probabilities (..., 11) -> how much each drawing looks like a digit: 1 - P(not a digit), (...)."""
    return 1.0 - probs[..., NOT_A_DIGIT]


def is_digit_by_guard(probs: np.ndarray) -> bool | np.ndarray:
    """The guard's probabilities (..., 11) -> whether each drawing is a digit at all: its likeness is at least
    the threshold chosen on validation digits (`guard_threshold`)."""
    verdict = likeness(np.asarray(probs)) >= guard_threshold()
    return bool(verdict) if np.ndim(verdict) == 0 else verdict


def guard_threshold() -> float:
    """The digit likeness below which a drawing is not a digit: chosen on validation digits, stored with the guard."""
    return float(bundled_guard().metadata["threshold"])
