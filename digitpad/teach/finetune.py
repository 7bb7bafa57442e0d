"""Teach it: fine-tune a visitor's model on their corrections, in seconds, without forgetting MNIST.

`teach()` starts from the model that reads the visitor's pad and trains it for one short epoch
on a fixed sample of MNIST training images (so that nothing else is forgotten) mixed with the
corrections, repeated until they are a quarter of the mix and augmented like MNIST (so that the
model learns the style, not the 30 drawings). It runs through the same engine, training slot,
time cap and NaN guard as Retrain (`retrain.run_job`), and ends with the new `Classifier`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from digitpad.read.classifier import Classifier
from digitpad.training.job import Job
from digitpad.training.recipes import Recipe
from digitpad.training.retrain import run_job
from digitpad.training.run_report import RunUpdate

MNIST_IMAGES = 12_000  # MNIST training images in the mix (a fixed sample)
CORRECTIONS_SHARE = 0.25  # of the mix, filled by repeating the corrections


def finetune_recipe(base: Classifier) -> Recipe:
    """One epoch of one-cycle AdamW at a third of the bundled recipe's peak rate, with augmentation."""
    return Recipe(
        name="finetune",
        model=base.name,
        model_config=base.metadata["config"],
        epochs=1,
        batch_size=128,
        lr=1e-3,
        weight_decay=5e-4,
        label_smoothing=0.05,
        warmup=0.1,
        augment=True,
        mean=base.mean,
        std=base.std,
    )


def teach(
    base: Classifier,
    images: np.ndarray,
    labels: np.ndarray,
    stop: threading.Event,
    client: tuple[str, ...] = (),
    max_seconds: float | None = None,
) -> Iterator[RunUpdate]:
    """Fine-tune a copy of `base` on corrections (uint8 (N, 28, 28), labels (N,)); yields updates, the last
    with the new classifier. `base` itself is not changed. ValueError when there is nothing to learn."""
    if len(images) == 0:
        raise ValueError("Nothing to learn yet: when a drawing is misread, say what it was (Wrong? It was:).")
    job = Job(
        finetune_recipe(base),
        train_subset=MNIST_IMAGES,
        corrections=(np.asarray(images, np.uint8), np.asarray(labels, np.int64)),
        correction_share=CORRECTIONS_SHARE,
        initial_state={k: v.detach().cpu().clone() for k, v in base.model.state_dict().items()},
        what="Teaching your model",
        metadata={"finetuned_from": base.metadata.get("recipe", base.name), "corrections": len(images)},
    )
    yield from run_job(job, stop, client, max_seconds)
