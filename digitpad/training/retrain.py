"""Retraining for the Train tab, without any Gradio in it.

`retrain()` checks the visitor's settings, takes the host's single training slot (one run at a
time across all server processes, so one visitor cannot starve the others; `training_slot`;
a waiting visitor sees their place in line and an estimated wait), runs the shared engine on the cached
MNIST tensors and yields `RunUpdate`s: status text, the curve points so far and the live
guesses on 20 fixed test digits; at the end the new `Classifier`, its confusion matrix, its
first-layer filters, its most confident test mistakes, and its weights file.

Live curves score fixed samples of 1,000 training, validation and test images (a run with
the defaults evaluates 4 times); the selected model is scored on the whole sets once, at the end.

A run is a `Job` (plain data) handed to `engine_events`, the one function that trains: on a
ZeroGPU Space it is decorated to run in a process with the GPU (`digitpad.training.zerogpu`), its
events pickled back, and Stop reaches it through a file (`StopFile`). `finetune.teach` (Teach
it) runs through the same `run_job`. On a CPU a run trains on every core while nobody draws, and on all
but one while someone does (`training_threads`, asked before every step; the pad's live reader calls
`note_drawing` for each message): the live reading of everyone's drawing keeps a core while people draw.
Every core is kept only while it trains faster than one fewer (`StepThreads`): on a machine whose cores are busy
with other work, threads that wait for each other lose.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from digitpad.checkpoint import save_checkpoint
from digitpad.config import LIMITS as PUBLIC_LIMITS
from digitpad.config import settings
from digitpad.model import MODELS, filter_images, first_layer_filters
from digitpad.read.classifier import Classifier
from digitpad.scratch import keep_newest
from digitpad.training.data import MNIST, VALIDATION_SIZE, fixed_sample, load_mnist
from digitpad.training.device import physical_cores, pick_device
from digitpad.training.engine import Progress, train
from digitpad.training.evaluation import confusion_matrix
from digitpad.training.recipes import RECIPES, Recipe, get_recipe
from digitpad.training.slot import Ticket, TrainingSlot, wait_text
from digitpad.training.zerogpu import on_gpu

DEFAULT_MAX_SECONDS = 600.0
LIMITS = {
    "epochs": (0.05, 500.0),
    "batch_size": (8, 2048),
    "lr": (1e-6, 10.0),
    "dropout": (0.0, 0.9),
    "weight_decay": (0.0, 1.0),
}
TRAIN_IMAGES = (60_000 - VALIDATION_SIZE, 5_000, 500, 100)  # the Train tab's choices; smaller: fixed random subsets
MAX_IMAGES_SHOWN = 30 * TRAIN_IMAGES[0]  # epochs x training images per run: 30 epochs of the full set
# What a smaller training set gets by default: (epochs, batch size, dropout). Enough steps to
# fit the set completely, and no dropout, so that overfitting shows; the fields stay editable.
SMALL_SET_DEFAULTS = {5_000: (10, 128, None), 500: (40, 25, 0.0), 100: (100, 20, 0.0)}
EVALS_PER_EPOCH = 4  # curve points per epoch: enough for a curve; each costs the browser a redraw
LIVE_EVAL_IMAGES = 1_000  # images of each split scored at every live evaluation
WATCHED_PER_DIGIT = 2  # live guesses: the first 2 test images of each digit (20 in all)
MISTAKES_SHOWN = 12
OVERFIT_GAP = 3.0  # points of train-test accuracy gap above which the status says the model overfits
# (all 55,000 training images show under 1 point; the Train tab's 500-image defaults gave 4.6 on one CPU)
UI_UPDATE_SECONDS = 1.0  # status refreshes between evaluations
PROGRESS_SECONDS = 0.25  # the engine's step events passed on at most this often
CORRECTIONS_SHARE = 0.02  # of Retrain's training images, when the visitor includes their corrections
MIN_USEFUL_ACCURACY = 50.0  # a run that ends below this did not learn: its model is not used
KEEP_DOWNLOADS = 20  # weights files kept for download; older ones are deleted
WAIT_POLL_SECONDS = 0.2  # a waiting run looks at the line this often (and at Stop)
TRAINING_WAITERS = 8  # runs per process in the training slot's line (Retrain and Teach it together); past it,
# Gradio's queue holds them, where they cannot see their place
# A waiting visitor's estimate of a run: images shown / this rate + START_SECONDS. Measured with 1 training
# thread (a replica's, or a 2-core server leaving a core for the pad) on 2 cores busy with other jobs: the
# default Retrain (quick, 1 epoch of 55,000 images) took 25 s wall, evaluations and final scoring included.
# Replaced, per model, by this process's last finished run.
DEFAULT_IMAGES_PER_S = 2_200.0
START_SECONDS = 3.0  # loading MNIST (cached after the first run) and the final scoring on the whole sets


def training_enabled() -> bool:
    return settings().training


def max_train_seconds() -> float:
    return settings().max_train_seconds


@dataclass
class Settings:
    model: str
    recipe: str
    epochs: float
    batch_size: int
    lr: float
    augment: bool
    device: str = "auto"
    train_images: int = TRAIN_IMAGES[0]
    dropout: float | None = None  # None: the model's own default
    weight_decay: float | None = None  # None: the recipe's

    def check(self) -> None:
        """Raise ValueError with a message a visitor can act on."""
        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}; choose one of {', '.join(MODELS)}.")
        if self.recipe not in RECIPES:
            raise ValueError(f"Unknown recipe {self.recipe!r}; choose one of {', '.join(RECIPES)}.")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            label = name.replace("_", " ").capitalize()
            if value is None and name in ("dropout", "weight_decay"):
                continue
            if value is None or isinstance(value, bool) or not (isinstance(value, (int, float)) and np.isfinite(value)):
                raise ValueError(f"{label} must be a number between {low:g} and {high:g}.")
            if not low <= value <= high:
                raise ValueError(f"{label} must be between {low:g} and {high:g}, got {value:g}.")
        if float(self.batch_size) != int(self.batch_size):
            raise ValueError("Batch size must be a whole number.")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError("Device must be auto, cpu or cuda.")
        if self.train_images not in TRAIN_IMAGES:
            raise ValueError(f"Training images must be one of {', '.join(f'{n:,}' for n in TRAIN_IMAGES)}.")
        if self.epochs * self.train_images > MAX_IMAGES_SHOWN:
            raise ValueError(
                f"{self.epochs:g} epochs of {self.train_images:,} images is too long a run for this demo "
                f"(at most {MAX_IMAGES_SHOWN:,} images shown, e.g. {MAX_IMAGES_SHOWN // self.train_images:,} epochs)."
            )


def defaults_for(recipe_name: str, train_images: int = TRAIN_IMAGES[0]) -> dict:
    """The Train tab's fields for a recipe and a training-set size."""
    recipe = RECIPES[recipe_name]
    model_defaults = MODELS[recipe.model][1]()
    defaults = {
        "model": recipe.model,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "lr": recipe.lr,
        "augment": recipe.augment,
        "dropout": recipe.model_config.get("dropout", getattr(model_defaults, "dropout", 0.0)),
        "weight_decay": recipe.weight_decay,
    }
    if train_images in SMALL_SET_DEFAULTS:
        epochs, batch_size, dropout = SMALL_SET_DEFAULTS[train_images]
        defaults.update(epochs=epochs, batch_size=batch_size)
        if dropout is not None:
            defaults["dropout"] = dropout
    return defaults


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


