"""Retraining for the Train tab, without any Gradio in it.

`retrain()` checks the visitor's settings, takes the server's single training slot (one run
at a time, so one visitor cannot starve the others), runs the shared engine on the cached
MNIST tensors and yields `RunUpdate`s: status text and the curve points so far, and at the
end the new `Classifier`, its confusion matrix and its weights file.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from digitpad.checkpoint import save_checkpoint
from digitpad.classifier import Classifier
from digitpad.data import MNIST, load_mnist
from digitpad.model import MODELS
from digitpad.scratch import keep_newest
from digitpad.train import RECIPES, Progress, confusion_matrix, get_recipe, pick_device, train

DEFAULT_MAX_SECONDS = 600.0
LIMITS = {"epochs": (0.05, 30.0), "batch_size": (8, 2048), "lr": (1e-6, 10.0)}
MIN_EVALS_PER_EPOCH = 4  # curve points per epoch, so short runs still draw a curve
UI_UPDATE_SECONDS = 0.5  # status refreshes between evaluations
MIN_USEFUL_ACCURACY = 50.0  # a run that ends below this did not learn: its model is not used
KEEP_DOWNLOADS = 20  # weights files kept for download; older ones are deleted


def training_enabled() -> bool:
    return os.environ.get("DIGITPAD_TRAINING", "1").strip().lower() not in ("0", "false", "no", "off")


def max_train_seconds() -> float:
    try:
        return float(os.environ.get("DIGITPAD_MAX_TRAIN_SECONDS", DEFAULT_MAX_SECONDS))
    except ValueError:
        return DEFAULT_MAX_SECONDS


@dataclass
class Settings:
    model: str
    recipe: str
    epochs: float
    batch_size: int
    lr: float
    augment: bool
    device: str = "auto"

    def check(self) -> None:
        """Raise ValueError with a message a visitor can act on."""
        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}; choose one of {', '.join(MODELS)}.")
        if self.recipe not in RECIPES:
            raise ValueError(f"Unknown recipe {self.recipe!r}; choose one of {', '.join(RECIPES)}.")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if value is None or not (isinstance(value, (int, float)) and np.isfinite(value)):
                raise ValueError(
                    f"{name.replace('_', ' ').capitalize()} must be a number between {low:g} and {high:g}."
                )
            if not low <= value <= high:
                raise ValueError(
                    f"{name.replace('_', ' ').capitalize()} must be between {low:g} and {high:g}, got {value:g}."
                )
        if float(self.batch_size) != int(self.batch_size):
            raise ValueError("Batch size must be a whole number.")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError("Device must be auto, cpu or cuda.")


def defaults_for(recipe_name: str) -> dict:
    recipe = RECIPES[recipe_name]
    return {
        "model": recipe.model,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "lr": recipe.lr,
        "augment": recipe.augment,
    }


@dataclass
class RunUpdate:
    status: str
    curves: pd.DataFrame  # columns epoch, value, series ("train accuracy", "test loss", ...)
    done: bool = False
    classifier: Classifier | None = None
    confusion: np.ndarray | None = None
    weights_file: Path | None = None
    test_acc: float | None = None


@dataclass
class Curves:
    rows: list[tuple[float, float, str]] = field(default_factory=list)

    def add(self, event: Progress) -> None:
        self.rows += [
            (event.epoch, event.train_acc, "train accuracy"),
            (event.epoch, event.test_acc, "test accuracy"),
            (event.epoch, event.train_loss, "train loss"),
            (event.epoch, event.test_loss, "test loss"),
        ]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["epoch", "value", "series"])


_slot = threading.Lock()  # one training run per server
_data: MNIST | None = None
_data_lock = threading.Lock()
_downloads = tempfile.TemporaryDirectory(prefix="digitpad-weights-")  # removed when the server exits


def cached_mnist() -> MNIST:
    global _data
    with _data_lock:
        if _data is None:
            _data = load_mnist()
        return _data


def training_busy() -> bool:
    return _slot.locked()


def eta_text(event: Progress) -> str:
    if event.step == 0 or event.elapsed_s == 0:
        return ""
    left = (event.total_steps - event.step) * event.elapsed_s / event.step
    return f", about {left:.0f}s left" if left >= 1 else ""


def retrain(
    settings: Settings, stop: threading.Event, owner: str = "run", max_seconds: float | None = None
) -> Iterator[RunUpdate]:
    """Train with `settings`; yields updates. ValueError for bad settings, before anything runs."""
    settings.check()
    if not training_enabled():
        raise ValueError("Training is disabled on this deployment (DIGITPAD_TRAINING=0).")
    device = pick_device(settings.device)
    cap = max_train_seconds() if max_seconds is None else max_seconds
    recipe = get_recipe(
        settings.recipe,
        model=settings.model,
        epochs=float(settings.epochs),
        batch_size=int(settings.batch_size),
        lr=float(settings.lr),
    )
    recipe.augment = bool(settings.augment)
    recipe.evals_per_epoch = max(recipe.evals_per_epoch, MIN_EVALS_PER_EPOCH)
    curves = Curves()
    if not _slot.acquire(blocking=False):
        yield RunUpdate(
            "Waiting: another visitor's training run is in progress; yours starts when it ends.", curves.frame()
        )
        _slot.acquire()
    try:
        yield RunUpdate(
            f"Loading MNIST and starting {recipe.model} ({recipe.name}) on {device.type}...", curves.frame()
        )
        data = cached_mnist()
        started, last_ui = time.monotonic(), 0.0
        final = None
        for event in train(recipe, data, device, seed=0, stop=stop):
            wall = time.monotonic() - started
            if wall > cap and not stop.is_set():
                stop.set()
            if event.kind == "eval":
                curves.add(event)
            if event.kind in ("done", "stopped", "failed"):
                final = event
            elif event.kind == "eval" or wall - last_ui >= UI_UPDATE_SECONDS:
                last_ui = wall
                acc = f"; test accuracy {event.test_acc:.2f}%" if event.test_acc is not None else ""
                yield RunUpdate(
                    f"Training {recipe.model} on {device.type}: epoch {event.epoch:.2f} of {recipe.epochs:g}, "
                    f"{event.images_per_s:,.0f} images/s{acc}{eta_text(event)}",
                    curves.frame(),
                )
        wall = time.monotonic() - started
        yield finish(final, recipe.name, data, curves, owner, wall, capped=wall > cap)
    finally:
        _slot.release()


def finish(
    final: Progress | None, recipe: str, data: MNIST, curves: Curves, owner: str, wall: float, capped: bool
) -> RunUpdate:
    """The last update of a run: the new classifier, its confusion matrix and its file."""
    if final is None or final.model is None:
        message = final.message if final else "training ended without a model"
        return RunUpdate(f"Failed: {message}. The previous model stays in use.", curves.frame(), done=True)
    if final.test_acc is not None and final.test_acc < MIN_USEFUL_ACCURACY:
        return RunUpdate(
            f"Failed: the network did not learn (test accuracy {final.test_acc:.2f}%; is the learning rate too "
            "high?). The previous model stays in use.",
            curves.frame(),
            done=True,
        )
    classifier = Classifier(final.model, final.metadata)
    confusion = confusion_matrix(data.test_labels, final.test_predictions)
    path = Path(_downloads.name) / f"digitpad-{classifier.name}-{recipe}-{owner[:12]}.safetensors"
    save_checkpoint(final.model, path, **final.metadata)
    keep_newest(_downloads.name, "*.safetensors", KEEP_DOWNLOADS)
    how = "done" if final.kind == "done" else "stopped early" + (" (time limit of this deployment)" if capped else "")
    status = (
        f"{how}: test accuracy {final.test_acc:.2f}% after {final.epoch:.2f} epochs; "
        f"{final.elapsed_s:.1f}s of training ({wall:.0f}s wall) on {final.metadata['device']}. "
        "Your drawings are now read by this model."
    )
    return RunUpdate(status, curves.frame(), True, classifier, confusion, path, final.test_acc)
