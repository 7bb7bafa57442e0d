"""The line reader: a whole row of digits read at once, without cutting it first (CTC).

A picture's line of digits is normalised into a strip 32 px high (`number.line_strip`: the median
digit ~20 px high, the baseline levelled, MNIST's stroke width) of any width. A small convolutional
network reads the strip and gives, for every 2 px of its width (a frame), the probabilities of
"0" ... "9" and "blank" (nothing there, or between two digits). Trained with CTC (Graves et al.
2006) on lines composed from MNIST training digits (`training.line_training`), it learns where digits
are and what they are together, so digits that touch are read without finding where to cut them
(a convolution-only network with CTC reads digit strings as well as a recurrent one: Zhan, Lyu and
Lu, ICPR 2018).

Greedy decoding: the best class in each frame, repeats merged, blanks dropped. Each digit found
keeps the frame where it was surest (its peak), so the caller can cut the line between peaks.

    strip float (N, 1, 32, W) ink in [0, 1] -> LineNet -> log-probabilities (N, W/2, 11)
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.checkpoint import LINE_READER_WEIGHTS, load_weights
from digitpad.mnist_format import MNIST_MEAN, MNIST_STD, NUM_CLASSES
from digitpad.read.line_decode import RIVALS_UP_TO, SCALES, FoundDigit, greedy_decode, readings

STRIP_HEIGHT = 32  # px
STRIP_LINE = 20  # px: the median digit's height in the strip (MNIST's 20 px box)
FRAME = 2  # strip px per output frame: a thin "11" still gets two peaks with a blank between
ARCHITECTURE = "linenet"


@dataclass
class LineNetConfig:
    widths: tuple[int, int, int, int] = (32, 48, 64, 96)
    dilations: tuple[int, ...] = (1, 2, 4)  # 1-D convolutions over the width after the 2-D ones, 5 frames wide
    dropout: float = 0.1


def block(c_in: int, c_out: int, pool: tuple[int, int]) -> nn.Sequential:
    """conv 3x3 -> max-pool `pool` -> batch norm -> ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(pool), nn.BatchNorm2d(c_out), nn.ReLU(True)
    )


class LineNet(nn.Module):
    """(N, 1, 32, W) -> log-probabilities (N, W/2, 11). Height is pooled away faster than width (32 -> 1
    over four blocks, W -> W/2 in the first); then dilated 1-D convolutions over the width give each frame
    about 60 px of context, three digits: enough to tell "11" from a wide "1", or where a digit ends."""

    def __init__(self, config: LineNetConfig | None = None):
        super().__init__()
        self.config = config or LineNetConfig()
        w1, w2, w3, w4 = self.config.widths
        self.features = nn.Sequential(
            block(1, w1, (2, 2)),  # (N, w1, 16, W/2)
            block(w1, w2, (2, 1)),  # (N, w2, 8, W/2)
            block(w2, w3, (2, 1)),  # (N, w3, 4, W/2)
            block(w3, w4, (4, 1)),  # (N, w4, 1, W/2)
        )
        layers: list[nn.Module] = []
        for d in self.config.dilations:
            layers += [nn.Conv1d(w4, w4, 5, padding=2 * d, dilation=d, bias=False), nn.BatchNorm1d(w4), nn.ReLU(True)]
        self.context = nn.Sequential(*layers, nn.Dropout(self.config.dropout))
        self.head = nn.Conv1d(w4, NUM_CLASSES + 1, 1)

    def forward(self, strips: torch.Tensor) -> torch.Tensor:
        x = (strips - MNIST_MEAN) / MNIST_STD
        x = self.features(x).squeeze(2)  # (N, w4, W/2)
        x = self.head(self.context(x))  # (N, 11, W/2)
        return x.transpose(1, 2).log_softmax(-1)


def frames(width: int | torch.Tensor) -> int | torch.Tensor:
    """Output frames for a strip `width` px wide."""
    return width // FRAME


def build_line_net(name: str, config: dict) -> LineNet:
    fields = dict(config or {})
    for key in ("widths", "dilations"):  # JSON gives lists
        if key in fields:
            fields[key] = tuple(fields[key])
    return LineNet(LineNetConfig(**fields))


def line_net_config(model: LineNet) -> dict:
    return asdict(model.config)


class LineReader:
    """A trained LineNet. `read(strip)` -> the digits found; thread-safe."""

    def __init__(self, model: LineNet, metadata: dict):
        self.model = model.eval()
        self.metadata = metadata
        # measured on validation numbers when it was trained (`training.line_training.tune`): its share when its
        # reading of a digit is combined with the digit classifier's (`number.combine`), where across a digit its
        # peak sits, and the combined confidence under which a digit is marked unsure
        self.weight: float = float(metadata.get("ctc_weight", 0.5))
        self.peak_at: float = float(metadata.get("peak_at", 0.5))
        self.unsure_below: float = float(metadata.get("unsure_below", 0.6))

    @torch.inference_mode()
    def log_probs(self, strip: np.ndarray) -> np.ndarray:
        """float (32, W) ink in [0, 1] -> (W/2, 11) log-probabilities."""
        x = torch.from_numpy(np.array(strip, np.float32))[None, None]
        return self.model(x)[0].numpy()

    def read(self, strip: np.ndarray) -> list[FoundDigit]:
        return greedy_decode(self.log_probs(strip))

    @torch.inference_mode()
    def rivals(self, strip: np.ndarray) -> list[tuple[list[FoundDigit], float]]:
        """The greedy reading, then readings with a digit fewer or more that come close to it (the strip read
        at a few widths), each with its mean CTC log-likelihood (`line_decode.readings`)."""
        base = self.log_probs(strip)
        greedy = greedy_decode(base)
        if not 0 < len(greedy) <= RIVALS_UP_TO:
            return [(greedy, 0.0)]  # nothing read, or a row of marks longer than any number: no rivals
        x = torch.from_numpy(np.array(strip, np.float32))[None, None]
        widths = [max(2 * FRAME, round(strip.shape[1] * s)) for s in SCALES[1:]]
        batch = torch.zeros(len(widths), 1, STRIP_HEIGHT, max(widths))  # the other widths in one batch, padded
        for k, w in enumerate(widths):  # with paper as in training
            batch[k, :, :, :w] = F.interpolate(x, size=(STRIP_HEIGHT, w), mode="bilinear", align_corners=False)[0]
        others = self.model(batch).numpy() if widths else []
        return readings([base] + [lp[: frames(w)] for lp, w in zip(others, widths, strict=True)])


def load_line_reader(path: Path | str = LINE_READER_WEIGHTS) -> LineReader:
    model, meta = load_weights(path, build_line_net, {ARCHITECTURE: LineNet}, ("format", "architecture", "config"))
    return LineReader(model, meta)


@functools.cache
def bundled_line_reader() -> LineReader:
    """The bundled line reader (`weights/line-reader.safetensors`), loaded once."""
    return load_line_reader()
