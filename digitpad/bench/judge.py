"""How good are generated digits? Three measures, taken by an independent judge.

A generator can learn to please one particular classifier, so the measures also use a judge:
LeNet-5 (`weights/lenet5-judge.safetensors`, recipe `judge`), a different architecture from the
bundled digitnet, trained on MNIST alone and never shown to the GAN.

- `agreement`: the share of pictures a classifier reads as the digit that was asked for.
- `frechet_distance`: between Gaussians fitted to two sets of the judge's penultimate features
  (its 84 ReLU units): an MNIST "FID" (Heusel et al. 2017, with LeNet-5 in place of Inception).
  Its floor is the same distance between two sets of real digits.
- `diversity`: within each digit, the mean pairwise feature distance of the pictures over that of
  real pictures of the digit; 1.0 is as varied as real handwriting, near 0 is one picture repeated.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy import linalg

from digitpad.checkpoint import JUDGE_WEIGHTS
from digitpad.mnist_format import NUM_CLASSES
from digitpad.model import to_input
from digitpad.read.classifier import Classifier, load_classifier

if TYPE_CHECKING:
    from digitpad.gan.generator import Generator
    from digitpad.training.data import MNIST


def load_judge(path: Path | str | None = None) -> Classifier:
    """The independent LeNet-5 judge (or the LeNet-5 weights at `path`)."""
    judge = load_classifier(path or JUDGE_WEIGHTS)
    if judge.name != "lenet5":
        raise ValueError(f"the judge must be a LeNet-5 (its features are fc2's), not {judge.name}")
    return judge


@torch.inference_mode()
def judge_features(judge: Classifier, images: np.ndarray, batch_size: int = 2000) -> np.ndarray:
    """uint8 (N, 28, 28) -> the judge's penultimate features float64 (N, 84): LeNet-5's fc2 after ReLU."""
    out = []
    for i in range(0, len(images), batch_size):
        x = to_input(torch.from_numpy(np.ascontiguousarray(images[i : i + batch_size])), judge.mean, judge.std)
        out.append(judge.model.features(x.to(judge.device)).double().cpu().numpy())
    return np.concatenate(out)


def agreement(classifier: Classifier, images: np.ndarray, digits: np.ndarray) -> float:
    """Share (0-1) of `images` that `classifier` reads as the digit asked for."""
    reads = classifier.predict_proba(images).argmax(1)
    return float((reads == np.asarray(digits)).mean())


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets a (N, D) and b (M, D):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # ReLU units that never fire make the product singular: checked below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(s_a @ s_b)
        if not np.isfinite(root).all():  # nudge both covariances (as pytorch-fid does)
            eps = np.eye(len(s_a)) * 1e-6
            root = linalg.sqrtm((s_a + eps) @ (s_b + eps))
    if np.iscomplexobj(root):
        if np.abs(root.imag).max() > 1e-3 * max(1.0, np.abs(root.real).max()):
            raise ValueError(
                f"the covariance product has no real square root (imaginary part {np.abs(root.imag).max():.3g})"
            )
        root = root.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(root))


def mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs of rows of (N, D), N >= 2."""
    x = torch.from_numpy(features)
    n = len(x)
    if n < 2:
        raise ValueError(f"a mean pairwise distance needs at least 2 rows, got {n}")
    return float(torch.pdist(x).sum() / (n * (n - 1) / 2))


def diversity(features: np.ndarray, digits: np.ndarray, real: np.ndarray, real_digits: np.ndarray) -> np.ndarray:
    """Per digit: mean pairwise feature distance of the pictures over that of the real ones, float (10,)."""
    return np.array(
        [
            mean_pairwise_distance(features[digits == d]) / mean_pairwise_distance(real[real_digits == d])
            for d in range(NUM_CLASSES)
        ]
    )


def score_on_test_set(
    generator: Generator,
    classifier: Classifier,
    judge: Classifier,
    data: MNIST,
    per_digit: int = 200,
    seed: int = 2026,
    test_digits: int | None = None,
) -> dict:
    """The benchmark's figures for a `gan.generator.Generator` against MNIST's full test set:

    - agreement of the bundled classifier and of the judge on `per_digit` samples of each digit;
    - the Fréchet distance of 10,000 samples (the test set's digits, one for one) to the 10,000 test
      digits, beside its floor: 10,000 training digits (a fixed sample) to the same test digits;
    - diversity per digit of those samples against the test digits.

    An unconditional generator (metadata `conditional: false`, the DCGAN) cannot be asked for a digit:
    its agreement is None, and its samples are grouped by the digit the judge reads for diversity.
    `test_digits`: only the first N test digits (and N training digits for the floor), for a quick look."""
    test_x, test_y = data.test_images.numpy()[:test_digits], data.test_labels.numpy()[:test_digits]
    conditional = getattr(generator.net, "conditional", True)
    made = generator.sample(list(test_y), seed=seed + 1)
    made_f, real_f = judge_features(judge, made), judge_features(judge, test_x)
    train_pick = np.random.default_rng(seed).choice(len(data.train_images), len(test_x), replace=False)
    floor = frechet_distance(judge_features(judge, data.train_images.numpy()[train_pick]), real_f)
    fid = frechet_distance(made_f, real_f)
    groups = test_y if conditional else judge.predict_proba(made).argmax(1)
    if not conditional and np.bincount(groups, minlength=NUM_CLASSES).min() < 2:
        per_digit_diversity = np.zeros(NUM_CLASSES)  # some digit it never writes
    else:
        per_digit_diversity = diversity(made_f, groups, real_f, test_y)
    agreed = None, None
    if conditional:
        asked = np.repeat(np.arange(NUM_CLASSES), per_digit)
        pictures = generator.sample(list(asked), seed=seed)
        agreed = (round(100 * agreement(c, pictures, asked), 2) for c in (classifier, judge))
    bundled_pct, judge_pct = agreed
    return {
        "agreement_bundled_pct": bundled_pct,
        "agreement_judge_pct": judge_pct,
        "fid": round(fid, 3),
        "fid_floor": round(floor, 3),
        "fid_ratio": round(fid / floor, 2),
        "diversity_min": round(float(per_digit_diversity.min()), 3),
        "diversity_mean": round(float(per_digit_diversity.mean()), 3),
    }