_slot = TrainingSlot()  # one training run per host, across processes
_rates: dict[str, float] = {}  # model -> images per wall second of this process's last finished run
_data: MNIST | None = None
_data_lock = threading.Lock()
_downloads = tempfile.TemporaryDirectory(prefix="digitpad-weights-")  # removed when the server exits
_stops = tempfile.TemporaryDirectory(prefix="digitpad-stops-")


def cached_mnist() -> MNIST:
    global _data
    with _data_lock:
        if _data is None:
            _data = load_mnist()
        return _data


def warm_up(device: str = "auto") -> None:
    """Load MNIST and run the engine once, briefly, on a small subset: the first visitor's run then
    does not pay for oneDNN building its kernels (about 2 s of a 10 s run on 2 CPU cores)."""
    data = cached_mnist()
    recipe = get_recipe("quick", epochs=0.25)
    events = train(
        recipe, data, pick_device(device), train_subset=4096, live_eval=LIVE_EVAL_IMAGES, threads=StepThreads()
    )
    for _event in events:
        pass


def watched_digits(data: MNIST) -> tuple[torch.Tensor, torch.Tensor]:
    """The live guesses' digits: the first WATCHED_PER_DIGIT test images of each digit, in order
    0, 0, 1, 1, ...: uint8 (20, 28, 28) and labels (20,). Taken from test images 0-4999."""
    labels = data.test_labels[:5000].cpu()
    index = torch.cat([(labels == d).nonzero().flatten()[:WATCHED_PER_DIGIT] for d in range(10)])
    return data.test_images[index].cpu(), labels[index]


