"""What every training engine does around its own step: one `Run` for the classifier's and the GAN's.

A `Run` sets up the threads and seeds, walks the steps in batches reshuffled every epoch, ends early
when `stop` is set or `max_seconds` of training time have passed, times each step (the consumer of the
events is not timed), keeps the running counters between two evaluations, and fills in the fields that
every event has (`step`, `epoch`, `images_per_s`, ..., and the final event's `kind` and `message`).
An engine (the classifier's `training.engine`, the GAN's `gan.trainer`, a next one) writes only its step:

    run = Run(device, seed, threads, n=len(images), batch_size=recipe.batch_size, epochs=recipe.epochs)
    for step, idx in run.steps(stop, max_seconds):
        ...  # one optimisation step on images[idx]
        run.window.add(len(idx), run.lap(), loss=loss.item())
        yield Event(**run.fields("step", step), ...)
    yield Event(**run.final_fields(steps_done, finished), ...)
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime

import torch

from digitpad.training.data import MNIST
from digitpad.training.device import device_description, physical_cores


class Window:
    """Running sums since the last evaluation (or sample grid): named values, steps, images, seconds."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sums: dict[str, float] = defaultdict(float)
        self.steps, self.images, self.seconds = 0, 0, 0.0

    def add(self, images: int, seconds: float, **values: float) -> None:
        """One step: its images, its training seconds and the values to sum (a loss, a count of right answers)."""
        for name, value in values.items():
            self.sums[name] += value
        self.steps += 1
        self.images += images
        self.seconds += seconds

    def per_step(self, name: str) -> float:
        return self.sums[name] / max(1, self.steps)

    def per_image(self, name: str) -> float:
        return self.sums[name] / max(1, self.images)

    def images_per_s(self) -> float:
        return self.images / max(self.seconds, 1e-9)


Threads = int | Callable[[], int] | None  # CPU threads: a count, every core (None), or asked each step


class Run:
    """One training run's bookkeeping; see the module's docstring. Seeds torch's global generator (the
    networks' initial weights, built after this) and `gen`, the run's own (shuffles, noise, augmentation).
    `threads` (CPU): a count, None for every core, or a function asked before every step (a server yields a
    core to the pad's live reading while someone draws: `training.cpu_share.StepThreads`)."""

    def __init__(self, device: torch.device | str, seed: int, threads: Threads, n: int, batch_size: int, epochs: float):
        self.device = torch.device(device)
        self.threads = threads
        self.set_threads()
        torch.manual_seed(seed)
        self.seed = seed
        self.gen = torch.Generator(device=self.device).manual_seed(seed)
        self.n = n
        self.batch_size = min(batch_size, n)
        self.steps_per_epoch = max(1, n // self.batch_size)  # drop the ragged last batch
        self.total_steps = max(1, round(epochs * self.steps_per_epoch))
        self.start = datetime.now(UTC)
        self.elapsed = 0.0  # training seconds only
        self.window = Window()
        self._t0 = 0.0

    def spaced(self, per_epoch: float, at_most: int | None = None) -> set[int]:
        """The steps of `per_epoch` events an epoch (evaluations, sample grids; at least one, at most
        `at_most`), evenly spaced over the run, the last one at its end."""
        count = math.ceil(per_epoch * self.total_steps / self.steps_per_epoch)
        count = max(1, count if at_most is None else min(at_most, count))
        return spaced_steps(count, self.total_steps)

    def steps(self, stop: threading.Event | None, max_seconds: float | None) -> Iterator[tuple[int, torch.Tensor]]:
        """(step, the batch's indices) for steps 1..total_steps, reshuffled at every epoch's start;
        ends before a step once `stop` is set or `max_seconds` of training time are spent. The step's
        clock starts here; `lap()` stops it."""
        order = torch.empty(0, dtype=torch.long, device=self.device)
        for step in range(1, self.total_steps + 1):
            if (stop is not None and stop.is_set()) or (max_seconds is not None and self.elapsed >= max_seconds):
                return
            self.set_threads()
            self._t0 = time.perf_counter()
            i = (step - 1) % self.steps_per_epoch
            if i == 0:  # new epoch: reshuffle
                order = torch.randperm(self.n, device=self.device, generator=self.gen)
            yield step, order[i * self.batch_size : (i + 1) * self.batch_size]

    def set_threads(self) -> None:
        """On a CPU, use as many threads as `threads` says now."""
        if self.device.type == "cpu":
            wanted = (self.threads() if callable(self.threads) else self.threads) or physical_cores()
            if torch.get_num_threads() != wanted:
                torch.set_num_threads(wanted)

    def lap(self) -> float:
        """The seconds since this step began, added to the run's training time."""
        seconds = time.perf_counter() - self._t0
        self.elapsed += seconds
        return seconds

    def fields(self, kind: str, step: int) -> dict:
        """What every event of this run says at `step`: kind, step, total_steps, epoch, images/s, seconds, device."""
        return {
            "kind": kind,
            "step": step,
            "total_steps": self.total_steps,
            "epoch": step / self.steps_per_epoch,
            "images_per_s": self.window.images_per_s(),
            "elapsed_s": self.elapsed,
            "device": self.device.type,
        }

    def final_fields(self, steps_done: int, finished: bool) -> dict:
        """The last event's fields: "done" (every step ran) or "stopped", images/s over the whole run."""
        return {
            **self.fields("done" if finished else "stopped", steps_done),
            "images_per_s": steps_done * self.batch_size / max(self.elapsed, 1e-9),
            "message": "done" if finished else "stopped early",
        }

    def metadata(self, recipe, bf16: bool, steps: int, data: MNIST) -> dict:
        """What a weights file says of the run that made it: the recipe (a dataclass with a `name`) and its
        hyper-parameters, seed, date, device, seconds, steps, data."""
        return {
            "recipe": recipe.name,
            "hyperparameters": {k: v for k, v in asdict(recipe).items() if k != "name"},
            "seed": self.seed,
            "date": self.start.isoformat(timespec="seconds"),
            "device": device_description(self.device, bf16),
            "autocast_bf16": bf16,
            "train_seconds": round(self.elapsed, 2),
            "steps": steps,
            "train_images": self.n,
            "data_md5": data.checksums,
        }


def spaced_steps(count: int, total_steps: int) -> set[int]:
    """`count` steps evenly spaced over a run of `total_steps`, the last one at its end (when to evaluate)."""
    return {round(k * total_steps / count) for k in range(1, count + 1)}
