"""Retraining for the Train tab, without any Gradio in it.

`retrain()` checks the visitor's settings (`run_settings`), takes the host's single training slot (one run at a
time across all server processes, so one visitor cannot starve the others; `training.slot`; a waiting visitor
sees their place in line and an estimated wait), runs the engine through `job.engine_events` and yields
`RunUpdate`s (`run_report`): status text, the curve points so far and the live guesses on 20 fixed test
digits; at the end the new `Classifier`, its confusion matrix, its first-layer filters, its most confident
test mistakes, and its weights file. `finetune.teach` (Teach it) runs through the same `run_job`.

Live curves score fixed samples of 1,000 training, validation and test images (a run with
the defaults evaluates 4 times); the selected model is scored on the whole sets once, at the end.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator

import numpy as np

from digitpad.config import LIMITS, settings
from digitpad.scratch import scratch_folder
from digitpad.training.cpu_share import StepThreads
from digitpad.training.device import pick_device
from digitpad.training.engine import Progress, train
from digitpad.training.job import (
    LIVE_EVAL_IMAGES,
    Job,
    StopFile,
    cached_mnist,
    engine_events,
    images_shown,
    job_seconds,
    watched_digits,
)
from digitpad.training.recipes import get_recipe
from digitpad.training.run_report import Curves, Guesses, RunUpdate, finish
from digitpad.training.run_settings import TRAIN_IMAGES, RunSettings
from digitpad.training.slot import Ticket, TrainingSlot, wait_text

EVALS_PER_EPOCH = 4  # curve points per epoch: enough for a curve; each costs the browser a redraw
UI_UPDATE_SECONDS = 1.0  # status refreshes between evaluations
CORRECTIONS_SHARE = 0.02  # of Retrain's training images, when the visitor includes their corrections
WAIT_POLL_SECONDS = 0.2  # a waiting run looks at the line this often (and at Stop)
TRAINING_WAITERS = 8  # runs per process in the training slot's line (Retrain and Teach it together); past it,
# Gradio's queue holds them, where they cannot see their place
# A waiting visitor's estimate of a run: images shown / this rate + START_SECONDS. Measured with 1 training
# thread (a replica's, or a 2-core server leaving a core for the pad) on 2 cores busy with other jobs: the
# default Retrain (quick, 1 epoch of 55,000 images) took 25 s wall, evaluations and final scoring included.
# Replaced, per model, by this process's last finished run.
DEFAULT_IMAGES_PER_S = 2_200.0
START_SECONDS = 3.0  # loading MNIST (cached after the first run) and the final scoring on the whole sets

_slot = TrainingSlot()  # one training run per host, across processes
_rates: dict[str, float] = {}  # model -> images per wall second of this process's last finished run


def training_busy() -> bool:
    return _slot.busy()


def warm_up(device: str = "auto") -> None:
    """Load MNIST and run the engine once, briefly, on a small subset: the first visitor's run then
    does not pay for oneDNN building its kernels (about 2 s of a 10 s run on 2 CPU cores)."""
    recipe = get_recipe("quick", epochs=0.25)
    device = pick_device(device)
    for _event in train(
        recipe, cached_mnist(), device, train_subset=4096, live_eval=LIVE_EVAL_IMAGES, threads=StepThreads()
    ):
        pass


def expected_seconds(job: Job) -> float:
    """What a waiting visitor is told `job` takes: its images at the last measured rate for its model
    (DEFAULT_IMAGES_PER_S before any run) plus START_SECONDS, and never more than `job_seconds(job)`."""
    rate = _rates.get(job.recipe.model, DEFAULT_IMAGES_PER_S)
    return min(float(job_seconds(job)), images_shown(job) / rate + START_SECONDS)


def eta_text(event: Progress) -> str:
    if event.step == 0 or event.elapsed_s == 0:
        return ""
    left = (event.total_steps - event.step) * event.elapsed_s / event.step
    return f", about {left:.0f}s left" if left >= 1 else ""


def retrain(
    run: RunSettings,
    stop: threading.Event,
    client: tuple[str, ...] = (),
    max_seconds: float | None = None,
    corrections: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[RunUpdate]:
    """Train with `run`'s settings; yields updates. ValueError for bad settings, before anything runs, and for a
    `client` (its hashed keys, see `run_job`) that has a run waiting or running already.

    `corrections` (uint8 (N, 28, 28), labels (N,)): a visitor's corrections, mixed into the training
    images at CORRECTIONS_SHARE."""
    run.check()
    recipe = get_recipe(
        run.recipe,
        model=run.model,
        epochs=float(run.epochs),
        batch_size=int(run.batch_size),
        lr=float(run.lr),
        weight_decay=run.weight_decay,
    )
    recipe.augment = bool(run.augment)
    if run.dropout is not None:
        recipe.model_config = {**recipe.model_config, "dropout": float(run.dropout)}
    recipe.evals_per_epoch = EVALS_PER_EPOCH
    subset = None if run.train_images >= TRAIN_IMAGES[0] else int(run.train_images)
    job = Job(recipe, run.device, subset, corrections=corrections, correction_share=CORRECTIONS_SHARE)
    yield from run_job(job, stop, client, max_seconds)


def wait_turn(ticket: Ticket, stop: threading.Event, curves: Curves) -> Iterator[RunUpdate]:
    """Until `ticket` holds the training slot: the visitor's place in line and estimated wait, whenever
    that text changes. Returns True once the run may start, False (after a last update) on Stop."""
    shown = ""
    while not ticket.try_start():
        if stop.is_set():  # Stop while waiting: this run never starts
            yield RunUpdate("Stopped before it started; the previous model stays in use.", *curves.frames(), done=True)
            return False
        text = wait_text(ticket.place())
        if text != shown:
            shown = text
            yield RunUpdate(text, *curves.frames())
        time.sleep(WAIT_POLL_SECONDS)
    return True


def new_stop_file() -> StopFile:
    """A Stop switch for one run, in this process's folder, under a random name (no client text in a path)."""
    return StopFile(os.path.join(scratch_folder("stops"), f"stop-{secrets.token_hex(8)}"))


