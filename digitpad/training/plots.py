"""Pictures for `eval --plots` and TensorBoard: a confusion matrix and a grid of mistakes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from digitpad.mnist_format import NUM_CLASSES  # noqa: E402


def confusion_figure(matrix: np.ndarray) -> plt.Figure:
    """(10, 10) counts, row = true digit, column = predicted -> a heat map with the counts written in."""
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=100)
    # log scale so the few mistakes show beside ~1,000 correct answers per digit
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for t in range(NUM_CLASSES):
        for p in range(NUM_CLASSES):
            if matrix[t, p]:
                color = "white" if t == p else "black"
                ax.text(p, t, str(matrix[t, p]), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    accuracy = 100 * np.trace(matrix) / max(1, matrix.sum())
    ax.set_title(f"Confusion matrix ({accuracy:.2f}% correct)")
    fig.tight_layout()
    return fig


def save_confusion_png(matrix: np.ndarray, path: Path | str) -> None:
    fig = confusion_figure(matrix)
    fig.savefig(path)
    plt.close(fig)


def save_mistakes_png(
    images: torch.Tensor, labels: torch.Tensor, preds: torch.Tensor, path: Path | str, limit: int = 100
) -> None:
    """A grid of misclassified digits, each titled "true -> predicted"."""
    n = min(limit, len(images))
    cols = 10
    rows = max(1, (n + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.0, rows * 1.15), dpi=100, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k].cpu().numpy(), cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"{int(labels[k])}→{int(preds[k])}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
