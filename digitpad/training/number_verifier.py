"""The number reader's verifier: is a piece cut from a row of digits one whole digit, and which?

A classifier trained on single digits reads almost anything confidently: two touching 9s
look like an 8 to it, half a 0 like a 1. So `number.read_number` first asks a small network
with an 11th class, "not one digit", trained on the reader's own candidate pieces.

Its data are the reader's own candidate pieces (`number.find_candidates`, cutting every
group) of numbers composed from MNIST digits (`number_set`), which know whose ink each pixel
is: a piece holding nearly all of one digit's ink and little of any other is that digit
(0-9), every other piece (halves, slivers, two digits together) is "not one digit" (10).
Training pieces come from MNIST's training split, validation pieces from its validation
split, test pieces from test digits 0-4999. It is trained by the same engine as the
classifier (`training.engine.train`).
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from digitpad.read.number import Candidates, find_candidates
from digitpad.synth.number_set import number_set
from digitpad.training.data import MNIST
from digitpad.training.recipes import Recipe

OWN_INK = 0.9  # a piece is one whole digit if it holds 90% of that digit's ink ...
OTHER_INK = 0.1  # ... and other digits' ink no more than 10% of that
NOT_ONE_DIGIT = 10  # the 11th class: halves, slivers, two digits together
NEGATIVES_PER_POSITIVE = 3  # most pieces are not digits: keep this many of them per digit
RECIPE = Recipe(
    name="verifier", model="lenet5", model_config={"classes": 11}, epochs=6, batch_size=128, lr=3e-3,
    weight_decay=1e-4, augment=False,
)  # fmt: skip


def piece_labels(found: Candidates, owner: np.ndarray, text: str) -> list[int]:
    """Each piece's label: the digit it is (0-9) if it holds nearly all of that digit's ink and little of
    any other's, else NOT_ONE_DIGIT. `owner`: whose ink each pixel is (`ComposedNumber.owner`), working size."""
    counts = np.zeros((len(found.pieces), len(text) + 1), np.int64)  # ink pixels of each digit in each piece
    for n, piece in enumerate(found.pieces):
        group = found.groups[piece.group]
        inside = owner[group.y0 : group.y1, group.x0 : group.x1][piece.region]
        counts[n] = np.bincount(inside, minlength=len(text) + 1)
    counts = counts[:, 1:]
    total = counts.max(0)  # a digit's ink, as the reader sees it: its whole group holds all of it
    labels = []
    for row in counts:
        k = int(row.argmax())
        whole = row[k] > 0 and row[k] >= OWN_INK * total[k] and row.sum() - row[k] <= OTHER_INK * row[k]
        labels.append(int(text[k]) if whole else NOT_ONE_DIGIT)
    return labels


def labelled_pieces(
    images: np.ndarray, labels: np.ndarray, numbers: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of `numbers` composed numbers (half separate, half touching) -> uint8 (N, 28, 28), labels (N,)."""
    rng = np.random.default_rng(seed)
    pieces, targets = [], []
    for kind in ("separate", "touching"):
        for number in number_set(images, labels, kind, numbers // 2, seed=seed):
            found = find_candidates(number.picture, cut_every_group=True, regions=True)
            if not found.pieces:
                continue
            height, width = found.shape  # the number's ink ownership, at the working size
            owner = np.asarray(Image.fromarray(number.owner).resize((width, height), Image.Resampling.NEAREST))
            pieces += [piece.image for piece in found.pieces]
            targets += piece_labels(found, owner, number.text)
    x, y = np.stack(pieces), np.array(targets)
    positive, negative = np.flatnonzero(y != NOT_ONE_DIGIT), np.flatnonzero(y == NOT_ONE_DIGIT)
    keep = rng.choice(negative, size=min(len(negative), NEGATIVES_PER_POSITIVE * len(positive)), replace=False)
    keep = np.sort(np.concatenate([positive, keep]))
    return x[keep], y[keep]


def verifier_data(mnist: MNIST, numbers: int = 3000, seed: int = 0) -> MNIST:
    """The verifier's train / validation / test pieces, from MNIST's train / validation / test 0-4999 digits."""

    def split(images: torch.Tensor, labels: torch.Tensor, count: int, offset: int) -> tuple[torch.Tensor, ...]:
        x, y = labelled_pieces(images.cpu().numpy(), labels.cpu().numpy(), count, seed + offset)
        return torch.from_numpy(x), torch.from_numpy(y).long()

    train_x, train_y = split(mnist.train_images, mnist.train_labels, numbers, 0)
    val_x, val_y = split(mnist.val_images, mnist.val_labels, max(numbers // 6, 50), 1)
    test_x, test_y = split(mnist.test_images[:5000], mnist.test_labels[:5000], max(numbers // 6, 50), 2)
    return MNIST(train_x, train_y, val_x, val_y, test_x, test_y, checksums=mnist.checksums)
