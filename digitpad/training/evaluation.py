"""Scoring a network on labelled images: accuracy and loss, the confusion matrix (probabilities: `model.probabilities`).

Used by the engines' evaluations, the CLI's `eval`, the Train tab's final views and the benchmark.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.mnist_format import NUM_CLASSES
from digitpad.model import INFERENCE_BATCH, to_input


@torch.no_grad()
def evaluate(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    mean: float,
    std: float,
    batch_size: int = INFERENCE_BATCH,
    bf16: bool = False,
) -> tuple[float, float, torch.Tensor]:
    """Returns (accuracy %, mean cross-entropy, predictions (N,)). `bf16`: autocast, for live curves."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    loss_sum, preds = 0.0, []
    for i in range(0, len(images), batch_size):
        x = to_input(images[i : i + batch_size].to(device), mean, std)
        y = labels[i : i + batch_size].to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(x.contiguous(memory_format=torch.channels_last)).float()
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        preds.append(logits.argmax(1).cpu())
    model.train(was_training)
    pred = torch.cat(preds)
    acc = (pred == labels.cpu()).float().mean().item() * 100
    return acc, loss_sum / len(images), pred


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    flat = labels.cpu() * NUM_CLASSES + preds.cpu()
    return torch.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES).numpy()
