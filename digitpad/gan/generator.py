"""`Generator` is the public face: `sample(digits, seed)` and `interpolate(digit, seed_a, seed_b, steps)`
return uint8 pictures, white on black like MNIST.

The checks (`check_seed`, `check_digits`, `requested_digits`) turn a bad request into a `GenerateError`
with a sentence; `load_generator` refuses a weights file that does not fit (`WeightsError`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.checkpoint import BUNDLED_GENERATOR, WeightsError, load_weights, save_checkpoint
from digitpad.gan.networks import GANS, build_gan_part
from digitpad.mnist_format import IMAGE_SIZE, NUM_CLASSES

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes 64-bit seeds
MAX_SAMPLES = 10_000  # pictures per call to `sample`
RENDER_BATCH = 500  # pictures per forward pass (bounds memory)


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
        if x.shape[-1] != IMAGE_SIZE:  # a network that draws at another size (64x64, say)
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
        Each column shares its z (one style across the digits); a network that cannot be asked for a digit
        (`conditional = False`) gets a z per picture instead."""
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
