"""The `train_tab` section: the Train tab's run (live curves, guesses, views) against the bare engine."""

from __future__ import annotations

import threading
import time

from digitpad.training.data import MNIST
from digitpad.training.engine import train
from digitpad.training.job import LIVE_EVAL_IMAGES, cached_mnist
from digitpad.training.recipes import get_recipe
from digitpad.training.retrain import retrain
from digitpad.training.run_settings import RunSettings, defaults_for


def train_tab_overhead(data: MNIST, epochs: float | None = None) -> list[dict]:
    """The Train tab's run (live curves, watched digits, the HTML views, the confusion matrix,
    filters and mistakes) against the bare engine on the same recipe: wall seconds of each. `epochs`: the
    recipe's (None, the Train tab's default run) or fewer (the tests' smoke run)."""

    from digitpad.app.train import final_views, guesses_view

    cached_mnist()
    recipe = get_recipe("quick", epochs=epochs)
    list(train(get_recipe("quick", epochs=0.05), data, "cpu"))  # warm-up: oneDNN builds its kernels once
    rows = []
    for attempt in range(2):  # bare, tab, bare, tab: the machine's drift shows between the two
        t0 = time.perf_counter()
        final = list(train(recipe, data, "cpu", live_eval=LIVE_EVAL_IMAGES))[-1]
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        settings = RunSettings(**{**defaults_for("quick"), "epochs": recipe.epochs}, recipe="quick", device="cpu")
        for update in retrain(settings, threading.Event()):
            guesses_view(update)
        final_views(update)
        tab = time.perf_counter() - t0
        rows.append(
            {
                "what": f"quick recipe, run {attempt + 1}: bare engine vs the Train tab's run",
                "bare_s": round(bare, 2),
                "bare_train_s": round(final.elapsed_s, 2),
                "train_tab_s": round(tab, 2),
                "train_tab_train_s": round(update.train_seconds, 2),
                "overhead": f"{100 * (tab / bare - 1):+.1f}%",
            }
        )
    return rows
