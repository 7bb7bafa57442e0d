"""The digit guard: is a 28x28 drawing a digit at all, or a letter, a sign, a doodle?

A network trained on digits alone has no way to say "none of these": it reads an A as a 4 at 91%.
The guard is two small networks with an 11th class, "not a digit", trained apart and averaged
(`model.DigitNetEnsemble`), each by Outlier Exposure (Hendrycks et al. 2019): digits on one side, drawings
that are not digits on the other, made here since nothing can be downloaded at run time:

- digits: MNIST's training images, half of them also drawn on the pad as `training.pen_data` draws them (traced
  into strokes with a hand's jitter and speed), and 10,000 re-drawn by `synth.redrawn`, all through the pad's
  own renderer, so that a digit's look on the pad is a digit's look;
- not digits: letters and signs from Hershey's vector fonts (TRAIN_FONTS; letters that are digits when
  handwritten, O I l S Z B G q g b ..., are left out), generated shapes and scribbles (`synth.non_digits`),
  drawn through the stroke renderer (`ink.strokes.strokes_to_mnist`) and, a quarter of them, through
  the picture path (`ink.preprocess`) as a photo of the pad would be.

`Classifier.digit_likeness` is then 1 - P(not a digit), and `Classifier.is_digit` compares it with the
threshold stored beside the weights, chosen here on validation digits (MNIST's validation split raw, re-drawn,
and drawn on the pad as the benchmark draws test digits; never test digits): the lowest likeness that rejects
at most FALSE_REJECTIONS of each.
Validation non-digits come from the training fonts and shapes with other random variations; test
pieces from MNIST test digits 0-4999 and other variations again. The benchmark's held-out fonts and
hand-made doodles (`bench.not_digit`) are never used here.

Each member is trained by the classifier's engine (`training.engine.train`); `python -m digitpad train-guard`.
"""

from __future__ import annotations

import numpy as np
import torch

from digitpad.ink.preprocess import ink_to_mnist
from digitpad.ink.strokes import Strokes, strokes_to_ink, strokes_to_mnist
from digitpad.mnist_format import IMAGE_SIZE
from digitpad.read.classifier import NOT_A_DIGIT, Classifier, likeness
from digitpad.synth.non_digits import Drawing, non_digit_drawings
from digitpad.synth.redrawn import redrawn_strokes
from digitpad.training.data import MNIST
from digitpad.training.drawing_workers import draw_in_processes
from digitpad.training.pen_data import pen_images, validation_on_pad
from digitpad.training.recipes import Recipe

REDRAWN = 10_000  # MNIST training digits also re-drawn by `synth.redrawn`
# MNIST training digits also drawn on the pad (`pen_data.pen_images`): half of them, so that drawing the data and
# training two members fit in #22's 6 minutes on 2 cores (about 100 s, then 2 x 100 s).
PEN_DRAWN = 27_500
NON_DIGITS = 48_000  # training drawings that are not digits (about 1 in 3 training images)
VAL_NON_DIGITS = 8_000
PICTURE_SHARE = 0.25  # of the non-digits, drawn on a bitmap and read by the picture path
# Networks trained apart (seeds seed, seed + 1, ...) on the same data, their probabilities averaged. One network's
# verdict on a drawing unlike its training data moves from seed to seed (one read a held-out A as a digit, another
# a heart). Of eight guards, 3 kept six such drawings of the app's tests under a 0.3% threshold and 24 of their 28
# pairs did (at 0.15%: 3 and 11 of 28). At 0.15% of validation digits each, these two reject 93.8% and 94.3% of
# validation non-digits, their average 96.8%.
MEMBERS = 2
# The threshold wrongly rejects at most this share of each group of validation digits: half the 0.3% the guard may
# reject of the digits visitors draw, since the benchmark's drawings of test digits were rejected about twice as
# often as validation digits drawn the same two ways (by the guard of 2026-12-06: 0.65%, and 0.34-0.38%).
FALSE_REJECTIONS = 0.0015
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


def non_digit_images(count: int, seed: int, workers: int = 1) -> np.ndarray:
    """`count` drawings that are not digits (training fonts and shapes), rendered by `workers` processes: uint8
    (N, 28, 28). The drawings and which go through the picture path are drawn first, so any `workers` agree."""
    rng = np.random.default_rng(seed)
    drawings = [strokes for _, strokes in non_digit_drawings(count, rng)]
    jobs = [(strokes, rng.random() < PICTURE_SHARE) for strokes in drawings]
    images = [image for part in draw_in_processes(rendered, jobs, workers) for image in part]
    return np.stack([image for image in images if image is not None])


