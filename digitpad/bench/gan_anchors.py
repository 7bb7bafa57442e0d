"""Two well-known MNIST GANs, rebuilt in PyTorch as anchors for the benchmark's side-by-side.

- `dcgan`: the PyTorch examples' DCGAN (pytorch/examples, dcgan/main.py, run with
  `--dataset mnist`): unconditional, 64x64 pictures (MNIST resized), nz = 100, ngf = ndf = 64,
  batch norm, weights from N(0, 0.02), BCE, Adam(2e-4, betas 0.5/0.999), batch 64, 25 epochs.
- `keras-cgan`: the Keras example "Conditional GAN" (keras.io, examples/generative/conditional_gan.py):
  z (128) and the one-hot digit into a dense layer, two transposed convs of 128, a 7x7 conv and
  a sigmoid; the critic sees the picture with 10 label channels, two strided convs, global max
  pool; no batch norm, LeakyReLU(0.2), BCE from logits, Adam(3e-4), batch 64, 20 epochs.

Both take (z, digit) like `gan.networks.DigitGenerator`, and their critics return (logit, None) (no
auxiliary digit logits), so that one engine trains all three (the DCGAN ignores the digit).
Deviations from the originals, all small: D ends in a logit and the loss is BCE-with-logits (the
same loss as sigmoid + BCELoss, computed stably); Keras's CGAN step draws fresh z for its G update
where ours reuses the critic step's; Keras trains on train + test digits, ours on the training
split only (test digits are for measuring).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from digitpad.gan.networks import GANS
from digitpad.gan.trainer import GAN_RECIPES, GANRecipe
from digitpad.mnist_format import IMAGE_SIZE, NUM_CLASSES


@dataclass
class DCGANConfig:
    latent: int = 100  # nz
    width: int = 64  # ngf = ndf
    classes: int = NUM_CLASSES  # unused: the DCGAN is unconditional


def dcgan_init(module: nn.Module) -> None:
    """The example's weights_init: convs from N(0, 0.02), batch norm scales from N(1, 0.02), shifts 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """z (N, 100) -> (N, 1, 64, 64) in [-1, 1]: transposed convs 1 -> 4 -> 8 -> 16 -> 32 -> 64."""

    conditional = False  # it cannot be asked for a digit

    def __init__(self, config: DCGANConfig | None = None):
        super().__init__()
        self.config = config = config or DCGANConfig()
        g = config.width

        def up(c_in: int, c_out: int, stride: int = 2, padding: int = 1) -> list[nn.Module]:
            return [nn.ConvTranspose2d(c_in, c_out, 4, stride, padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.main = nn.Sequential(
            *up(config.latent, g * 8, 1, 0),  # (N, 8g, 4, 4)
            *up(g * 8, g * 4),  # 8x8
            *up(g * 4, g * 2),  # 16x16
            *up(g * 2, g),  # 32x32
            nn.ConvTranspose2d(g, 1, 4, 2, 1, bias=False),  # 64x64
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.main(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """(N, 1, 64, 64) -> logit (N,): strided convs 64 -> 32 -> 16 -> 8 -> 4 -> 1."""

    def __init__(self, config: DCGANConfig | None = None):
        super().__init__()
        self.config = config = config or DCGANConfig()
        d = config.width

        def down(c_in: int, c_out: int, norm: bool = True) -> list[nn.Module]:
            layers = [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False)]
            return layers + ([nn.BatchNorm2d(c_out)] if norm else []) + [nn.LeakyReLU(0.2)]

        self.main = nn.Sequential(
            *down(1, d, norm=False),  # 32x32
            *down(d, d * 2),  # 16x16
            *down(d * 2, d * 4),  # 8x8
            *down(d * 4, d * 8),  # 4x4
            nn.Conv2d(d * 8, 1, 4, 1, 0, bias=False),  # 1x1: the logit (the example adds a sigmoid here)
        )
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, None]:
        return self.main(x).flatten(), None  # (logit, no digit logits: see `gan.networks.DigitCritic`)


@dataclass
class KerasCGANConfig:
    latent: int = 128  # latent_dim
    width: int = 128  # the filters of the transposed convs (the critic's are 64 and 128 regardless)
    classes: int = NUM_CLASSES


def keras_init(module: nn.Module) -> None:
    """Keras's defaults: glorot-uniform kernels, zero biases."""
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def keras_label_maps(y: torch.Tensor, classes: int) -> torch.Tensor:
    """The example's label channels, (N,) -> (N, classes, 28, 28), as its code builds them: tf.repeat without an
    axis flattens the one-hot vector, so each digit lights a band of ~78 pixels (in raster order) in every
    channel rather than a whole channel of its own."""
    one_hot = F.one_hot(y, classes).float()  # (N, 10)
    flat = one_hot.repeat_interleave(IMAGE_SIZE * IMAGE_SIZE, dim=1)  # (N, 7840), read as (28, 28, 10) NHWC
    return flat.view(len(y), IMAGE_SIZE, IMAGE_SIZE, classes).permute(0, 3, 1, 2)


class KerasCGANGenerator(nn.Module):
    """[z, one-hot] (N, 138) -> dense 7x7x138 -> transposed convs to 14, 28 -> 7x7 conv -> sigmoid (N, 1, 28, 28)."""

    conditional = True

    def __init__(self, config: KerasCGANConfig | None = None):
        super().__init__()
        self.config = config = config or KerasCGANConfig()
        c_in = config.latent + config.classes
        self.dense = nn.Linear(c_in, 7 * 7 * c_in)
        self.up1 = nn.ConvTranspose2d(c_in, config.width, 4, stride=2, padding=1)  # 7 -> 14
        self.up2 = nn.ConvTranspose2d(config.width, config.width, 4, stride=2, padding=1)  # 14 -> 28
        self.out = nn.Conv2d(config.width, 1, 7, padding=3)
        self.apply(keras_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = torch.cat([z, F.one_hot(y, self.config.classes).to(z.dtype)], dim=1)
        x = F.leaky_relu(self.dense(x), 0.2).view(len(z), -1, 7, 7)
        x = F.leaky_relu(self.up1(x), 0.2)
        x = F.leaky_relu(self.up2(x), 0.2)
        return torch.sigmoid(self.out(x))


class KerasCGANDiscriminator(nn.Module):
    """[picture, label maps] (N, 11, 28, 28) -> conv 64 /2 -> conv 128 /2 -> global max pool -> dense -> logit (N,)."""

    def __init__(self, config: KerasCGANConfig | None = None):
        super().__init__()
        self.config = config = config or KerasCGANConfig()
        self.conv1 = nn.Conv2d(1 + config.classes, 64, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.score = nn.Linear(128, 1)
        self.apply(keras_init)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, None]:
        x = torch.cat([x, keras_label_maps(y, self.config.classes).to(x.dtype)], dim=1)
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        return self.score(x.amax(dim=(2, 3))).squeeze(1), None


# name -> (generator, critic, config class), added to `gan.networks.GANS` by `register()`
ANCHORS: dict[str, tuple[type[nn.Module], type[nn.Module], type]] = {
    "dcgan": (DCGANGenerator, DCGANDiscriminator, DCGANConfig),
    "keras-cgan": (KerasCGANGenerator, KerasCGANDiscriminator, KerasCGANConfig),
}

# the anchors' recipes, with their own hyper-parameters; added to `gan.trainer.GAN_RECIPES` by `register()`
# fmt: skip below: the two recipes as the rows of a table, each beside the other
ANCHOR_RECIPES: dict[str, GANRecipe] = {
    "dcgan": GANRecipe(
        name="dcgan", architecture="dcgan", epochs=25, batch_size=64, lr_generator=2e-4, lr_critic=2e-4,
        betas=(0.5, 0.999), loss="bce", ema=0.0, pixel_range=(-1.0, 1.0), image_size=64,
    ),
    "keras-cgan": GANRecipe(
        name="keras-cgan", architecture="keras-cgan", epochs=20, batch_size=64, lr_generator=3e-4, lr_critic=3e-4,
        betas=(0.9, 0.999), loss="bce", ema=0.0, pixel_range=(0.0, 1.0),
    ),
}  # fmt: skip


def register() -> None:
    """Add the anchors to the product's registries, so that the GAN engine trains them and `load_generator`
    loads their weights (the benchmark, `train-gan --recipe dcgan`, the tests). The product itself never does.
    Calling it again changes nothing."""
    GANS.update(ANCHORS)
    GAN_RECIPES.update(ANCHOR_RECIPES)
