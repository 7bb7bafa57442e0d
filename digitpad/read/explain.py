"""Why the network decided, and what it computes on the way.

- `explain`: integrated gradients (Captum) on the 28x28 input: how much each pixel pushed the
  chosen digit, from a blank picture (no ink) to this one. Chosen over occlusion, DeepLift and
  input x gradient by the deletion check (`deletion_drops`) on test digits 0-4999: deleting the
  15% of the ink it ranks highest costs the digit 9.4x the probability that deleting a random
  15% does (occlusion 11.9x but about 1 s a drawing; DeepLift 8.1x; input x gradient 4.4x).
- `overlay`: the attribution over the digit, red for, blue against.
- `layer_maps`: every convolution's feature maps for one picture (the "Inside" view).
"""

from __future__ import annotations

import numpy as np
import torch
from captum.attr import IntegratedGradients
from torch import nn

from digitpad.mnist_format import IMAGE_SIZE
from digitpad.read.attack import normalise, to_unit

IG_STEPS = 32  # points on the path from the blank picture; the attributions sum to within ~1% of the logit change
DELETE_FRACTION = 0.15  # of the ink pixels, for the deletion check


class PixelModel(nn.Module):
    """A classifier's network taking [0, 1] pixels (N, 1, 28, 28): the normalisation is inside."""

    def __init__(self, model: nn.Module, mean: float, std: float):
        super().__init__()
        self.model, self.mean, self.std = model, mean, std

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        return self.model(normalise(x01, self.mean, self.std))


def explain(model: nn.Module, image: np.ndarray, mean: float, std: float, target: int | None = None) -> np.ndarray:
    """uint8 (28, 28) -> float (28, 28): each pixel's integrated-gradients attribution to `target`
    (the model's own reading when None), in logit units; positive pushed towards it."""
    model.eval()
    device = next(model.parameters()).device
    pixels = PixelModel(model, mean, std)
    x = to_unit(image[None], device)
    if target is None:
        with torch.no_grad():
            target = int(pixels(x).argmax())
    attribution = IntegratedGradients(pixels).attribute(
        x, baselines=torch.zeros_like(x), target=target, n_steps=IG_STEPS, internal_batch_size=IG_STEPS
    )
    return attribution[0, 0].detach().float().cpu().numpy()


def deletion_drops(
    model: nn.Module, images: np.ndarray, mean: float, std: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The faithfulness check, per image (uint8 (N, 28, 28)): how much the read digit's probability
    falls when the DELETE_FRACTION of ink pixels with the largest attribution are set to 0, and when a
    random DELETE_FRACTION of the ink is. Returns (top drops (N,), random drops (N,))."""
    rng = np.random.default_rng(seed)
    pixels = PixelModel(model.eval(), mean, std)
    device = next(model.parameters()).device
    top_drops, random_drops = [], []
    for image in images:
        attribution = explain(model, image, mean, std)
        ink = np.flatnonzero(image.ravel() > 0)
        k = max(1, round(DELETE_FRACTION * len(ink)))
        top = ink[np.argsort(-attribution.ravel()[ink], kind="stable")[:k]]
        chosen = rng.choice(ink, k, replace=False)
        variants = np.stack([image.ravel()] * 3)
        variants[1, top] = 0
        variants[2, chosen] = 0
        x = to_unit(variants.reshape(3, IMAGE_SIZE, IMAGE_SIZE), device)
        with torch.no_grad():
            probs = torch.softmax(pixels(x).float(), 1).cpu().numpy()
        digit = int(probs[0].argmax())
        top_drops.append(probs[0, digit] - probs[1, digit])
        random_drops.append(probs[0, digit] - probs[2, digit])
    return np.array(top_drops), np.array(random_drops)


def overlay(image: np.ndarray, attribution: np.ndarray, scale: int = 8) -> np.ndarray:
    """The attribution over the digit: uint8 RGB (28 * scale, 28 * scale, 3). The digit is a dim grey;
    red where a pixel pushed towards the digit, blue where it pushed against, by |attribution|
    relative to the largest (the 99th percentile, so that one pixel does not wash out the rest)."""
    top = max(float(np.percentile(np.abs(attribution), 99)), 1e-8)
    strength = np.clip(attribution / top, -1, 1)
    base = 20 + 0.35 * image.astype(np.float32)  # the digit, dimmed, on near-black
    red = base + np.clip(strength, 0, 1) * (255 - base)
    blue = base + np.clip(-strength, 0, 1) * (255 - base)
    green = base * (1 - np.abs(strength))
    rgb = np.stack([red, green, blue], -1).round().astype(np.uint8)
    return np.kron(rgb, np.ones((scale, scale, 1), np.uint8))


def layer_maps(model: nn.Module, image: np.ndarray, mean: float, std: float) -> tuple[list[np.ndarray], np.ndarray]:
    """One picture's feature maps: every convolution's output, in order (float (C, H, W) each), and
    the picture's ten probabilities."""
    model.eval()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    maps: list[np.ndarray] = []
    hooks = [conv.register_forward_hook(lambda _m, _i, out: maps.append(out[0].detach().float())) for conv in convs]
    try:
        device = next(model.parameters()).device
        x = to_unit(image[None], device)
        with torch.no_grad():
            probs = torch.softmax(PixelModel(model, mean, std)(x).float(), 1)[0].cpu().numpy()
    finally:
        for hook in hooks:
            hook.remove()
    return [m.cpu().numpy() for m in maps], probs