def training_busy() -> bool:
    return _slot.busy()


DRAWING_RECENT_S = 5.0  # the pad sends every 60 ms while the pen moves; a pause this long between digits is rare
_last_drawing = -DRAWING_RECENT_S  # time.monotonic() of the pad's last live message


def note_drawing() -> None:
    """Someone is drawing now (the pad's live reader calls this for every message)."""
    global _last_drawing
    _last_drawing = time.monotonic()


def someone_drawing() -> bool:
    return time.monotonic() - _last_drawing < DRAWING_RECENT_S


def training_threads() -> int:
    """CPU threads for a server-side run: every core this process may use while nobody is drawing; all but one
    (at least 1) within DRAWING_RECENT_S of a live drawing, so that the live reading keeps a core while a run
    trains (on a CPU basic Space: 2 threads, 1 while someone draws)."""
    return max(1, physical_cores() - 1) if someone_drawing() else physical_cores()


class StepThreads:
    """The threads for each step of one server run (the engine asks before every step): `training_threads`,
    except that while nobody draws, every core and one fewer are each timed for TRIAL steps (the time between two
    asks is one step), and the faster is kept until RETRY steps later. Threads that must wait for each other lose
    on cores busy with other work: on a 2-core machine shared with other people's jobs, Retrain with the defaults
    took 48-58 s on 2 threads and 14-17 s on 1."""

    TRIAL = 8
    RETRY = 100

    def __init__(self) -> None:
        self.seconds: dict[int, list[float]] = {}  # threads -> the last steps' durations
        self.asked, self.last, self.current = 0, None, None

    def __call__(self) -> int:
        now = time.perf_counter()
        if self.last is not None and self.current is not None:
            self.seconds.setdefault(self.current, []).append(now - self.last)
        self.last, self.asked = now, self.asked + 1
        if self.asked % self.RETRY == 0:
            self.seconds.clear()  # the machine may have changed: time both again
        self.current = self.choose()
        return self.current

    def choose(self) -> int:
        wanted, fewer = training_threads(), max(1, physical_cores() - 1)
        if wanted == fewer:  # someone draws, or one core
            return wanted
        untried = [n for n in (wanted, fewer) if len(self.seconds.get(n, [])) < self.TRIAL]
        if untried:
            return untried[0]
        return min((wanted, fewer), key=lambda n: float(np.median(self.seconds[n][-self.TRIAL :])))


def eta_text(event: Progress) -> str:
    if event.step == 0 or event.elapsed_s == 0:
        return ""
    left = (event.total_steps - event.step) * event.elapsed_s / event.step
    return f", about {left:.0f}s left" if left >= 1 else ""


