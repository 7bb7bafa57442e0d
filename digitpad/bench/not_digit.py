"""The `not_digit` section: does the reader know a drawing that is not a digit, and at what cost to digits?

Measured on drawings never trained on or used to choose anything:
- not digits: the held-out font style (`synth.non_digits.HELD_OUT_FONTS`, sans-serif letters and signs that
  look like no digit) and the hand-made doodles of `synth.doodles` (heart, smiley, house, ...; and the fresh
  ones, crown, key, glasses, ..., never looked at before the bundled guard was trained), each drawn as it
  is and jittered, through the pad's stroke renderer;
- digits: MNIST test digits 5000-9999 re-drawn as pen strokes, exactly as the stroke renderer's reference
  test draws them (`synth.redrawn`, random generator seeded 0 over all 10,000), and the same digits raw.

Three scores, each with its threshold chosen on validation digits (MNIST's validation split, raw and re-drawn,
at most `training.digit_guard.FALSE_REJECTIONS` of either rejected: `choose_threshold`):
- max-softmax: the bundled model's top probability (the baseline of Hendrycks & Gimpel 2017);
- energy: the bundled model's log-sum-exp of logits (Liu et al. 2020);
- digit guard: `Classifier.digit_likeness` (Outlier Exposure, Hendrycks et al. 2019; its shipped threshold, which
  also heeds validation digits drawn on the pad).
AUROC is digits (re-drawn 5000-9999) against all held-out non-digits. Last, the cost: milliseconds a
single drawing's reading takes with and without `is_digit`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from scipy.stats import rankdata

from digitpad.ink.strokes import strokes_to_mnist
from digitpad.model import to_input
from digitpad.read.classifier import Classifier, bundled_guard, guard_threshold, load_classifier
from digitpad.synth.doodles import FRESH_DOODLES, doodle_drawings
from digitpad.synth.non_digits import HELD_OUT_FONTS, font_drawings, jitter
from digitpad.synth.redrawn import redrawn_strokes
from digitpad.training.data import MNIST
from digitpad.training.digit_guard import choose_threshold, redrawn_digits

REPORTED = slice(5000, 10000)  # test digits 5000-9999: never used to choose anything


def auroc(digits: np.ndarray, others: np.ndarray) -> float:
    """The probability that a digit scores higher than a non-digit (ties count half): Mann-Whitney's U / (n m)."""
    ranks = rankdata(np.concatenate([digits, others]))
    n, m = len(digits), len(others)
    return float((ranks[:n].sum() - n * (n + 1) / 2) / (n * m))


@torch.inference_mode()
def logits_of(classifier: Classifier, images: np.ndarray) -> np.ndarray:
    """The model's logits for uint8 (N, 28, 28) -> (N, 10), in batches."""
    out = []
    for start in range(0, len(images), 2048):
        batch = torch.from_numpy(np.ascontiguousarray(images[start : start + 2048]))
        out.append(classifier.model(to_input(batch, classifier.mean, classifier.std)).float().numpy())
    return np.concatenate(out)


def scores(classifier: Classifier, images: np.ndarray) -> dict[str, np.ndarray]:
    """Each method's digit score (higher: more a digit) for uint8 (N, 28, 28)."""
    logits = logits_of(classifier, images)
    top = logits.max(1, keepdims=True)
    softmax = np.exp(logits - top) / np.exp(logits - top).sum(1, keepdims=True)
    return {
        "max-softmax (baseline)": softmax.max(1),
        "energy": top[:, 0] + np.log(np.exp(logits - top).sum(1)),
        "digit guard (outlier exposure)": np.asarray(classifier.digit_likeness(images)),
    }


def reference_redrawn(images: np.ndarray, keep: slice) -> np.ndarray:
    """MNIST test digits `keep` re-drawn exactly as the stroke renderer's reference test draws all 10,000 (one
    generator seeded 0, four draws per digit in order): uint8 (N, 28, 28)."""
    rng = np.random.default_rng(0)
    rng.uniform(size=4 * keep.start)  # the draws of the digits before: `redrawn_strokes` makes four per digit
    return np.stack([strokes_to_mnist(redrawn_strokes(image, rng)[0]) for image in images[keep]])


