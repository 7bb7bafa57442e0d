"""The `generate` section: the bundled GAN beside the anchors (`gan_anchors`), trained here for the same time,
scored by the bundled classifier and the independent judge (`judge`).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path

import torch
from PIL import Image

from digitpad.bench.gan_anchors import register
from digitpad.bench.judge import load_judge, score_on_test_set
from digitpad.gan.generator import Generator, load_generator
from digitpad.gan.trainer import GAN_RECIPES, train_gan
from digitpad.read.classifier import load_classifier
from digitpad.training.data import MNIST
from digitpad.training.device import physical_cores


def generate_section(data: MNIST, anchor_seconds: float | None, steps: int | None, grids: Path) -> list[dict]:
    """The bundled generator beside the anchors (`gan_anchors`: the PyTorch examples' DCGAN and the Keras
    conditional GAN), each trained here by the same engine for `anchor_seconds` (default: as long as the
    bundled generator trained), all scored on MNIST's full test set (`judge.score_on_test_set`). Each one's
    sample grid (a row per digit asked for) is written to `grids`/NAME.png."""
    register()  # the anchors' networks and recipes, into the GAN engine's registries
    torch.set_num_threads(physical_cores())
    clf, judge = load_classifier(), load_judge()
    bundled = load_generator()
    budget = anchor_seconds or float(bundled.metadata["train_seconds"])

    def sample_100_ms(generator: Generator) -> float:
        generator.sample(list(range(10)) * 10, seed=0)  # warm-up
        times = []
        for k in range(3 if steps else 20):  # the smoke run: that the row comes (DCGAN's 100 take ~0.3 s on a CPU)
            t0 = time.perf_counter()
            generator.sample([k % 10] * 100, seed=k)
            times.append(time.perf_counter() - t0)
        return round(1000 * statistics.median(times), 1)

    def row(name: str, generator: Generator, train_s: float, epochs: float) -> dict:
        grids.mkdir(parents=True, exist_ok=True)
        Image.fromarray(generator.grid()).save(grids / f"{name.split(': ')[1].split(' ')[0]}.png")
        smoke = {"per_digit": 20, "test_digits": 2_000} if steps else {}  # the tests' smoke run: a quick look
        figures = score_on_test_set(generator, clf, judge, data, **smoke)
        return {
            "generator": name,
            "trained_on": generator.metadata["device"],
            "train_s": round(train_s, 1),
            "epochs": round(epochs, 2),
            **figures,
            "sample_100_ms": sample_100_ms(generator),
        }

    meta = bundled.metadata
    epochs = meta["steps"] * meta["hyperparameters"]["batch_size"] / meta["train_images"]
    rows = [row("digitpad: cgan (bundled)", bundled, meta["train_seconds"], epochs)]
    for name in ("keras-cgan", "dcgan"):
        recipe = GAN_RECIPES[name]
        if steps:
            recipe = replace(recipe, epochs=steps * recipe.batch_size / len(data.train_images))
        final = None
        for event in train_gan(recipe, data, seed=0, max_seconds=None if steps else budget):
            final = event
        if final.generator is None:  # diverged: say so, and go on with the next
            rows.append({"generator": f"anchor: {name}", "train_s": round(final.elapsed_s, 1), "error": final.message})
            continue
        rows.append(row(f"anchor: {name}", final.generator, final.elapsed_s, final.epoch))
    return rows