def retrain(
    settings: Settings,
    stop: threading.Event,
    client: tuple[str, ...] = (),
    max_seconds: float | None = None,
    corrections: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[RunUpdate]:
    """Train with `settings`; yields updates. ValueError for bad settings, before anything runs, and for a
    `client` (its hashed keys, see `run_job`) that has a run waiting or running already.

    `corrections` (uint8 (N, 28, 28), labels (N,)): a visitor's corrections, mixed into the training
    images at CORRECTIONS_SHARE."""
    settings.check()
    recipe = get_recipe(
        settings.recipe,
        model=settings.model,
        epochs=float(settings.epochs),
        batch_size=int(settings.batch_size),
        lr=float(settings.lr),
        weight_decay=settings.weight_decay,
    )
    recipe.augment = bool(settings.augment)
    if settings.dropout is not None:
        recipe.model_config = {**recipe.model_config, "dropout": float(settings.dropout)}
    recipe.evals_per_epoch = EVALS_PER_EPOCH
    subset = None if settings.train_images >= TRAIN_IMAGES[0] else int(settings.train_images)
    job = Job(recipe, settings.device, subset, corrections=corrections, correction_share=CORRECTIONS_SHARE)
    yield from run_job(job, stop, client, max_seconds)


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
    threads: int | None = None  # CPU threads; None: `training_threads()` where the engine runs
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


def expected_seconds(job: Job) -> float:
    """What a waiting visitor is told `job` takes: its images at the last measured rate for its model
    (DEFAULT_IMAGES_PER_S before any run) plus START_SECONDS, and never more than `job_seconds(job)`."""
    rate = _rates.get(job.recipe.model, DEFAULT_IMAGES_PER_S)
    return min(float(job_seconds(job)), images_shown(job) / rate + START_SECONDS)


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
    watched = watched_digits(data)[0]
    events = train(
        job.recipe, data, pick_device(job.device), seed=0, stop=StopFile(job.stop_path), train_subset=subset,
        live_eval=LIVE_EVAL_IMAGES, watch=watched, initial_state=job.initial_state,
        threads=job.threads or StepThreads(),
    )  # fmt: skip
    last_sent = 0.0
    for event in events:
        if event.kind == "step" and time.monotonic() - last_sent < PROGRESS_SECONDS:
            continue
        last_sent = time.monotonic()
        yield event


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


def run_job(
    job: Job, stop: threading.Event, client: tuple[str, ...] = (), max_seconds: float | None = None
) -> Iterator[RunUpdate]:
    """Run `job` in the host's training slot (one run at a time, in arrival order); yields updates: the
    place in line while it waits, then the run's, ending with `finish`'s. `client`: the hashed keys of who
    asked (visitor cookie, address); one with its most runs waiting or running (LIMITS.training_runs_per_visitor,
    training_runs_per_address) gets `TooManyRunsError` (a ValueError with a sentence) instead of a place in line."""
    if not training_enabled():
        raise ValueError("Training is disabled on this deployment (DIGITPAD_TRAINING=0).")
    pick_device(job.device)  # a ValueError now, not halfway through
    job.max_seconds = max_train_seconds() if max_seconds is None else max_seconds
    what = job.what or f"Training {job.recipe.model}"
    curves = Curves()
    most = (PUBLIC_LIMITS.training_runs_per_visitor, PUBLIC_LIMITS.training_runs_per_address)
    ticket = _slot.join(expected_seconds(job), client, most)
    try:
        if not (yield from wait_turn(ticket, stop, curves)):
            return
    finally:
        if not ticket.running:  # stopped, failed or abandoned while waiting: leave the line
            ticket.close()
    stop_file = StopFile(os.path.join(_stops.name, f"stop-{secrets.token_hex(8)}"))  # no client text in a path
    job.stop_path = stop_file.path
    try:
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
                acc = f"; test accuracy {event.test_acc:.2f}%" if event.test_acc is not None else ""
                yield RunUpdate(
                    f"{what} on {event.device}: epoch {event.epoch:.2f} of {job.recipe.epochs:g}, "
                    f"{event.images_per_s:,.0f} images/s{acc}{eta_text(event)}",
                    *curves.frames(),
                    guesses,
                )
        wall = time.monotonic() - started
        if final is not None and final.kind == "done" and wall > 0:
            _rates[job.recipe.model] = images_shown(job) / wall
        if final is not None and final.metadata is not None:
            final.metadata.update(job.metadata)
        yield finish(final, job.recipe.name, data, curves, guesses, wall, capped=wall > job.max_seconds)
    finally:
        if stop_file.is_set():
            os.remove(stop_file.path)
        ticket.close()


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
    classifier = Classifier(final.model, final.metadata)
    confusion = confusion_matrix(data.test_labels, final.test_predictions)
    path = Path(_downloads.name) / f"digitpad-{classifier.name}-{recipe}-{secrets.token_hex(4)}.safetensors"
    save_checkpoint(final.model, path, **final.metadata)
    keep_newest(_downloads.name, "*.safetensors", KEEP_DOWNLOADS)
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
        confusion=confusion,
        filters=filter_images(first_layer_filters(final.model)).numpy(),
        mistakes=most_confident_mistakes(classifier, data, final.test_predictions),
        weights_file=path,
        test_acc=final.test_acc,
        train_seconds=final.elapsed_s,
    )