def held_out_non_digits(variants: int) -> dict[str, np.ndarray]:
    """The held-out font style's characters and the doodles, each as drawn and `variants - 1` times jittered."""
    rng = np.random.default_rng(7)
    fonts = [
        jitter(s, rng, amount=0.0 if k == 0 else 1.0) for _, s in font_drawings(HELD_OUT_FONTS) for k in range(variants)
    ]
    doodles = [s for _, s in doodle_drawings(variants * 3, seed=7)]
    fresh = [s for _, s in doodle_drawings(variants * 3, seed=8, doodles=FRESH_DOODLES)]
    return {
        "held-out fonts": np.stack([strokes_to_mnist(s) for s in fonts]),
        "doodles": np.stack([strokes_to_mnist(s) for s in doodles]),
        "fresh doodles": np.stack([strokes_to_mnist(s) for s in fresh]),
    }


def ms_per_drawing(classifier: Classifier, image: np.ndarray, repeats: int) -> tuple[float, float]:
    """Median ms of reading one drawing's 28x28 image: the model alone, and the model plus `is_digit`."""
    alone, judged = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        classifier.predict_proba(image)
        t1 = time.perf_counter()
        classifier.predict_proba(image)
        classifier.is_digit(image)
        t2 = time.perf_counter()
        alone.append(t1 - t0)
        judged.append(t2 - t1)
    return 1000 * float(np.median(alone)), 1000 * float(np.median(judged))


def not_digit_section(data: MNIST, digits: int = 5000, variants: int = 5, repeats: int = 300) -> list[dict]:
    """The rows: one per method (AUROC, threshold, rejection rates), then the cost per drawing.
    `digits`: how many of the reported test digits (and validation digits) to re-draw (smoke mode: fewer)."""
    torch.set_num_threads(1)  # one drawing at a time, as the server reads them
    classifier = load_classifier()
    val_raw = data.val_images.numpy()[:digits]
    val_drawn = redrawn_digits(val_raw, digits, seed=1)
    test_raw = data.test_images.numpy()[REPORTED][:digits]
    test_drawn = reference_redrawn(data.test_images.numpy(), slice(REPORTED.start, REPORTED.start + digits))
    others = held_out_non_digits(variants)
    judged = {
        name: scores(classifier, images)
        for name, images in {
            "val raw": val_raw,
            "val drawn": val_drawn,
            "raw": test_raw,
            "drawn": test_drawn,
            **others,
        }.items()
    }
    rows = []
    for method in judged["raw"]:
        ours = method.startswith("digit guard")
        threshold = (
            guard_threshold() if ours else choose_threshold(judged["val raw"][method], judged["val drawn"][method])
        )
        rejected = {name: 100 * float((judged[name][method] < threshold).mean()) for name in (*others, "drawn", "raw")}
        non_digits = np.concatenate([judged[name][method] for name in others])
        rows.append(
            {
                "what": method,
                "auroc": round(auroc(judged["drawn"][method], non_digits), 4),
                "threshold": round(threshold, 4),
                "non_digits_rejected_pct": round(100 * float((non_digits < threshold).mean()), 1),
                "fonts_rejected_pct": round(rejected["held-out fonts"], 1),
                "doodles_rejected_pct": round(rejected["doodles"], 1),
                "fresh_doodles_rejected_pct": round(rejected["fresh doodles"], 1),
                "redrawn_digits_rejected_pct": round(rejected["drawn"], 2),
                "raw_digits_rejected_pct": round(rejected["raw"], 2),
            }
        )
    alone, with_guard = ms_per_drawing(classifier, test_drawn[0], repeats)
    rows.append(
        {
            "what": "ms per drawing: model alone / with is_digit",
            "model_ms": round(alone, 3),
            "with_is_digit_ms": round(with_guard, 3),
            "added_ms": round(with_guard - alone, 3),
        }
    )
    accuracy = (classifier.predict_proba(data.test_images.numpy()).argmax(1) == data.test_labels.numpy()).mean()
    rows.append(
        {
            "what": "bundled model: MNIST test accuracy (10,000)",
            "accuracy_pct": round(100 * accuracy, 2),
            "guard_training_s": bundled_guard().metadata.get("seconds"),
        }
    )
    return rows
