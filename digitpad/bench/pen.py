"""The `pen` section: how well the bundled model reads digits drawn with a pen, as visitors give them.

MNIST's test digits 5000-9999 (never used to choose anything), the first PER_DIGIT of each digit, turned into
pen strokes two independent ways and read by the live pad's path, `Classifier.classify_strokes`:
- "pad": each digit's skeleton traced into polylines (`training.pen_data.pad_strokes`, no jitter) and placed on
  the 320 px pad at a random size and place;
- "reference": the stroke renderer's reference redrawing (`synth.redrawn`, a dot per skeleton pixel).
The digit guard's verdict on the same drawings gives its false rejections. Then: the whole MNIST test set raw,
the same digits as phone photos of paper (`synth.number_set.photo`) through the picture path, one reading's
milliseconds on one thread, and a Retrain with the Train tab's defaults (in process, nobody drawing), alone
and, with `drawers`, while that many of the classroom's simulated drawers draw on a served demo.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import torch
from PIL import Image

from digitpad.read.classifier import Classifier, load_classifier
from digitpad.synth.number_set import photo
from digitpad.synth.redrawn import redrawn_strokes
from digitpad.training.data import MNIST
from digitpad.training.job import cached_mnist
from digitpad.training.pen_data import pad_strokes
from digitpad.training.retrain import retrain
from digitpad.training.run_settings import RunSettings, defaults_for

REPORTED_FROM = 5000  # test digits 5000-9999: never used to choose anything
SEED = 2026


def balanced(labels: np.ndarray, per_digit: int, start: int = REPORTED_FROM) -> np.ndarray:
    """Indices of the first `per_digit` test digits of each class from `start` on, in order: (10 * per_digit,)."""
    return np.sort(np.concatenate([start + np.flatnonzero(labels[start:] == d)[:per_digit] for d in range(10)]))


def reference_pad(image: np.ndarray, rng: np.random.Generator) -> dict:
    """A digit as `synth.redrawn` re-strokes it, as a 400 px pad's value."""
    strokes, _ = redrawn_strokes(image, rng)
    return {"strokes": [[list(p) for p in s] for s in strokes], "width": 400, "height": 400}


def read_pads(classifier: Classifier, pads: list[dict], labels: np.ndarray) -> dict:
    """Each pad value through `classify_strokes` and the guard: accuracy %, errors, guard rejections %."""
    read, images = [], []
    for pad in pads:
        probs, image = classifier.classify_strokes(pad)
        read.append(int(np.argmax(probs)))
        images.append(image)
    wrong = np.asarray(read) != labels
    rejected = ~np.asarray(classifier.is_digit(np.stack(images)))
    confusions = sorted({f"{t}→{r}" for t, r in zip(labels[wrong], np.asarray(read)[wrong], strict=True)})
    return {
        "accuracy_pct": round(100 * float(1 - wrong.mean()), 2),
        "errors": int(wrong.sum()),
        "guard_rejects_pct": round(100 * float(rejected.mean()), 2),
        "misreads": " ".join(confusions[:12]),
    }


def photo_of(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 digit as a phone photo of paper: enlarged 4x with a margin, then `photo`'s look: uint8 (H, W, 3)."""
    big = np.asarray(Image.fromarray(image).resize((112, 112), Image.Resampling.BILINEAR), np.float64) / 255
    return photo(np.pad(big, 24), rng)


def ms_per_reading(classifier: Classifier, image: np.ndarray, repeats: int) -> float:
    """Median ms of one 28x28 image -> probabilities, on the current thread count."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        classifier.predict_proba(image)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def retrain_row(what: str) -> dict:
    """A Retrain with the Train tab's defaults (the `quick` recipe, 55,000 images), in process: wall seconds
    from the click to the finished views' data, and the threads it trained on."""
    cached_mnist()
    settings = RunSettings(**defaults_for("quick"), recipe="quick", device="auto")
    t0 = time.perf_counter()
    update = None
    for update in retrain(settings, threading.Event()):  # noqa: B007 - the last update is the finished run
        pass
    wall = time.perf_counter() - t0
    return {
        "what": what,
        "wall_s": round(wall, 2),
        "train_s": round(update.train_seconds or 0, 2),
        "accuracy_pct": None if update.test_acc is None else round(update.test_acc, 2),
        "device": update.classifier.metadata.get("device") if update.done else None,
    }


def pen_section(
    data: MNIST,
    per_digit: int = 200,
    repeats: int = 300,
    retrain_runs: int = 1,
    drawers: int = 10,
    classifier: Classifier | None = None,
) -> list[dict]:
    """The rows, in the issue's order; `per_digit` (smoke mode: fewer), `retrain_runs` 0 and `drawers` 0 skip
    the Retrain rows. `classifier`: the model to measure (default: the bundled one)."""
    classifier = classifier or load_classifier()
    torch.set_num_threads(1)  # one drawing at a time, as the server reads them
    images, labels = data.test_images.numpy(), data.test_labels.numpy()
    index = balanced(labels, per_digit)
    rng = np.random.default_rng(SEED)
    pads = [pad_strokes(images[i], rng) for i in index]
    references = [reference_pad(images[i], rng) for i in index]
    rows = [
        {
            "what": f"test digits 5000-9999 as pad strokes ({len(index)}, balanced)",
            **read_pads(classifier, pads, labels[index]),
        },
        {"what": "the same digits, reference redrawing", **read_pads(classifier, references, labels[index])},
    ]
    raw = classifier.predict_proba(images).argmax(1) != labels
    rows.append(
        {
            "what": "raw MNIST test (10,000)",
            "accuracy_pct": round(100 * float(1 - raw.mean()), 2),
            "errors": int(raw.sum()),
        }
    )
    photos = [classifier.classify_drawing(photo_of(images[i], rng))[0] for i in index]
    read = np.array([-1 if p is None else int(np.argmax(p)) for p in photos])
    right = read == labels[index]
    rows.append(
        {
            "what": "the same digits as photos of paper",
            "accuracy_pct": round(100 * float(right.mean()), 2),
            "errors": int((~right).sum()),
        }
    )
    rows.append(
        {
            "what": "one reading, 28x28 -> probabilities, one thread",
            "ms": round(ms_per_reading(classifier, images[index[0]], repeats), 3),
        }
    )
    for run in range(retrain_runs):
        torch.set_num_threads(1)
        rows.append(retrain_row(f"Retrain, Train tab defaults, nobody drawing (run {run + 1})"))
    if drawers:
        rows.append(retrain_while_drawing(drawers))
    return rows


def retrain_while_drawing(drawers: int, seconds: float = 10.0) -> dict:
    """`drawers` of the classroom's simulated drawers on a served demo while a visitor's Retrain runs."""
    from digitpad.app.served import Server
    from digitpad.bench.classroom import while_training

    with Server() as server:
        row = while_training(server.url, server.process.pid, drawers, seconds)
    return {
        key: row[key]
        for key in ("what", "drawers", "update_p50_ms", "update_p95_ms", "pen_up_p95_ms", "failures", "retrain_status")
        if key in row
    }
