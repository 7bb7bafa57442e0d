"""The networks, by name.

Each takes normalised images (N, 1, 28, 28) float and returns logits (N, classes): 10, or 11 for the guard.

- `lenet5`: the seed document's network, exactly.
- `digitnet`: the default. Three conv blocks with batch norm; reads one image in under half
  a millisecond on a 2-core CPU and scores 99.6% on MNIST's test set.
- `digitnet-ensemble`: a few DigitNets trained apart, read as one (the digit guard); weights files only, not
  something the Train tab trains.

`to_input` is the one normalisation from uint8 pictures to what they take (training, reading, judging).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from digitpad.mnist_format import NUM_CLASSES

DEFAULT_MODEL = "digitnet"
# Images per forward pass when reading many: 256 reads MNIST's 15,000 validation and test images in half the time
# 2,000 does on a 2-core CPU (0.85 s vs 1.8 s for the quick recipe's network; bigger batches' activations, 100 MB
# a layer at 2,000, spill out of the caches), on one thread or two; the figures are the same.
INFERENCE_BATCH = 256


def to_input(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 (N, 28, 28) -> normalised float (N, 1, 28, 28)."""
    return (images.unsqueeze(1).float() / 255 - mean) / std


@torch.no_grad()
def probabilities(model: nn.Module, images: torch.Tensor, mean: float, std: float, bf16: bool = False) -> torch.Tensor:
    """uint8 (N, 28, 28) -> probabilities (N, classes) on CPU, INFERENCE_BATCH images a pass, in eval mode (the
    model's mode is kept); no images: one empty pass, (0, classes). `bf16`: autocast (a training run's live views)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    probs = []
    for start in range(0, max(len(images), 1), INFERENCE_BATCH):
        x = to_input(images[start : start + INFERENCE_BATCH].to(device), mean, std)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(x.contiguous(memory_format=torch.channels_last))
        probs.append(torch.softmax(logits.float(), dim=1).cpu())
    model.train(was_training)
    return torch.cat(probs)


@dataclass
class LeNet5Config:
    dropout: float = 0.0  # the seed has none; the Train tab can add some before each hidden FC layer
    classes: int = NUM_CLASSES


class LeNet5(nn.Module):
    """conv 1->6 5x5, pool, conv 6->16 5x5, pool, FC 256->120->84->10 (classes), ReLU."""

    def __init__(self, config: LeNet5Config | None = None):
        super().__init__()
        self.config = config or LeNet5Config()
        self.conv1 = nn.Conv2d(1, 6, 5)  # 28 -> 24, pool -> 12
        self.conv2 = nn.Conv2d(6, 16, 5)  # 12 -> 8, pool -> 4
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, self.config.classes)
        self.dropout = nn.Dropout(self.config.dropout)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) -> the penultimate layer (N, 84), after its ReLU."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, 6, 12, 12)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, 16, 4, 4)
        x = torch.flatten(x, 1)  # (N, 256)
        x = F.relu(self.fc1(self.dropout(x)))
        return F.relu(self.fc2(self.dropout(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(self.features(x))


@dataclass
class DigitNetConfig:
    widths: tuple[int, int, int] = (24, 48, 96)
    hidden: int = 128
    dropout: float = 0.25
    classes: int = NUM_CLASSES


def conv_block(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """conv -> 2x2 max-pool -> batch norm -> ReLU: (N, c_in, H, W) -> (N, c_out, H/2, W/2).

    Pooling straight after the conv means batch norm and ReLU touch a quarter of the
    pixels (max-pool commutes with the ReLU; batch norm sees pooled statistics).
    """
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class DigitNet(nn.Module):
    """conv5x5 -> pool -> conv3x3 -> pool -> conv3x3 -> pool -> FC -> FC."""

    def __init__(self, config: DigitNetConfig | None = None):
        super().__init__()
        self.config = config or DigitNetConfig()
        w1, w2, w3 = self.config.widths
        self.features = nn.Sequential(
            conv_block(1, w1, 5),  # (N, w1, 14, 14)
            conv_block(w1, w2, 3),  # (N, w2, 7, 7)
            conv_block(w2, w3, 3),  # (N, w3, 3, 3)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w3 * 3 * 3, self.config.hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(self.config.dropout),
            nn.Linear(self.config.hidden, self.config.classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


@dataclass
class DigitNetEnsembleConfig:
    members: int = 2
    widths: tuple[int, int, int] = (16, 32, 64)  # each member's DigitNetConfig
    hidden: int = 128
    dropout: float = 0.25
    classes: int = NUM_CLASSES


class DigitNetEnsemble(nn.Module):
    """`members` DigitNets, each trained on its own (another seed), read as one: their probabilities averaged, as
    deep ensembles are (Lakshminarayanan et al. 2017). It returns the log of that mean (N, classes), so that a
    softmax of its output is the mean, like any network's logits."""

    def __init__(self, config: DigitNetEnsembleConfig | None = None):
        super().__init__()
        self.config = config or DigitNetEnsembleConfig()
        member = DigitNetConfig(self.config.widths, self.config.hidden, self.config.dropout, self.config.classes)
        self.members = nn.ModuleList(DigitNet(member) for _ in range(self.config.members))

    @classmethod
    def of(cls, members: list[DigitNet]) -> DigitNetEnsemble:
        """The ensemble of trained DigitNets (of one config), their weights copied."""
        if not members:
            raise ValueError("an ensemble needs at least one member")
        first = members[0].config
        ensemble = cls(DigitNetEnsembleConfig(len(members), first.widths, first.hidden, first.dropout, first.classes))
        for mine, theirs in zip(ensemble.members, members, strict=True):
            mine.load_state_dict(theirs.state_dict())
        return ensemble

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        log_probs = torch.stack([F.log_softmax(member(x).float(), dim=1) for member in self.members])  # (K, N, C)
        return torch.logsumexp(log_probs, dim=0) - math.log(len(self.members))


# name -> (network class, its config class): the networks one trains (Train tab, CLI)
MODELS: dict[str, tuple[type[nn.Module], type]] = {
    "lenet5": (LeNet5, LeNet5Config),
    "digitnet": (DigitNet, DigitNetConfig),
}
# ... and every network a weights file may hold
ARCHITECTURES: dict[str, tuple[type[nn.Module], type]] = {
    **MODELS,
    "digitnet-ensemble": (DigitNetEnsemble, DigitNetEnsembleConfig),
}


def build_model(name: str, config: dict | None = None) -> nn.Module:
    """Build a network by registry name (`ARCHITECTURES`), with an optional config given as a plain dict."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    model_class, config_class = ARCHITECTURES[name]
    fields = dict(config or {})
    if "widths" in fields:  # JSON turns tuples into lists
        fields["widths"] = tuple(fields["widths"])
    try:
        return model_class(config_class(**fields))
    except TypeError as e:
        raise ValueError(f"bad config for model {name!r}: {e}") from e


def first_layer_filters(model: nn.Module) -> torch.Tensor:
    """The first convolution's kernels, averaged over input channels: float (K, kh, kw), on CPU."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        raise ValueError(f"{type(model).__name__} has no convolution")
    return conv.weight.detach().float().mean(1).cpu()


def filter_images(filters: torch.Tensor) -> torch.Tensor:
    """Kernels (K, kh, kw) -> greys in [0, 1]: 0.5 for a zero weight, each kernel scaled by its largest |weight|
    (white: the kernel likes ink there, black: it dislikes it)."""
    top = filters.abs().amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)
    return 0.5 + 0.5 * filters / top


def model_config(model: nn.Module) -> dict:
    return asdict(model.config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
