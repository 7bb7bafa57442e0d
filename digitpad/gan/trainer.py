"""The GAN's training engine: `train_gan()` and its recipes (`GAN_RECIPES`, typed presets).

`train_gan()` is the engine, a generator of `GANProgress` events like `training.engine.train`: a tqdm
bar and the Train tab consume the same stream; `stop` or `max_seconds` end it between steps.
The data stay uint8 tensors on the device; bf16 autocast where it is native and faster (`training.device.use_bf16`).

What it shares with the classifier's engine (seeds, reshuffles, stop and time checks, counters, the final
event) is `training.loop.Run`'s. `GAN_RECIPES` holds the bundled generator's recipe; the benchmark adds its
anchors' (`bench.gan_anchors.register`).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.gan.generator import Generator
from digitpad.gan.networks import build_gan_part
from digitpad.mnist_format import IMAGE_SIZE, NUM_CLASSES
from digitpad.training.data import MNIST
from digitpad.training.device import use_bf16
from digitpad.training.loop import Run


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
}


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


# fmt: skip below: the engines' shared calling convention (`training.engine.train`'s first five) on two lines
def train_gan(
    recipe: GANRecipe, data: MNIST, device: torch.device | str = "cpu", seed: int = 0,
    stop: threading.Event | None = None, max_seconds: float | None = None, threads: int | None = None,
) -> Iterator[GANProgress]:  # fmt: skip
    """Train `recipe`'s GAN on data.train_*; yields GANProgress events, ending with "done", "stopped" or
    "failed" (a loss became NaN). Seeds torch's global generator too (the networks' initial weights).
    The same seed repeats a run on the CPU (in one process, or where bf16 is clearly faster or slower: the choice is
    timed, see `use_bf16`); CUDA's transposed-conv gradients are not deterministic."""
    device = torch.device(device)
    images, labels = data.train_images.to(device), data.train_labels.to(device)
    run = Run(device, seed, threads, len(images), recipe.batch_size, recipe.epochs)
    bf16 = use_bf16(device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    generator = build_gan_part(recipe.architecture, recipe.config, "generator").to(device)
    critic = build_gan_part(recipe.architecture, recipe.config, "critic").to(device)
    ema = copy.deepcopy(generator).eval().requires_grad_(False)
    shipped = ema if recipe.ema > 0 else generator  # what the run hands back
    latent = generator.config.latent
    opt_g = torch.optim.Adam(generator.parameters(), lr=recipe.lr_generator, betas=recipe.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=recipe.lr_critic, betas=recipe.betas)
    sample_steps = run.spaced(recipe.samples_per_epoch)
    last = None

    for step, idx in run.steps(stop, max_seconds):
        real, y_real = real_batch(recipe, images[idx]), labels[idx]
        z = torch.randn(run.batch_size, latent, device=device, generator=run.gen)
        y_fake = torch.randint(0, NUM_CLASSES, (run.batch_size,), device=device, generator=run.gen)
        d_loss, g_loss = gan_step(recipe, generator, critic, opt_g, opt_d, autocast, real, y_real, z, y_fake)
        if recipe.ema > 0:  # warmed up: early on the average would be mostly the random initial weights
            update_ema(ema, generator, min(recipe.ema, (1 + step) / (10 + step)))

        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            yield progress(run, "failed", step, message="training diverged (a loss is NaN or infinite): stopped")
            return
        critic_loss, generator_loss = d_loss.item(), g_loss.item()
        run.window.add(len(idx), run.lap(), critic=critic_loss, generator=generator_loss)
        last = progress(run, "step", step)
        yield last
        if step in sample_steps:
            last = progress(run, "sample", step, grid=sample_grid(shipped, recipe, device))
            yield last
            run.window.reset()

    yield final_event(run, recipe, shipped, data, last, bf16)


def real_batch(recipe: GANRecipe, batch: torch.Tensor) -> torch.Tensor:
    """uint8 digits (B, 28, 28) -> float (B, 1, S, S) in the recipe's pixel range, at its image size S."""
    paper, ink = recipe.pixel_range
    real = paper + (ink - paper) * (batch.unsqueeze(1).float() / 255)
    if recipe.image_size != IMAGE_SIZE:
        real = F.interpolate(real, size=(recipe.image_size, recipe.image_size), mode="bilinear")
    return real


def progress(run: Run, kind: str, step: int, **extra) -> GANProgress:
    """An event of the run so far: its counters and both losses per step since the last sample grid."""
    return GANProgress(
        **run.fields(kind, step),
        critic_loss=run.window.per_step("critic"),
        generator_loss=run.window.per_step("generator"),
        **extra,
    )


def gan_step(
    recipe: GANRecipe,
    generator: nn.Module,
    critic: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    autocast: torch.autocast,
    real: torch.Tensor,
    y_real: torch.Tensor,
    z: torch.Tensor,
    y_fake: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of each network on a batch of real pictures and one of z's -> (critic loss, generator loss)."""
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
    return d_loss, g_loss


def sample_grid(shipped: nn.Module, recipe: GANRecipe, device: torch.device) -> np.ndarray:
    """The shipped network's sample grid now (on a copy, its batch statistics refreshed)."""
    net = copy.deepcopy(shipped)
    refresh_batch_stats(net, net.config.latent, device, batches=max(1, 4 * IMAGE_SIZE // recipe.image_size))
    return Generator(net, {"config": asdict(net.config), "pixel_range": list(recipe.pixel_range)}).grid()


def final_event(
    run: Run, recipe: GANRecipe, net: nn.Module, data: MNIST, last: GANProgress | None, bf16: bool
) -> GANProgress:
    """The "done" (or "stopped") event: the shipped network, its batch statistics refreshed, on the CPU, as a
    `Generator` with the metadata to store beside its weights."""
    finished = last is not None and last.step == run.total_steps
    steps_done = last.step if last else 0
    refresh_batch_stats(net, net.config.latent, run.device, batches=max(2, 20 * (IMAGE_SIZE // recipe.image_size) ** 2))
    net = net.to("cpu").eval()
    metadata = {
        "architecture": recipe.architecture,
        "config": asdict(net.config),
        "pixel_range": list(recipe.pixel_range),
        "conditional": net.conditional,
        **run.metadata(recipe, bf16, steps_done, data),
    }
    return GANProgress(
        **run.final_fields(steps_done, finished),
        critic_loss=last.critic_loss if last else float("nan"),
        generator_loss=last.generator_loss if last else float("nan"),
        generator=Generator(net, metadata),
        metadata=metadata,
    )
