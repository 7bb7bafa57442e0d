"""MNIST as the pad draws it: training digits turned into pen strokes and drawn by the pad's own renderer.

What visitors give the model is pen strokes drawn into MNIST's format (`ink.strokes.strokes_to_mnist`): an
even, round pen of MNIST's width along the path, whatever the hand did. MNIST's scans have pressure, ragged
edges and blobs the pad never makes, so a model trained on MNIST alone reads the pad's digits with several
times its MNIST error rate. Training on both closes the gap:

- `pad_strokes`: a digit's skeleton walked into polylines (`ink.trace`, what "Draw it" puts on the pad),
  placed on a 320 px pad at a random size and place. `jitter` shakes the points as a hand would (a smooth
  random offset along each stroke) and `speed` keeps every k-th point, as a fast pen sampled every 60 ms
  sends few points and cuts corners;
- `synth.redrawn`: the stroke renderer's reference redrawing (a dot per skeleton pixel, joined to its
  neighbours), a second, independent way of recovering the strokes.

`pen_images` draws a set of digits one of these ways; `pen_data` is MNIST with every training and
validation digit also redrawn (the selection by validation loss then weighs both looks). The test split stays
MNIST's own test images (their redrawn look is the benchmark's business: `bench.pen`, test digits 5000-9999).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
import torch

from digitpad.ink.strokes import pad_to_mnist, strokes_to_mnist
from digitpad.ink.trace import SCALE, skeleton, walk
from digitpad.mnist_format import IMAGE_SIZE
from digitpad.synth.redrawn import redrawn_strokes
from digitpad.training.data import MNIST
from digitpad.training.drawing_workers import draw_in_processes
from digitpad.training.recipes import get_recipe

PAD = 320  # px: the Draw tab's pad
TRACED_SHARE = 0.7  # of the redrawn training digits, traced into polylines; the rest as `synth.redrawn` draws them
MAX_JITTER = 1.2  # skeleton px (1/4 MNIST px): the largest hand tremor drawn
MAX_SPEED = 4  # keep every 1st to 4th point of a traced stroke
# The fine-tuning (`python -m digitpad train-pen`): the recipe best's settings, from its weights, at two thirds
# of its learning rate for 8 epochs of MNIST and MNIST redrawn (each epoch 110,000 images). Chosen on validation
# digits drawn on the pad: 2 epochs at 1e-3 read 99.00% of them, 8 at 2e-3 99.18% (the recipe best alone 98.78%).
RECIPE = replace(get_recipe("best", epochs=8, lr=2e-3, warmup=0.1), name="pen")


def pad_strokes(image: np.ndarray, rng: np.random.Generator, jitter: float = 0.0, speed: int = 1) -> dict:
    """uint8 (28, 28) digit -> a stroke pad value {"strokes", "width", "height"} on a PAD px pad.

    The 28x28 frame covers 30-95% of the pad at a random place; points are rounded to 0.1 px as the pad's are.
    `jitter`: the standard deviation (skeleton px) of a smooth random offset of the points; `speed`: every
    `speed`-th point is kept (and each stroke's last)."""
    size = rng.uniform(0.3, 0.95) * PAD
    unit = size / (IMAGE_SIZE * SCALE)  # pad px per skeleton px
    left, top = rng.uniform(0, PAD - size, 2)
    strokes = []
    for path in walk(skeleton(image)):
        rc = np.asarray(path, np.float64)  # (n, 2) (row, col)
        if jitter > 0:  # a random walk's offsets, smoothed over ~5 points: a wobble, not pixel noise
            noise = rng.normal(0, jitter, (len(rc) + 4, 2))
            rc = rc + np.stack([np.convolve(noise[:, k], np.ones(5) / np.sqrt(5), "valid") for k in (0, 1)], 1)
        keep = np.unique(np.r_[np.arange(0, len(rc), speed), len(rc) - 1])
        xy = np.stack([left + (rc[keep, 1] + 0.5) * unit, top + (rc[keep, 0] + 0.5) * unit], 1)
        strokes.append(np.round(xy, 1).tolist())
    return {"strokes": strokes, "width": PAD, "height": PAD}


def pen_image(image: np.ndarray, rng: np.random.Generator, varied: bool) -> np.ndarray:
    """One digit uint8 (28, 28) redrawn as pen strokes (see `pen_images`): uint8 (28, 28)."""
    if not varied:
        drawn = pad_to_mnist(pad_strokes(image, rng))
    elif rng.random() < TRACED_SHARE:
        jitter, speed = rng.uniform(0, MAX_JITTER), int(rng.integers(1, MAX_SPEED + 1))
        drawn = pad_to_mnist(pad_strokes(image, rng, jitter, speed))
    else:
        drawn = strokes_to_mnist(redrawn_strokes(image, rng)[0])
    return image if drawn is None else drawn


def pen_images(images: np.ndarray, seed: int, varied: bool = True, workers: int = 1) -> np.ndarray:
    """Digits uint8 (N, 28, 28) redrawn as pen strokes through the pad's renderer -> uint8 (N, 28, 28).

    `varied` (training): TRACED_SHARE traced with random jitter and speed, the rest as `synth.redrawn` draws
    them; otherwise every digit traced cleanly, as the benchmark's pad digits are. A digit whose skeleton
    vanishes (a speck) is kept as it is. Each digit has its own random generator (from `seed` and its index),
    so `workers` processes (about 2.5 ms a digit each) draw the same images as one."""
    if len(images) == 0:
        return images.copy()
    return np.concatenate(draw_in_processes(partial(drawn_chunk, seed=seed, varied=varied), images, workers))


def validation_on_pad(mnist: MNIST, seed: int, workers: int = 1) -> np.ndarray:
    """MNIST's validation digits drawn on the pad as the benchmark draws test digits (traced, no jitter), from
    generators of their own (`seed` + 100): uint8 (N, 28, 28), what models are chosen on."""
    return pen_images(mnist.val_images.cpu().numpy(), seed + 100, varied=False, workers=workers)


def drawn_chunk(images: np.ndarray, first: int, seed: int, varied: bool) -> np.ndarray:
    """`pen_images` of a chunk of digits uint8 (n, 28, 28) whose first is digit `first` of the whole."""
    return np.stack([pen_image(im, np.random.default_rng((seed, first + k)), varied) for k, im in enumerate(images)])


def pen_data(mnist: MNIST, seed: int = 0, workers: int = 1) -> MNIST:
    """MNIST with its training and validation digits each also redrawn as pen strokes (labels repeated);
    the test split unchanged. About 2.5 minutes for the 60,000 on one core."""

    def both(images: torch.Tensor, labels: torch.Tensor, split_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        drawn = torch.from_numpy(pen_images(images.cpu().numpy(), split_seed, workers=workers))
        return torch.cat([images.cpu(), drawn]), torch.cat([labels.cpu(), labels.cpu()])

    train = both(mnist.train_images, mnist.train_labels, seed)
    val = both(mnist.val_images, mnist.val_labels, seed + 1)
    return MNIST(*train, *val, mnist.test_images.cpu(), mnist.test_labels.cpu(), checksums=mnist.checksums)
