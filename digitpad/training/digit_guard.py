"""The digit guard: is a 28x28 drawing a digit at all, or a letter, a sign, a doodle?

A network trained on digits alone has no way to say "none of these": it reads an A as a 4 at 91%.
The guard is a small network with an 11th class, "not a digit", trained by Outlier Exposure
(Hendrycks et al. 2019): digits on one side, drawings that are not digits on the other, made here
since nothing can be downloaded at run time:

- digits: MNIST's training images, and 10,000 of them re-drawn as pen strokes through the pad's own
  renderer (`synth.redrawn`), so that a digit's look on the pad is a digit's look;
- not digits: letters and signs from Hershey's vector fonts (TRAIN_FONTS; letters that are digits when
  handwritten, O I l S Z B G q g b ..., are left out), generated shapes and scribbles (`synth.non_digits`),
  drawn through the stroke renderer (`ink.strokes.strokes_to_mnist`) and, a quarter of them, through
  the picture path (`ink.preprocess`) as a photo of the pad would be.

`Classifier.digit_likeness` is then 1 - P(not a digit), and `Classifier.is_digit` compares it with the
threshold stored beside the weights, chosen here on validation digits (MNIST's validation split, raw and
re-drawn; never test digits): the lowest likeness that rejects at most FALSE_REJECTIONS of them.
Validation non-digits come from the training fonts and shapes with other random variations; test
pieces from MNIST test digits 0-4999 and other variations again. The benchmark's held-out fonts and
hand-made doodles (`bench.not_digit`) are never used here.

It is trained by the classifier's engine (`training.engine.train`).
"""

from __future__ import annotations

import numpy as np
import torch

from digitpad.ink.preprocess import ink_to_mnist
from digitpad.ink.strokes import Strokes, strokes_to_ink, strokes_to_mnist
from digitpad.read.classifier import NOT_A_DIGIT
from digitpad.synth.non_digits import Drawing, non_digit_drawings
from digitpad.synth.redrawn import redrawn_strokes
from digitpad.training.data import MNIST
from digitpad.training.recipes import Recipe

REDRAWN = 10_000  # MNIST training digits also drawn as pen strokes
NON_DIGITS = 24_000  # training drawings that are not digits (about 1 in 4 training images)
VAL_NON_DIGITS = 4_000
PICTURE_SHARE = 0.25  # of the non-digits, drawn on a bitmap and read by the picture path
FALSE_REJECTIONS = 0.005  # the threshold wrongly rejects at most this share of validation digits
RECIPE = Recipe(
    name="guard",
    model_config={"widths": (16, 32, 64), "classes": 11},
    epochs=8,
    batch_size=128,
    lr=3e-3,
    weight_decay=5e-4,
    augment=True,
    evals_per_epoch=1,
)


def render(drawing: Drawing, picture: bool) -> np.ndarray | None:
    """Strokes -> uint8 (28, 28) as the model reads them: through the stroke renderer, or (`picture`) drawn
    on a 320 px pad with a 22 px brush and read by the picture path, as an upload of the pad would be."""
    if not picture:
        return strokes_to_mnist(drawing)
    points = np.vstack(drawing)
    lo, extent = points.min(0), max(float(np.ptp(points, 0).max()), 1e-6)
    strokes = [(s - lo) / extent * 240 + 40 for s in drawing]  # the drawing's longer side 240 px
    return ink_to_mnist(strokes_to_ink(Strokes(strokes, 320, 320), 1.0, 22))


def non_digit_images(count: int, seed: int) -> np.ndarray:
    """`count` drawings that are not digits (training fonts and shapes), rendered: uint8 (N, 28, 28)."""
    rng = np.random.default_rng(seed)
    images = [render(strokes, rng.random() < PICTURE_SHARE) for _, strokes in non_digit_drawings(count, rng)]
    return np.stack([image for image in images if image is not None])


def redrawn_digits(images: np.ndarray, count: int, seed: int) -> np.ndarray:
    """The first `count` of `images` (uint8 (N, 28, 28) digits) re-drawn as pen strokes: uint8 (count, 28, 28)."""
    rng = np.random.default_rng(seed)
    return np.stack([strokes_to_mnist(redrawn_strokes(image, rng)[0]) for image in images[:count]])


def with_non_digits(
    digits: torch.Tensor, labels: torch.Tensor, redrawn: np.ndarray, redrawn_labels: torch.Tensor, others: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits (raw and re-drawn) and non-digits, as one split: uint8 (N, 28, 28) images, int64 labels (N,)."""
    images = torch.cat([digits.cpu(), torch.from_numpy(redrawn), torch.from_numpy(others)])
    targets = torch.cat([labels.cpu(), redrawn_labels.cpu(), torch.full((len(others),), NOT_A_DIGIT)])
    return images, targets


def guard_data(mnist: MNIST, redrawn: int = REDRAWN, non_digits: int = NON_DIGITS, seed: int = 0) -> MNIST:
    """The guard's train / validation / test splits: MNIST's train / validation / test 0-4999 digits (and some
    re-drawn as strokes), with drawings that are not digits (label NOT_A_DIGIT), each split its own variations."""
    val_count = max(non_digits * VAL_NON_DIGITS // NON_DIGITS, 50)
    splits = []
    for k, (images, labels, count, others) in enumerate(
        [
            (mnist.train_images, mnist.train_labels, redrawn, non_digits),
            (mnist.val_images, mnist.val_labels, len(mnist.val_images), val_count),
            (mnist.test_images[:5000], mnist.test_labels[:5000], 0, val_count),
        ]
    ):
        count = min(count, len(images))
        drawn = redrawn_digits(images.cpu().numpy(), count, seed + k) if count else np.zeros((0, 28, 28), np.uint8)
        splits += with_non_digits(images, labels, drawn, labels[:count], non_digit_images(others, seed + 10 + k))
    return MNIST(*splits, checksums=mnist.checksums)


def choose_threshold(*digit_likeness: np.ndarray, false_rejections: float = FALSE_REJECTIONS) -> float:
    """The likeness below which a drawing is "not a digit", from validation digits' likeness (each group (N,),
    e.g. raw and re-drawn): the lowest of the groups' `false_rejections` quantiles, so that at most that share
    of each group is rejected."""
    return float(min(np.quantile(group, false_rejections, method="lower") for group in digit_likeness))
