"""A training run in TensorBoard: `python -m digitpad train --tensorboard runs/NAME`, then
`tensorboard --logdir runs`.

Scalars at every evaluation (losses and accuracies on the training, validation and test
images, learning rate, images/s); at the end, the confusion matrix and the first layer's
filters as images. Written through `torch.utils.tensorboard`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch.nn.functional as F
from torch.utils.tensorboard import SummaryWriter

from digitpad.model import filter_images, first_layer_filters
from digitpad.training.engine import Progress
from digitpad.training.plots import confusion_figure

FILTER_SCALE = 8  # 5x5 kernels are written as 40x40 images


class TensorBoardLog:
    def __init__(self, logdir: str | Path):
        self.writer = SummaryWriter(str(logdir))

    def add(self, event: Progress) -> None:
        """Scalars for an "eval" event; other events are ignored."""
        if event.kind != "eval":
            return
        scalars = {
            "loss/train": event.train_eval_loss,
            "loss/validation": event.val_loss,
            "loss/test": event.test_loss,
            "accuracy/train": event.train_eval_acc,
            "accuracy/validation": event.val_acc,
            "accuracy/test": event.test_acc,
            "loss/train_batches": event.train_loss,  # running loss of the batches since the last evaluation
            "learning_rate": event.lr,
            "images_per_s": event.images_per_s,
        }
        for tag, value in scalars.items():
            if value is not None:
                self.writer.add_scalar(tag, value, global_step=event.step)

    def finish(self, final: Progress, confusion: np.ndarray | None) -> None:
        """The selected model's confusion matrix and first-layer filters, then close the log."""
        if confusion is not None:
            self.writer.add_figure("confusion_matrix", confusion_figure(confusion), global_step=final.step)
        if final.model is not None:
            images = filter_images(first_layer_filters(final.model)).unsqueeze(1)  # (K, 1, kh, kw)
            images = F.interpolate(images, scale_factor=FILTER_SCALE, mode="nearest")
            self.writer.add_images("filters/first_layer", images, global_step=final.step)
        self.close()

    def close(self) -> None:
        self.writer.close()


def read_scalars(logdir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value), ...] from the event files in `logdir` (for tests and notebooks)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}
