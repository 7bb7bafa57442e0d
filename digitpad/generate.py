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

`train_gan()` is the engine, a generator of `GANProgress` events like `train.train`: a tqdm
bar and the Train tab consume the same stream; `stop` or `max_seconds` end it between steps.
The data stay uint8 tensors on the device; bf16 autocast where the hardware has it.

`Generator` is the public face: `sample(digits, seed)` and `interpolate(digit, seed_a, seed_b, steps)`
return uint8 pictures, white on black like MNIST.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.checkpoint import WeightsError, load_weights, save_checkpoint
from digitpad.data import MNIST
from digitpad.gan_anchors import ANCHORS
from digitpad.mnist_format import IMAGE_SIZE, NUM_CLASSES
from digitpad.train import physical_cores, run_metadata, spaced_steps, use_bf16

BUNDLED_GENERATOR = Path(__file__).resolve().parent.parent / "weights" / "generator.safetensors"
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes 64-bit seeds
MAX_SAMPLES = 10_000  # pictures per call to `sample`
RENDER_BATCH = 500  # pictures per forward pass (bounds memory)


# ---------------------------------------------------------------------------- the networks


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


# name -> (generator, critic, config class): the engine trains any of them (the anchors: `gan_anchors`)
GANS: dict[str, tuple[type[nn.Module], type[nn.Module], type]] = {
    "cgan": (DigitGenerator, DigitCritic, GANConfig),
    **ANCHORS,
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


# ---------------------------------------------------------------------------- the engine


@dataclass
class GANRecipe:
    name: str = "cgan"
    architecture: str = "cgan"
    config: dict = field(default_factory=dict)  # overrides of the architecture's default config
    epochs: float = 5.0
    batch_size: int = 64
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "bce"  # "bce" (the original GAN loss, non-saturating for G) or "hinge"
    aux_weight: float = 0.1  # the auxiliary digit loss (critics that name the digit: cgan)
    ema: float = 0.999  # decay of the shipped EMA of G's weights; 0: ship G itself
    pixel_range: tuple[float, float] = (-1.0, 1.0)  # what G's output and D's input span (paper, ink)
    image_size: int = 28  # what G draws and D sees; MNIST is resized to it (the DCGAN's 64)
    samples_per_epoch: int = 1  # sample grids (the "sample" events) per epoch


GAN_RECIPES: dict[str, GANRecipe] = {
    "cgan": GANRecipe(),  # the bundled generator
    # the benchmark's anchors (see `gan_anchors`), with their own hyper-parameters
    "dcgan": GANRecipe(
        name="dcgan", architecture="dcgan", epochs=25, batch_size=64, lr_generator=2e-4, lr_critic=2e-4,
        betas=(0.5, 0.999), loss="bce", ema=0.0, pixel_range=(-1.0, 1.0), image_size=64,
    ),
    "keras-cgan": GANRecipe(
        name="keras-cgan", architecture="keras-cgan", epochs=20, batch_size=64, lr_generator=3e-4, lr_critic=3e-4,
        betas=(0.9, 0.999), loss="bce", ema=0.0, pixel_range=(0.0, 1.0),
    ),
}  # fmt: skip


@dataclass
class GANProgress:
    kind: str  # "step", "sample" (a grid from the current EMA generator), then "done", "stopped" or "failed"
    step: int
    total_steps: int
    epoch: float
    critic_loss: float  # mean over the steps since the last sample
    generator_loss: float
    images_per_s: float
    elapsed_s: float  # training seconds, sampling excluded
    grid: np.ndarray | None = None  # on "sample": uint8 (10 * 28, 10 * 28): a row per digit, fixed seeds
    generator: Generator | None = None  # on "done"/"stopped"
    metadata: dict | None = None
    message: str = ""
    device: str = ""


def gan_loss(kind: str, real_scores: torch.Tensor | None, fake_scores: torch.Tensor) -> torch.Tensor:
    """The critic's loss (with `real_scores`) or the generator's (None)."""
    if kind == "hinge":
        if real_scores is None:
            return -fake_scores.mean()
        return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
    if kind == "bce":
        if real_scores is None:
            return F.softplus(-fake_scores).mean()  # -log sigmoid(D(G(z))): the non-saturating loss
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
    raise ValueError(f"unknown GAN loss {kind!r}")


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.lerp_(p, 1 - decay)
    for e, b in zip(ema.buffers(), model.buffers(), strict=True):
        e.copy_(b)


@torch.no_grad()
def refresh_batch_stats(net: nn.Module, latent: int, device: torch.device, batches: int = 20) -> None:
    """Batch norm's running statistics recomputed for `net`'s own weights, over `batches` batches of 500
    (the EMA weights never ran in training mode, so the statistics G gathered do not quite fit them)."""
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a plain average over the batches below
    gen = torch.Generator(device=device).manual_seed(0)
    net.train()
    for _ in range(batches):
        y = torch.arange(500, device=device) % NUM_CLASSES
        net(torch.randn(500, latent, device=device, generator=gen), y)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    net.eval()


def train_gan(
    recipe: GANRecipe,
    data: MNIST,
    device: torch.device | str = "cpu",
    seed: int = 0,
    stop: threading.Event | None = None,
    max_seconds: float | None = None,
    threads: int | None = None,
) -> Iterator[GANProgress]:
    """Train `recipe`'s GAN on data.train_*; yields GANProgress events, ending with "done", "stopped" or
    "failed" (a loss became NaN). Seeds torch's global generator too (the networks' initial weights).
    The same seed repeats a run on the CPU; CUDA's transposed-conv gradients are not deterministic."""
    device = torch.device(device)
    if device.type == "cpu":
        torch.set_num_threads(threads or physical_cores())
    torch.manual_seed(seed)
    gen = torch.Generator(device=device).manual_seed(seed)
    images, labels = data.train_images.to(device), data.train_labels.to(device)
    n = len(images)
    bf16 = use_bf16(device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    paper, ink = recipe.pixel_range

    generator = build_gan_part(recipe.architecture, recipe.config, "generator").to(device)
    critic = build_gan_part(recipe.architecture, recipe.config, "critic").to(device)
    ema = copy.deepcopy(generator).eval().requires_grad_(False)
    shipped = ema if recipe.ema > 0 else generator  # what the run hands back
    latent = generator.config.latent
    opt_g = torch.optim.Adam(generator.parameters(), lr=recipe.lr_generator, betas=recipe.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=recipe.lr_critic, betas=recipe.betas)

    batch_size = min(recipe.batch_size, n)
    steps_per_epoch = max(1, n // batch_size)
    total_steps = max(1, round(recipe.epochs * steps_per_epoch))
    samples = max(1, math.ceil(recipe.samples_per_epoch * total_steps / steps_per_epoch))
    sample_steps = spaced_steps(samples, total_steps)
    start = datetime.now(UTC)
    elapsed, window = 0.0, [0.0, 0.0, 0, 0.0]  # critic loss, generator loss, steps, seconds
    order = torch.empty(0, dtype=torch.long, device=device)
    last = None

    def grid() -> np.ndarray:
        """The shipped network's sample grid now (on a copy, its batch statistics refreshed)."""
        net = copy.deepcopy(shipped)
        refresh_batch_stats(net, latent, device, batches=max(1, 4 * IMAGE_SIZE // recipe.image_size))
        return Generator(net, {"config": asdict(net.config), "pixel_range": list(recipe.pixel_range)}).grid()

    def snapshot(kind: str, step: int, **extra) -> GANProgress:
        steps = max(1, window[2])
        return GANProgress(
            kind=kind, step=step, total_steps=total_steps, epoch=step / steps_per_epoch,
            critic_loss=window[0] / steps, generator_loss=window[1] / steps,
            images_per_s=window[2] * batch_size / max(window[3], 1e-9), elapsed_s=elapsed, device=device.type,
            **extra,
        )  # fmt: skip

    for step in range(1, total_steps + 1):
        if (stop is not None and stop.is_set()) or (max_seconds is not None and elapsed >= max_seconds):
            break
        t0 = time.perf_counter()
        i = (step - 1) % steps_per_epoch
        if i == 0:
            order = torch.randperm(n, device=device, generator=gen)
        idx = order[i * batch_size : (i + 1) * batch_size]
        real = paper + (ink - paper) * (images[idx].unsqueeze(1).float() / 255)  # (B, 1, 28, 28)
        if recipe.image_size != IMAGE_SIZE:
            real = F.interpolate(real, size=(recipe.image_size, recipe.image_size), mode="bilinear")
        y_real = labels[idx]
        z = torch.randn(batch_size, latent, device=device, generator=gen)
        y_fake = torch.randint(0, NUM_CLASSES, (batch_size,), device=device, generator=gen)

        # the critic: real pairs up, made pairs down, real digits named (one G forward serves both steps)
        with autocast:
            fake = generator(z, y_fake)
            real_score, real_logits = critic(real, y_real)
            fake_score, _ = critic(fake.detach(), y_fake)
            d_loss = gan_loss(recipe.loss, real_score.float(), fake_score.float())
            if real_logits is not None:
                d_loss = d_loss + recipe.aux_weight * F.cross_entropy(real_logits.float(), y_real)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # the generator: make the critic score its pairs up, and read them as the digit asked for
        with autocast:
            fake_score, fake_logits = critic(fake, y_fake)
            g_loss = gan_loss(recipe.loss, None, fake_score.float())
            if fake_logits is not None:
                g_loss = g_loss + recipe.aux_weight * F.cross_entropy(fake_logits.float(), y_fake)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        if recipe.ema > 0:  # warmed up: early on the average would be mostly the random initial weights
            update_ema(ema, generator, min(recipe.ema, (1 + step) / (10 + step)))

        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            yield snapshot("failed", step, message="training diverged (a loss is NaN or infinite): stopped")
            return
        window[0] += d_loss.item()
        window[1] += g_loss.item()
        window[2] += 1
        dt = time.perf_counter() - t0
        window[3] += dt
        elapsed += dt
        last = snapshot("step", step)
        yield last
        if step in sample_steps:
            last = snapshot("sample", step, grid=grid())
            yield last
            window = [0.0, 0.0, 0, 0.0]

    finished = last is not None and last.step == total_steps
    net = shipped
    refresh_batch_stats(net, latent, device, batches=max(2, 20 * (IMAGE_SIZE // recipe.image_size) ** 2))
    net = net.to("cpu").eval()
    metadata = {
        "architecture": recipe.architecture,
        "config": asdict(net.config),
        "pixel_range": list(recipe.pixel_range),
        "conditional": net.conditional,
        **run_metadata(recipe, seed, start, device, bf16, elapsed, last.step if last else 0, n, data),
    }
    steps_done = last.step if last else 0
    yield GANProgress(
        kind="done" if finished else "stopped", step=steps_done, total_steps=total_steps,
        epoch=steps_done / steps_per_epoch, critic_loss=last.critic_loss if last else float("nan"),
        generator_loss=last.generator_loss if last else float("nan"),
        images_per_s=steps_done * batch_size / max(elapsed, 1e-9), elapsed_s=elapsed,
        generator=Generator(net, metadata), metadata=metadata, message="done" if finished else "stopped early",
        device=device.type,
    )  # fmt: skip


# ---------------------------------------------------------------------------- the public face


class GenerateError(ValueError):
    """A request the generator cannot fulfil (digit, count, seed); the message says why."""


def check_seed(seed: object) -> int:
    """A seed as an int in 0..MAX_SEED, or GenerateError."""
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise GenerateError(f"the seed must be a whole number, not {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise GenerateError(f"the seed must be between 0 and {MAX_SEED:,}, not {seed:,}")
    return int(seed)


def check_digits(digits: object) -> list[int]:
    """Digits to draw as a list of ints in 0-9, or GenerateError."""
    if isinstance(digits, (int, np.integer)) and not isinstance(digits, bool):
        digits = [digits]
    if isinstance(digits, np.ndarray):
        digits = digits.tolist()
    if not isinstance(digits, Sequence) or isinstance(digits, (str, bytes)):
        raise GenerateError(f"digits must be a list of whole numbers from 0 to 9, not {type(digits).__name__}")
    if not 1 <= len(digits) <= MAX_SAMPLES:
        raise GenerateError(f"ask for 1 to {MAX_SAMPLES} digits at a time, not {len(digits)}")
    for d in digits:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < NUM_CLASSES:
            raise GenerateError(f"digits are whole numbers from 0 to 9, not {d!r}")
    return [int(d) for d in digits]


ANY = "any"  # a request for digits of every kind
MAX_COUNT = 64  # digits per request in the Generate tab and its API


def requested_digits(digit: object, count: object, seed: int) -> list[int]:
    """What a request asks for: `count` (1-MAX_COUNT) copies of `digit` (0-9, or "any": digits drawn from
    `seed`, so the same request gives the same digits) -> list of ints, or GenerateError."""
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= MAX_COUNT:
        raise GenerateError(f"ask for 1 to {MAX_COUNT} digits, not {count!r}")
    if digit is None or digit == ANY:
        rng = np.random.default_rng(seed)
        return [int(d) for d in rng.integers(0, NUM_CLASSES, int(count))]
    if isinstance(digit, str) and digit.strip().isdecimal() and digit.strip().isascii():
        digit = int(digit.strip())
    if isinstance(digit, float) and digit.is_integer():
        digit = int(digit)
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < NUM_CLASSES:
        raise GenerateError(f"the digit must be 0 to 9 or {ANY!r}, not {digit!r}")
    return [int(digit)] * int(count)


class Generator:
    """A trained generator (eval mode, CPU) plus its metadata."""

    def __init__(self, net: nn.Module, metadata: dict):
        self.net = net.eval()
        self.metadata = metadata
        self.latent: int = net.config.latent
        self.paper, self.ink = metadata.get("pixel_range", (-1.0, 1.0))
        self.device = next(net.parameters()).device

    def latents(self, count: int, seed: int) -> torch.Tensor:
        """The z's a seed stands for: (count, latent); the first is the seed's "style"."""
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(count, self.latent, generator=gen).to(self.device)

    @torch.inference_mode()
    def render(self, z: torch.Tensor, digits: Sequence[int]) -> np.ndarray:
        """z (N, latent), digits (N,) -> uint8 (N, 28, 28), white on black."""
        y = torch.as_tensor(list(digits), dtype=torch.long, device=self.device)
        x = torch.cat(
            [self.net(z[i : i + RENDER_BATCH], y[i : i + RENDER_BATCH]) for i in range(0, len(z), RENDER_BATCH)]
        )
        if x.shape[-1] != IMAGE_SIZE:  # an anchor that draws at another size (DCGAN: 64x64)
            x = F.interpolate(x.float(), size=(IMAGE_SIZE, IMAGE_SIZE), mode="area")
        unit = ((x.float() - self.paper) / (self.ink - self.paper)).clamp(0, 1)
        return (unit[:, 0] * 255).round().to(torch.uint8).cpu().numpy()

    def sample(self, digits: int | Sequence[int], seed: int | None = None) -> np.ndarray:
        """One picture per requested digit: uint8 (N, 28, 28). The same seed gives the same pictures."""
        digits = check_digits(digits)
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1) if seed is None else seed
        return self.render(self.latents(len(digits), check_seed(seed)), digits)

    def interpolate(self, digit: int, seed_a: int, seed_b: int, steps: int = 8) -> np.ndarray:
        """A walk from seed_a's style to seed_b's (spherical, as z is Gaussian): uint8 (steps, 28, 28).

        The first picture is `sample([digit], seed_a)[0]`, the last `sample([digit], seed_b)[0]`."""
        (digit,) = check_digits([digit])
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 2 <= steps <= 64:
            raise GenerateError(f"a walk has 2 to 64 steps, not {steps!r}")
        a = self.latents(1, check_seed(seed_a))[0]
        b = self.latents(1, check_seed(seed_b))[0]
        angle = torch.arccos((a @ b / (a.norm() * b.norm())).clamp(-1, 1))
        t = torch.linspace(0, 1, steps, device=self.device)[:, None]
        if angle < 1e-4:
            z = a + t * (b - a)
        else:
            z = (torch.sin((1 - t) * angle) * a + torch.sin(t * angle) * b) / torch.sin(angle)
        z[0], z[-1] = a, b  # exactly the seeds' own pictures at the ends (not one rounding away)
        return self.render(z, [digit] * steps)

    def grid(self, seed: int = 0, per_digit: int = 10) -> np.ndarray:
        """A row per digit (0 at the top), `per_digit` pictures each, fixed seeds: uint8 (280, 28 * per_digit).
        Each column shares its z (one style across the digits); a generator that cannot be asked for a digit
        (the DCGAN anchor) gets a z per picture instead."""
        conditional = getattr(self.net, "conditional", True)
        z = (
            self.latents(per_digit, seed).repeat(NUM_CLASSES, 1)
            if conditional
            else self.latents(NUM_CLASSES * per_digit, seed)
        )
        pictures = self.render(z, [d for d in range(NUM_CLASSES) for _ in range(per_digit)])
        rows = pictures.reshape(NUM_CLASSES, per_digit, IMAGE_SIZE, IMAGE_SIZE)
        return rows.transpose(0, 2, 1, 3).reshape(NUM_CLASSES * IMAGE_SIZE, per_digit * IMAGE_SIZE)

    def __repr__(self) -> str:
        return f"Generator({self.metadata.get('architecture')}, latent={self.latent})"


def save_generator(generator: Generator, path: Path | str) -> Path:
    return save_checkpoint(generator.net, path, architectures=GANS, **generator.metadata)


def load_generator(path: Path | str | None = None) -> Generator:
    """The bundled generator, or the safetensors file at `path`; a wrong file raises WeightsError naming it."""
    path = Path(path or BUNDLED_GENERATOR)
    net, metadata = load_weights(path, build_gan_part, GANS, required=("format", "architecture", "config"))
    low_high = metadata.get("pixel_range", [-1.0, 1.0])
    numbers = isinstance(low_high, list) and len(low_high) == 2 and all(isinstance(v, (int, float)) for v in low_high)
    if not (numbers and all(math.isfinite(v) for v in low_high) and low_high[0] != low_high[1]):
        raise WeightsError(
            f"{path}: pixel_range metadata must be [paper, ink], two different numbers, got {low_high!r}"
        )
    return Generator(net, metadata)
