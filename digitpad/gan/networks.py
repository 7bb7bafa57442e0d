"""Generate: a class-conditional GAN that writes MNIST digits on request.

The generator G turns a latent vector z (64 numbers drawn from N(0, 1)) and a digit into a
28x28 picture; the critic D scores (picture, digit) pairs as real or made. The networks are
the InfoGAN paper's MNIST pair (Chen et al. 2016: two fully connected and two conv layers each,
batch norm), small enough to train in minutes on a CPU. What makes the digits come on request,
varied, and steadily:

- D sees the digit by projection (the dot product of a digit embedding with its features,
  Miyato & Koyama 2018), and names it too (an auxiliary classifier, Odena et al. 2017, at a
  tenth of the weight: G is rewarded when D reads its picture as the digit asked for);
- G sees the digit as an embedding beside z and in the batch norm of its conv layer;
- the original (non-saturating) GAN loss, Adam(2e-4, betas 0.5/0.999), batches of 64;
- an exponential moving average (EMA, 0.999) of G's weights is what ships, its batch norm
  statistics recomputed for the averaged weights.

What was tried first, on validation digits, and dropped: a spectral-norm critic (SNGAN's recipe:
hinge loss, no batch norm). With a summed 7x7 feature map its scores for real digits ran away
(D(real) ~ 20-50, G learnt nothing); averaged, G drew digit-like strokes but ignored the digit;
with the auxiliary classifier at full weight it drew the digit asked for but one style per
digit (diversity 0.33-0.59 of real; Fréchet distance 168 after 1,900 steps). The batch-norm pair
reached 12.2 after 1,100 steps with diversity 0.82-1.04 (13.6 with the hinge loss instead).

The registry `GANS` names the networks a weights file may hold (`build_gan_part` builds one).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from digitpad.mnist_format import NUM_CLASSES


@dataclass
class GANConfig:
    latent: int = 64  # z's size
    width: int = 64  # G: 2w channels at 7x7, w at 14x14; D mirrors it
    hidden: int = 256  # G's fully connected layer (InfoGAN's 1024 made a 27 MB file, over the Hub's 10 MB for git)
    critic_hidden: int = 1024  # D's
    classes: int = NUM_CLASSES
    embed: int = 16  # G's digit embedding, beside z


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose scale and shift are looked up by digit: (N, C, H, W), (N,) -> (N, C, H, W)."""

    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Embedding(classes, channels)
        self.shift = nn.Embedding(classes, channels)
        nn.init.ones_(self.scale.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * self.scale(y)[:, :, None, None] + self.shift(y)[:, :, None, None]


class DigitGenerator(nn.Module):
    """z (N, latent), digit (N,) -> picture (N, 1, 28, 28) in [-1, 1] (-1 is paper, 1 is ink).

    [z, embed(digit)] -> FC 256 -> FC 2w x 7 x 7 -> transposed conv -> 14x14 -> transposed conv -> 28x28 -> tanh
    (the InfoGAN paper's MNIST generator, with the digit as an input and in the batch norm of the conv layer)."""

    conditional = True  # it draws the digit asked for

    def __init__(self, config: GANConfig | None = None):
        super().__init__()
        self.config = config = config or GANConfig()
        w = config.width
        self.embed = nn.Embedding(config.classes, config.embed)
        self.fc = nn.Sequential(
            nn.Linear(config.latent + config.embed, config.hidden, bias=False),
            nn.BatchNorm1d(config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, 2 * w * 7 * 7, bias=False),
            nn.BatchNorm1d(2 * w * 7 * 7),
            nn.ReLU(),
        )
        self.up1 = nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False)  # 7 -> 14
        self.norm1 = ConditionalBatchNorm(w, config.classes)
        self.up2 = nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1)  # 14 -> 28

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = self.fc(torch.cat([z, self.embed(y).to(z.dtype)], 1)).view(len(z), -1, 7, 7)  # (N, 2w, 7, 7)
        x = F.relu(self.norm1(self.up1(x), y))  # (N, w, 14, 14)
        return torch.tanh(self.up2(x))  # (N, 1, 28, 28)


class DigitCritic(nn.Module):
    """picture (N, 1, 28, 28) in [-1, 1], digit (N,) -> (score (N,): high for real pairs, digit logits (N, 10)).

    conv -> 14x14 -> conv -> 7x7 -> FC 1024 = h, then linear(h) + <embed(digit), h> (the projection
    discriminator, Miyato & Koyama 2018) and a linear read of the digit (the auxiliary classifier)."""

    def __init__(self, config: GANConfig | None = None):
        super().__init__()
        self.config = config = config or GANConfig()
        w = config.width
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1),  # (N, w, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1, bias=False),  # (N, 2w, 7, 7)
            nn.BatchNorm2d(2 * w),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * w * 7 * 7, config.critic_hidden, bias=False),
            nn.BatchNorm1d(config.critic_hidden),
            nn.LeakyReLU(0.2),
        )
        self.score = nn.Linear(config.critic_hidden, 1)
        self.embed = nn.Embedding(config.classes, config.critic_hidden)
        nn.init.normal_(self.embed.weight, 0, 0.02)
        self.classify = nn.Linear(config.critic_hidden, config.classes)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)  # (N, critic_hidden)
        return self.score(h).squeeze(1) + (self.embed(y) * h).sum(1), self.classify(h)


# name -> (generator, critic, config class): the engine trains any of them, `load_generator` loads any of them.
# Only the bundled GAN is here; the benchmark registers its anchors from outside (`bench.gan_anchors.register`).
GANS: dict[str, tuple[type[nn.Module], type[nn.Module], type]] = {
    "cgan": (DigitGenerator, DigitCritic, GANConfig),
}


def build_gan_part(architecture: str, config: dict | None, part: str = "generator") -> nn.Module:
    """The generator or the critic of a registered GAN, from its config as a plain dict."""
    if architecture not in GANS:
        raise ValueError(f"unknown GAN {architecture!r}; choose one of {', '.join(GANS)}")
    generator_class, critic_class, config_class = GANS[architecture]
    try:
        config = config_class(**dict(config or {}))
    except TypeError as e:
        raise ValueError(f"bad config for GAN {architecture!r}: {e}") from e
    return (generator_class if part == "generator" else critic_class)(config)
