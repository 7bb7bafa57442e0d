"""Batched data augmentation, on whatever device the batch lives on.

One random affine transform per image (rotation, scale, shear, shift) applied with a
single `grid_sample`, and a random change of stroke thickness (grey-level dilation or
erosion, blended in by a random amount), because visitors draw with brushes of any width.
No PIL, no per-sample Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class AugmentConfig:
    rotate_deg: float = 12.0
    scale: float = 0.12  # zoom factor in [1 - scale, 1 + scale]
    shear: float = 0.15
    shift_px: float = 2.5
    thickness: float = 0.7  # blend towards dilation/erosion by up to this much


def random_affine(x: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """x: (N, 1, H, W) float in [0, 1] -> the same shape, each image moved at random."""
    n, _, h, _ = x.shape
    dev = x.device

    def uniform(bound: float) -> torch.Tensor:
        return (torch.rand(n, device=dev, generator=generator) * 2 - 1) * bound

    angle = uniform(math.radians(cfg.rotate_deg))
    zoom = 1 + uniform(cfg.scale)
    shear = uniform(cfg.shear)
    shift = torch.stack([uniform(cfg.shift_px), uniform(cfg.shift_px)], dim=1) * (2 / h)  # pixels -> [-1, 1] units
    cos, sin = torch.cos(angle), torch.sin(angle)
    # theta maps output coordinates to input coordinates: (rotation @ shear) / zoom
    a = torch.stack([torch.stack([cos, cos * shear - sin], 1), torch.stack([sin, sin * shear + cos], 1)], 1)
    theta = torch.cat([a / zoom[:, None, None], shift[:, :, None]], dim=2)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_thickness(x: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """Thicken or thin each image's strokes by a random amount. x: (N, 1, H, W) in [0, 1]."""
    amount = (torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=generator) * 2 - 1) * cfg.thickness
    thick = F.max_pool2d(x, 3, stride=1, padding=1)  # grey dilation
    thin = -F.max_pool2d(-x, 3, stride=1, padding=1)  # grey erosion
    target = torch.where(amount > 0, thick, thin)
    return torch.lerp(x, target, amount.abs())


def augment(x: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """x: (N, 1, 28, 28) float in [0, 1] -> augmented batch, same shape and range."""
    return random_affine(random_thickness(x, cfg, generator), cfg, generator)