def rendered(jobs: list[tuple[Drawing, bool]], first: int) -> list[np.ndarray | None]:
    """`render` of each (drawing, picture) of a chunk of `non_digit_images`' jobs. `first`, the chunk's place
    among them, is what `draw_in_processes` hands every drawing function; nothing here is seeded by it."""
    return [render(drawing, picture) for drawing, picture in jobs]


def redrawn_digits(images: np.ndarray, count: int, seed: int) -> np.ndarray:
    """The first `count` of `images` (uint8 (N, 28, 28) digits) re-drawn as pen strokes: uint8 (count, 28, 28)."""
    rng = np.random.default_rng(seed)
    drawn = [strokes_to_mnist(redrawn_strokes(image, rng)[0]) for image in images[:count]]
    return np.stack(drawn) if drawn else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8)


def with_non_digits(
    digits: torch.Tensor, labels: torch.Tensor, drawn: list[tuple[np.ndarray, torch.Tensor]], others: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits (raw, then each `drawn` group of images and labels) and non-digits, as one split: uint8 (N, 28, 28)
    images, int64 labels (N,)."""
    images = torch.cat([digits.cpu(), *(torch.from_numpy(group) for group, _ in drawn), torch.from_numpy(others)])
    targets = torch.cat(
        [labels.cpu(), *(group_labels.cpu() for _, group_labels in drawn), torch.full((len(others),), NOT_A_DIGIT)]
    )
    return images, targets


def guard_data(
    mnist: MNIST,
    redrawn: int = REDRAWN,
    non_digits: int = NON_DIGITS,
    seed: int = 0,
    pen_drawn: int = PEN_DRAWN,
    workers: int = 1,
) -> MNIST:
    """The guard's train / validation / test splits: MNIST's train / validation / test 0-4999 digits (training
    digits also drawn on the pad, `pen_drawn` of them, and `redrawn` re-drawn; validation digits all re-drawn),
    with drawings that are not digits (label NOT_A_DIGIT), each split its own variations; `workers` processes
    draw on the pad and render the non-digits."""
    val_count = max(non_digits * VAL_NON_DIGITS // NON_DIGITS, 50)
    splits = []
    for k, (images, labels, count, on_pad, others) in enumerate(
        [
            (mnist.train_images, mnist.train_labels, redrawn, pen_drawn, non_digits),
            (mnist.val_images, mnist.val_labels, len(mnist.val_images), 0, val_count),
            (mnist.test_images[:5000], mnist.test_labels[:5000], 0, 0, val_count),
        ]
    ):
        count, on_pad = min(count, len(images)), min(on_pad, len(images))
        pictures = images.cpu().numpy()
        drawn = [
            (redrawn_digits(pictures, count, seed + k), labels[:count]),
            (pen_images(pictures[:on_pad], seed, workers=workers), labels[:on_pad]),
        ]
        splits += with_non_digits(images, labels, drawn, non_digit_images(others, seed + 10 + k, workers))
    return MNIST(*splits, checksums=mnist.checksums)


def choose_threshold(*digit_likeness: np.ndarray, false_rejections: float = FALSE_REJECTIONS) -> float:
    """The likeness below which a drawing is "not a digit", from validation digits' likeness (each group (N,),
    e.g. raw and re-drawn): the lowest of the groups' `false_rejections` quantiles, so that at most that share
    of each group is rejected."""
    return float(min(np.quantile(group, false_rejections, method="lower") for group in digit_likeness))


def validation_threshold(
    guard: Classifier, data: MNIST, mnist: MNIST, seed: int = 0, workers: int = 1
) -> tuple[float, float]:
    """`guard`'s threshold from the validation digits of `data` (`guard_data`'s: raw, then re-drawn) and of
    `mnist` drawn on the pad as the benchmark draws test digits (traced, no jitter; by `workers` processes, the
    same pictures as one draws): (threshold, the share of `data`'s validation non-digits it rejects)."""
    scores = likeness(guard.predict_proba(data.val_images.numpy()))
    digits = data.val_labels.numpy() != NOT_A_DIGIT
    raw = len(mnist.val_images)
    on_pad = likeness(guard.predict_proba(validation_on_pad(mnist, seed, workers)))
    threshold = choose_threshold(scores[:raw], scores[raw:][digits[raw:]], on_pad)
    return threshold, float((scores[~digits] < threshold).mean())
