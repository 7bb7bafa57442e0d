"""Adversarial examples: fooling the network with changes too small to matter to a person.

Every attack here works on images in [0, 1] (the model's normalisation is applied inside) and
bounds the change in L∞: no pixel moves by more than ε (on [0, 1] pixels).

- `pgd`: projected gradient descent (Madry et al. 2018): from a random start in the ε-ball,
  `steps` signed-gradient steps up the loss, each projected back into the ball and [0, 1].
- `robust_accuracy`: the share of images still read right under PGD (every restart must fail);
  what `python -m digitpad attack` prints and the README's robustness table holds.
- `transfer_accuracy`: a black-box check: PGD examples made on another model, shown to this one.
- `smallest_flip`: the "Fool it" button: the smallest ε (a coarse then a fine grid, PGD at
  every ε of a grid in one batch) that makes the model read another digit.
- `adversarial_batch`: what adversarial training trains on: FGSM with a random start
  (Wong et al. 2020) for one step, PGD for more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PGD_STEPS = 40
PGD_STEP_SIZE = 0.01  # on [0, 1] pixels: 40 steps can cross a whole ε = 0.3 ball and back
GRID = 16  # ε tried at once in each of `smallest_flip`'s two rounds
MAX_EPS = 1.0  # at ε = 1 any picture can be any other: a flip always exists there


def normalise(x01: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return ((x01 - mean) / std).contiguous(memory_format=torch.channels_last)


def pgd(
    model: nn.Module,
    x01: torch.Tensor,
    y: torch.Tensor,
    eps: float | torch.Tensor,
    mean: float,
    std: float,
    steps: int = PGD_STEPS,
    step_size: float | torch.Tensor = PGD_STEP_SIZE,
    random_start: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """x01 (N, 1, 28, 28) in [0, 1], labels y (N,) -> adversarial images within `eps` of x01, in [0, 1].

    `eps` and `step_size` may be (N, 1, 1, 1) tensors (a different ball per image). The model's
    mode (train/eval) is left as it is: adversarial training attacks the model as it trains."""
    x01 = x01.detach()
    if random_start:
        noise = torch.rand(x01.shape, device=x01.device, generator=generator) * 2 - 1
        x_adv = (x01 + noise * eps).clamp(0, 1)
    else:
        x_adv = x01.clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(normalise(x_adv, mean, std)).float(), y)
        (grad,) = torch.autograd.grad(loss, x_adv)
        x_adv = x_adv.detach() + step_size * grad.sign()
        x_adv = torch.minimum(torch.maximum(x_adv, x01 - eps), x01 + eps).clamp(0, 1)
    return x_adv.detach()


def adversarial_batch(
    model: nn.Module,
    x01: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    steps: int,
    step_size: float,
    mean: float,
    std: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The batch adversarial training learns from: FGSM with a random start when steps == 1 (one
    step of `step_size`, e.g. 1.25 eps), PGD otherwise. Parameter gradients are left untouched."""
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        return pgd(model, x01, y, eps, mean, std, steps, step_size, random_start=True, generator=generator)
    finally:
        for p in model.parameters():
            p.requires_grad_(True)


