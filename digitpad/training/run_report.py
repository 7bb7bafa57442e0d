"""What a training run shows the visitor: `RunUpdate`s with the curves so far and the live guesses, and at the
end (`finish`) the new classifier, its confusion matrix, first-layer filters, most confident mistakes and a
weights file to download."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from digitpad.checkpoint import save_checkpoint
from digitpad.model import filter_images, first_layer_filters
from digitpad.read.classifier import Classifier
from digitpad.scratch import keep_newest, scratch_folder
from digitpad.training.data import MNIST
from digitpad.training.engine import Progress
from digitpad.training.evaluation import confusion_matrix

MISTAKES_SHOWN = 12
OVERFIT_GAP = 3.0  # points of train-test accuracy gap above which the status says the model overfits
# (all 55,000 training images show under 1 point; the Train tab's 500-image defaults gave 4.6 on one CPU)
MIN_USEFUL_ACCURACY = 50.0  # a run that ends below this did not learn: its model is not used
KEEP_DOWNLOADS = 20  # weights files kept for download; older ones are deleted


@dataclass
class Guesses:
    """The live guesses: fixed test digits and what the model made of them at the last evaluation."""

    images: np.ndarray  # uint8 (20, 28, 28)
    labels: np.ndarray  # (20,)
    probs: np.ndarray  # (20, 10)


@dataclass
class Mistakes:
    """The most confident wrong answers on the test set, most confident first."""

    images: np.ndarray  # uint8 (M, 28, 28)
    labels: np.ndarray  # (M,) true digits
    guesses: np.ndarray  # (M,) what the model read
    confidence: np.ndarray  # (M,) its probability for that guess


@dataclass
class RunUpdate:
    status: str
    accuracy: pd.DataFrame  # curve points: columns epoch, accuracy, set ("train", "validation", "test")
    loss: pd.DataFrame  # columns epoch, loss, set
    guesses: Guesses | None = None  # the watched digits and the model's probabilities at the last evaluation
    done: bool = False
    classifier: Classifier | None = None
    confusion: np.ndarray | None = None
    filters: np.ndarray | None = None  # the first convolution's kernels as greys, float (K, kh, kw) in [0, 1]
    mistakes: Mistakes | None = None
    weights_file: Path | None = None
    test_acc: float | None = None
    train_seconds: float | None = None  # training time of a finished run, evaluations excluded


@dataclass
class Curves:
    """Every evaluation's accuracy and loss on the three sets, as two long-format frames."""

    accuracy: list[tuple[float, float, str]] = field(default_factory=list)
    loss: list[tuple[float, float, str]] = field(default_factory=list)

    def add(self, event: Progress) -> None:
        for name, acc, loss in (
            ("train", event.train_eval_acc, event.train_eval_loss),
            ("validation", event.val_acc, event.val_loss),
            ("test", event.test_acc, event.test_loss),
        ):
            if acc is not None:
                self.accuracy.append((event.epoch, acc, name))
                self.loss.append((event.epoch, loss, name))

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        # explicit float dtypes: an empty or object column would make the chart's axes categorical
        accuracy = pd.DataFrame(self.accuracy, columns=["epoch", "accuracy", "set"])
        loss = pd.DataFrame(self.loss, columns=["epoch", "loss", "set"])
        return (
            accuracy.astype({"epoch": float, "accuracy": float, "set": str}),
            loss.astype({"epoch": float, "loss": float, "set": str}),
        )


def overfitting_note(train_acc: float | None, test_acc: float) -> str:
    """A sentence when the train-test gap is large, saying what helps; else ""."""
    if train_acc is None or train_acc - test_acc <= OVERFIT_GAP:
        return ""
    return (
        f" The model overfits: {train_acc:.1f}% on its training images but {test_acc:.1f}% on test, a "
        f"{train_acc - test_acc:.1f}-point gap. What helps: more training images, augmentation, dropout, weight decay."
    )


def most_confident_mistakes(classifier: Classifier, data: MNIST, predictions: torch.Tensor) -> Mistakes:
    wrong = (predictions != data.test_labels.cpu()).nonzero().flatten()
    images = data.test_images.cpu()[wrong].numpy()
    confidence = classifier.predict_proba(images).max(1) if len(wrong) else np.zeros(0)
    order = np.argsort(-confidence, kind="stable")[:MISTAKES_SHOWN]
    return Mistakes(
        images[order],
        data.test_labels.cpu()[wrong].numpy()[order],
        predictions[wrong].numpy()[order],
        confidence[order],
    )


def failed(final: Progress | None, curves: Curves, guesses: Guesses | None) -> RunUpdate | None:
    """The last update of a run that gave no usable model (no model, or it did not learn); None if it did."""
    if final is None or final.model is None:
        message = final.message if final else "training ended without a model"
        return RunUpdate(f"Failed: {message}. The previous model stays in use.", *curves.frames(), guesses, done=True)
    if final.val_acc < MIN_USEFUL_ACCURACY:  # judged on validation: the test set never decides anything
        return RunUpdate(
            f"Failed: the network did not learn (validation accuracy {final.val_acc:.2f}%; is the learning rate too "
            "high?). The previous model stays in use.",
            *curves.frames(),
            guesses,
            done=True,
        )
    return None


def finish(
    final: Progress | None,
    recipe: str,
    data: MNIST,
    curves: Curves,
    guesses: Guesses | None,
    wall: float,
    capped: bool,
) -> RunUpdate:
    """The last update of a run: the new classifier, its confusion matrix, filters, mistakes and file."""
    if (failure := failed(final, curves, guesses)) is not None:
        return failure
    classifier = Classifier(final.model, final.metadata)
    downloads = Path(scratch_folder("weights"))
    path = downloads / f"digitpad-{classifier.name}-{recipe}-{secrets.token_hex(4)}.safetensors"
    save_checkpoint(final.model, path, **final.metadata)
    keep_newest(downloads, "*.safetensors", KEEP_DOWNLOADS)
    how = "done" if final.kind == "done" else "stopped early" + (" (time limit of this deployment)" if capped else "")
    status = (
        f"{how}: test accuracy {final.test_acc:.2f}% after {final.epoch:.2f} epochs; "
        f"{final.elapsed_s:.1f}s of training ({wall:.0f}s wall) on {final.metadata['device']}. "
        "Your drawings are now read by this model." + overfitting_note(final.train_eval_acc, final.test_acc)
    )
    return RunUpdate(
        status,
        *curves.frames(),
        guesses,
        done=True,
        classifier=classifier,
        confusion=confusion_matrix(data.test_labels, final.test_predictions),
        filters=filter_images(first_layer_filters(final.model)).numpy(),
        mistakes=most_confident_mistakes(classifier, data, final.test_predictions),
        weights_file=path,
        test_acc=final.test_acc,
        train_seconds=final.elapsed_s,
    )