def run_job(
    job: Job, stop: threading.Event, client: tuple[str, ...] = (), max_seconds: float | None = None
) -> Iterator[RunUpdate]:
    """Run `job` in the host's training slot (one run at a time, in arrival order); yields updates: the
    place in line while it waits, then the run's (`run_updates`). `client`: the hashed keys of who asked
    (visitor cookie, address); one with its most runs waiting or running (LIMITS.training_runs_per_visitor,
    training_runs_per_address) gets `TooManyRunsError` (a ValueError with a sentence) instead of a place in line."""
    if not settings().training:
        raise ValueError("Training is disabled on this deployment (DIGITPAD_TRAINING=0).")
    pick_device(job.device)  # a ValueError now, not halfway through
    job.max_seconds = settings().max_train_seconds if max_seconds is None else max_seconds
    curves = Curves()
    most = (LIMITS.training_runs_per_visitor, LIMITS.training_runs_per_address)
    ticket = _slot.join(expected_seconds(job), client, most)
    try:
        if not (yield from wait_turn(ticket, stop, curves)):
            return
    finally:
        if not ticket.running:  # stopped, failed or abandoned while waiting: leave the line
            ticket.close()
    stop_file = new_stop_file()
    job.stop_path = stop_file.path
    try:
        yield from run_updates(job, stop, stop_file, ticket, curves)
    finally:
        if stop_file.is_set():
            os.remove(stop_file.path)
        ticket.close()


def run_updates(
    job: Job, stop: threading.Event, stop_file: StopFile, ticket: Ticket, curves: Curves
) -> Iterator[RunUpdate]:
    """The updates of a run that holds the slot: progress at most every UI_UPDATE_SECONDS and at each
    evaluation, then `finish`'s. Stop, or the time cap, sets `stop_file`, which the engine looks at."""
    what = job.what or f"Training {job.recipe.model}"
    yield RunUpdate(f"{what} ({job.recipe.name} recipe): loading MNIST and starting...", *curves.frames())
    data = cached_mnist()
    watched = watched_digits(data)
    started, last_ui = time.monotonic(), 0.0
    final, guesses = None, None
    for event in engine_events(job):
        wall = time.monotonic() - started
        if (wall > job.max_seconds or stop.is_set()) and not stop_file.is_set():
            stop_file.set()
        if event.kind == "eval":
            curves.add(event)
            guesses = Guesses(watched[0].numpy(), watched[1].numpy(), event.watch_probs.numpy())
        if event.kind in ("done", "stopped", "failed"):
            final = event
        elif event.kind == "eval" or wall - last_ui >= UI_UPDATE_SECONDS:
            last_ui = wall
            if event.step:  # for the visitors waiting: when this run should end
                left = (event.total_steps - event.step) * wall / event.step
                ticket.expect_end(min(left, job.max_seconds - wall) + START_SECONDS)
            yield RunUpdate(progress_text(what, event, job), *curves.frames(), guesses)
    wall = time.monotonic() - started
    if final is not None and final.kind == "done" and wall > 0:
        _rates[job.recipe.model] = images_shown(job) / wall
    if final is not None and final.metadata is not None:
        final.metadata.update(job.metadata)
    yield finish(final, job.recipe.name, data, curves, guesses, wall, capped=wall > job.max_seconds)


def progress_text(what: str, event: Progress, job: Job) -> str:
    """ "Training digitnet on cpu (2 threads): epoch 0.50 of 1, 3,100 images/s; test accuracy 98.10%, about 9s left"."""
    acc = f"; test accuracy {event.test_acc:.2f}%" if event.test_acc is not None else ""
    return (
        f"{what} on {event.device}: epoch {event.epoch:.2f} of {job.recipe.epochs:g}, "
        f"{event.images_per_s:,.0f} images/s{acc}{eta_text(event)}"
    )