def to_unit(images: np.ndarray | torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [0, 1] on `device`."""
    images = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
    return images.to(device).unsqueeze(1).float() / 255


@torch.no_grad()
def predict(model: nn.Module, x01: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return model(normalise(x01, mean, std)).argmax(1)


def robust_accuracy(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    eps: float,
    mean: float,
    std: float,
    steps: int = PGD_STEPS,
    step_size: float = PGD_STEP_SIZE,
    restarts: int = 1,
    batch_size: int = 1000,
    seed: int = 0,
) -> float:
    """Percent of `images` (uint8 (N, 28, 28)) read right by `model` (eval mode) under PGD at `eps`:
    an image counts only if every restart fails to change its reading. eps = 0: clean accuracy."""
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    labels = torch.as_tensor(np.asarray(labels)).to(device)
    right = 0
    for i in range(0, len(labels), batch_size):
        x, y = to_unit(images[i : i + batch_size], device), labels[i : i + batch_size]
        still = predict(model, x, mean, std) == y
        for _ in range(restarts if eps > 0 else 0):
            x_adv = pgd(model, x, y, eps, mean, std, steps, step_size, generator=generator)
            still &= predict(model, x_adv, mean, std) == y
        right += int(still.sum())
    return 100 * right / len(labels)


def transfer_accuracy(
    source: nn.Module,
    source_norm: tuple[float, float],
    target: nn.Module,
    target_norm: tuple[float, float],
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    eps: float,
    steps: int = PGD_STEPS,
    step_size: float = PGD_STEP_SIZE,
    batch_size: int = 1000,
) -> float:
    """Black box: percent of images `target` reads right when shown PGD examples made on `source`.

    If a model's white-box figure were propped up by useless gradients (gradient masking), examples
    from another model would fool it more than its own gradients do."""
    source.eval(), target.eval()
    device = next(target.parameters()).device
    generator = torch.Generator(device=device).manual_seed(0)
    labels = torch.as_tensor(np.asarray(labels)).to(device)
    right = 0
    for i in range(0, len(labels), batch_size):
        x, y = to_unit(images[i : i + batch_size], device), labels[i : i + batch_size]
        x_adv = pgd(source, x, y, eps, *source_norm, steps, step_size, generator=generator)
        right += int((predict(target, x_adv, *target_norm) == y).sum())
    return 100 * right / len(labels)


@dataclass
class Flip:
    """What "Fool it" found: the smallest ε that changes the reading, and the changed picture."""

    eps: float  # L∞ on [0, 1] pixels (x 255 for grey levels)
    image: np.ndarray  # uint8 (28, 28): the changed picture, as the model reads it
    digit: int  # what the model reads now
    was: int  # what it read before
    probs: np.ndarray  # (10,) on the changed picture


def smallest_flip(model: nn.Module, image: np.ndarray, mean: float, std: float, seed: int = 0) -> Flip:
    """The smallest L∞ change found by PGD that makes `model` read the uint8 28x28 `image` as another
    digit. Two batched rounds of PGD: 16 ε on a geometric grid up to 1 (each √2 apart), then 16 evenly
    between the largest ε that failed and the smallest that worked (ε to within ~3%). Each ε is judged on
    the changed picture rounded to uint8, as the app shows it and the model then reads it."""
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    x = to_unit(image[None], device)
    was = int(predict(model, x, mean, std)[0])

    def first_flip(grid: torch.Tensor) -> tuple[int | None, torch.Tensor]:
        """PGD at every ε of `grid` at once: the index of the smallest ε that flips (or None), and the pictures."""
        eps = grid.view(-1, 1, 1, 1)
        batch = x.expand(len(grid), -1, -1, -1)
        y = torch.full((len(grid),), was, device=device)
        x_adv = pgd(
            model, batch, y, eps, mean, std, PGD_STEPS, (2.5 * eps / PGD_STEPS).clamp_min(1 / 255), generator=generator
        )
        x_adv = torch.round(x_adv * 255) / 255
        flipped = (predict(model, x_adv, mean, std) != was).nonzero().flatten()
        return (int(flipped[0]) if len(flipped) else None), x_adv

    coarse = MAX_EPS * 2 ** (-torch.arange(GRID - 1, -1, -1, device=device) / 2)  # 2^-7.5 ... 1
    k, pictures = first_flip(coarse)
    if k is None:  # gradients that lead nowhere even at ε = 1: say so rather than pretend
        raise ValueError("PGD found no change that makes the model read another digit.")
    best = pictures[k : k + 1]
    low = float(coarse[k - 1]) if k > 0 else 0.0
    fine = torch.linspace(low, float(coarse[k]), GRID + 1, device=device)[1:]
    j, pictures = first_flip(fine)
    if j is not None:
        best = pictures[j : j + 1]
    with torch.no_grad():
        probs = torch.softmax(model(normalise(best, mean, std)).float(), 1)[0].cpu().numpy()
    changed = np.round(best[0, 0].cpu().numpy() * 255).astype(np.uint8)
    eps = float(np.abs(changed.astype(int) - image.astype(int)).max()) / 255
    return Flip(eps, changed, int(probs.argmax()), was, probs)
