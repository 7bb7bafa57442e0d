"""Weights files: safetensors with JSON metadata. Loading never unpickles anything.

Metadata (all strings, as safetensors wants) says what the file is and how it was made:
architecture and config, normalisation, recipe and hyper-parameters, seed, date, device,
training seconds, validation and test accuracy, and the MNIST checksums.

The bundled weights files are found (`find_weights_dir`: in the installed package, else the checkout) and named
here, once: the classifier, its robust sibling, the digit guard, the Number tab's line reader, the generator, and the
benchmark's independent judge.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from digitpad.model import ARCHITECTURES, build_model


def find_weights_dir() -> Path:
    """Where the bundled weights are: inside the package when it is installed (the wheel carries `weights/` as
    `digitpad/weights`), else the checkout's `weights/` beside the package."""
    package = Path(__file__).resolve().parent
    installed = package / "weights"
    return installed if installed.is_dir() else package.parent / "weights"


WEIGHTS_DIR = find_weights_dir()
BUNDLED_WEIGHTS = WEIGHTS_DIR / "digitnet.safetensors"  # the default classifier (recipe `best`)
ROBUST_WEIGHTS = WEIGHTS_DIR / "digitnet-robust.safetensors"  # adversarially trained (recipe `robust`)
LINE_READER_WEIGHTS = WEIGHTS_DIR / "line-reader.safetensors"  # the Number tab's CTC line reader (`read.line_reader`)
GUARD_WEIGHTS = WEIGHTS_DIR / "digit-guard.safetensors"  # "a digit at all?" (`training.digit_guard`)
BUNDLED_GENERATOR = WEIGHTS_DIR / "generator.safetensors"  # the conditional GAN's generator (recipe `cgan`)
JUDGE_WEIGHTS = WEIGHTS_DIR / "lenet5-judge.safetensors"  # generated digits' independent judge (recipe `judge`)
FORMAT = "digitpad/1"
REQUIRED_METADATA = ("format", "architecture", "config", "normalization")


class WeightsError(ValueError):
    """A weights file that cannot be used, with the file and the reason in the message."""


def save_checkpoint(model: nn.Module, path: Path | str, architectures: Mapping = ARCHITECTURES, **metadata) -> Path:
    """Write weights and metadata (which must name the `architecture`, a key of `architectures`) atomically:
    temp file, then rename."""
    if metadata.get("architecture") not in architectures:
        raise ValueError(f"metadata must name the architecture, one of {', '.join(architectures)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT}
    meta.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()})
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a weights file is for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def decode_metadata(meta: dict[str, str]) -> dict:
    """Strings back to values where they hold JSON (numbers, dicts, null)."""
    decoded = {}
    for key, value in meta.items():
        try:
            decoded[key] = json.loads(value)
        except json.JSONDecodeError:
            decoded[key] = value
    return decoded


def load_weights(
    path: Path | str,
    build: Callable[[str, dict], nn.Module] = build_model,
    architectures: Mapping = ARCHITECTURES,
    required: tuple[str, ...] = REQUIRED_METADATA,
) -> tuple[nn.Module, dict]:
    """A weights file -> (network in eval mode, metadata), the network made by `build(architecture, config)`.

    Raises `WeightsError`, naming the file, for a missing or unreadable file, metadata lacking a `required`
    key, an architecture outside `architectures`, weights whose names or shapes do not fit, or NaN."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw_meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise WeightsError(f"{path}: not a readable safetensors file ({e})") from e
    missing = [k for k in required if k not in raw_meta]
    if missing:
        raise WeightsError(f"{path}: metadata lacks {', '.join(missing)} (not a digitpad weights file)")
    if raw_meta["format"] != FORMAT:
        raise WeightsError(f"{path}: format {raw_meta['format']!r}, expected {FORMAT!r}")
    meta = decode_metadata(raw_meta)
    if meta["architecture"] not in architectures:
        raise WeightsError(f"{path}: unknown architecture {meta['architecture']!r}")
    try:
        model = build(meta["architecture"], meta["config"])
        model.load_state_dict(tensors, strict=True)
    except (ValueError, RuntimeError, TypeError) as e:
        first = str(e).strip().splitlines()
        raise WeightsError(f"{path}: weights do not fit {meta['architecture']}: {' '.join(first[:3])}") from e
    if not all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):
        raise WeightsError(f"{path}: weights contain NaN or infinity")
    return model.eval(), meta


def load_checkpoint(path: Path | str) -> tuple[nn.Module, dict]:
    """Load a classifier's weights file into a fresh network in eval mode; returns (model, metadata)."""
    model, meta = load_weights(path)
    norm = meta["normalization"]
    numbers = isinstance(norm, dict) and all(isinstance(norm.get(k), (int, float)) for k in ("mean", "std"))
    if not numbers or norm["std"] <= 0:
        raise WeightsError(f"{path}: normalization metadata must be {{'mean': float, 'std': float > 0}}, got {norm!r}")
    return model, meta
