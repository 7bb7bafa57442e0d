"""One training run as plain data (`Job`), and `engine_events`, the one function that trains it for the app.

On a ZeroGPU Space `engine_events` is decorated to run in a process with the GPU (`digitpad.training.zerogpu`),
its events pickled back, and Stop reaches it through a file (`StopFile`); elsewhere it runs in the server's
process on the cached MNIST tensors (`cached_mnist`, loaded once per process).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from digitpad.training.cpu_share import StepThreads
from digitpad.training.data import MNIST, fixed_sample, load_mnist
from digitpad.training.device import pick_device
from digitpad.training.engine import Progress, train
from digitpad.training.recipes import Recipe
from digitpad.training.run_settings import TRAIN_IMAGES
from digitpad.training.zerogpu import on_gpu

DEFAULT_MAX_SECONDS = 600.0
LIVE_EVAL_IMAGES = 1_000  # images of each split scored at every live evaluation
WATCHED_PER_DIGIT = 2  # live guesses: the first 2 test images of each digit (20 in all)
PROGRESS_SECONDS = 0.25  # the engine's step events passed on at most this often


@dataclass
class Job:
    """One run of the engine, as plain data: on a ZeroGPU Space it is sent to another process."""

    recipe: Recipe
    device: str = "auto"
    train_subset: int | None = None  # a fixed random sample of MNIST's training images; None: all
    corrections: tuple[np.ndarray, np.ndarray] | None = None  # uint8 (N, 28, 28), labels (N,)
    correction_share: float = 0.0  # of the training images, filled by repeating the corrections
    initial_state: dict[str, torch.Tensor] | None = None  # start from these weights (fine-tuning)
    stop_path: str = ""  # the run stops once this file exists (a threading.Event cannot cross processes)
    max_seconds: float = DEFAULT_MAX_SECONDS
    threads: int | None = None  # CPU threads; None: `StepThreads` decides at each step where the engine runs
    what: str = ""  # the status line's first words; "" for "Training <model>"
    metadata: dict = field(default_factory=dict)  # stored beside the weights, with the engine's


class StopFile:
    """A stop switch that works across processes: set() creates the file, is_set() looks for it."""

    def __init__(self, path: str):
        self.path = path

    def set(self) -> None:
        Path(self.path).touch()

    def is_set(self) -> bool:
        return os.path.exists(self.path)


_data: MNIST | None = None
_data_lock = threading.Lock()


def cached_mnist() -> MNIST:
    """MNIST as tensors, loaded by the first run of this process and kept."""
    global _data
    with _data_lock:
        if _data is None:
            _data = load_mnist()
        return _data


def watched_digits(data: MNIST) -> tuple[torch.Tensor, torch.Tensor]:
    """The live guesses' digits: the first WATCHED_PER_DIGIT test images of each digit, in order
    0, 0, 1, 1, ...: uint8 (20, 28, 28) and labels (20,). Taken from test images 0-4999."""
    labels = data.test_labels[:5000].cpu()
    index = torch.cat([(labels == d).nonzero().flatten()[:WATCHED_PER_DIGIT] for d in range(10)])
    return data.test_images[index].cpu(), labels[index]


def with_corrections(data: MNIST, subset: int | None, images: np.ndarray, labels: np.ndarray, share: float) -> MNIST:
    """`data` whose training images are MNIST's (or a fixed sample of `subset` of them) plus the
    corrections, repeated until they are about `share` of the whole."""
    keep = fixed_sample(len(data.train_images), subset)
    base_images, base_labels = data.train_images[keep.to(data.train_images.device)], data.train_labels[keep]
    copies = max(1, round(share * len(base_images) / ((1 - share) * max(1, len(images)))))
    extra_images = torch.from_numpy(np.ascontiguousarray(images)).to(base_images.device).repeat(copies, 1, 1)
    extra_labels = torch.from_numpy(np.asarray(labels, np.int64)).to(base_labels.device).repeat(copies)
    return replace(
        data,
        train_images=torch.cat([base_images, extra_images]),
        train_labels=torch.cat([base_labels, extra_labels]),
    )


def job_seconds(job: Job) -> int:
    """What a ZeroGPU Space should reserve the GPU for: the run's cap plus time to load and score."""
    return int(job.max_seconds) + 30


def images_shown(job: Job) -> float:
    """How many training images `job` shows: its epochs of MNIST (or its subset) plus the corrections' share."""
    images = job.train_subset or TRAIN_IMAGES[0]
    if job.corrections is not None:
        images /= 1 - job.correction_share
    return job.recipe.epochs * images


@on_gpu(duration=job_seconds)
def engine_events(job: Job) -> Iterator[Progress]:
    """The engine's events for `job`, thinned to evaluations, the end, and a step every PROGRESS_SECONDS.

    On a ZeroGPU Space this runs in a process of its own, the only place where CUDA exists: every
    event is pickled back to the server, so steps are thinned, and Stop reaches it through a file.
    On a CPU it trains with `job.threads` threads, by default as many as `StepThreads` says at each step."""
    data = cached_mnist()
    subset = job.train_subset
    if job.corrections is not None:
        data, subset = with_corrections(data, subset, *job.corrections, job.correction_share), None
    events = train(
        job.recipe,
        data,
        pick_device(job.device),
        seed=0,
        stop=StopFile(job.stop_path),
        train_subset=subset,
        live_eval=LIVE_EVAL_IMAGES,
        watch=watched_digits(data)[0],
        initial_state=job.initial_state,
        threads=job.threads or StepThreads(),
    )
    last_sent = 0.0
    for event in events:
        if event.kind == "step" and time.monotonic() - last_sent < PROGRESS_SECONDS:
            continue
        last_sent = time.monotonic()
        yield event
