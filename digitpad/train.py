"""The training engine: one loop for the CLI, the Train tab and the benchmark.

`train()` is a generator of `Progress` events (step, epoch, losses, accuracies, learning
rate, images/s, elapsed seconds). A tqdm bar and live UI curves consume the same stream;
setting the `stop` event (or closing the generator) ends the run between two steps.

The data stays as uint8 tensors on the training device; each batch is indexed, scaled,
augmented and normalised there. No DataLoader, no per-sample Python.
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from digitpad.attack import adversarial_batch
from digitpad.augment import AugmentConfig, augment
from digitpad.data import MNIST
from digitpad.mnist_format import MNIST_MEAN, MNIST_STD, NUM_CLASSES
from digitpad.model import DEFAULT_MODEL, build_model


@dataclass
class Recipe:
    name: str
    model: str = DEFAULT_MODEL
    model_config: dict = field(default_factory=dict)  # overrides of the model's default config
    epochs: float = 1.0
    batch_size: int = 128
    optimizer: str = "adamw"  # "sgd" or "adamw"
    lr: float = 3e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "onecycle"  # "onecycle" or "constant"
    warmup: float = 0.2  # fraction of the steps spent warming up (onecycle)
    label_smoothing: float = 0.0
    augment: bool = False
    mean: float = MNIST_MEAN
    std: float = MNIST_STD
    evals_per_epoch: int = 1  # validation (and test) passes per epoch; more draws finer curves
    augment_config: AugmentConfig = field(default_factory=AugmentConfig)
    # adversarial training (`attack.adversarial_batch`): train on the worst case within attack_eps
    attack_eps: float = 0.0  # L∞ on [0, 1] pixels; 0: ordinary training
    attack_steps: int = 1  # 1: FGSM with a random start (Wong et al. 2020); more: PGD (Madry et al. 2018)
    attack_step_size: float = 0.0
    keep_last: bool = False  # the final weights, not the lowest validation loss (which says nothing of robustness)


RECIPES: dict[str, Recipe] = {
    # What the seed document's code does. It builds StepLR(step_size=7, gamma=0.1) but never
    # calls scheduler.step(), so the learning rate stays 0.01 for all 9 epochs: so does ours.
    "seed": Recipe(
        name="seed", model="lenet5", epochs=9, batch_size=64, optimizer="sgd", lr=0.01, momentum=0.5,
        schedule="constant", mean=0.5, std=0.5,
    ),
    # The fastest route to >= 99.0% test accuracy: digitnet at 2/3 width, one epoch of
    # one-cycle AdamW on batches of 256.
    "quick": Recipe(
        name="quick", model_config={"widths": (16, 32, 64)}, epochs=1, batch_size=256, lr=5e-3, evals_per_epoch=8
    ),
    # The bundled weights: augmentation (affine + stroke thickness), longer one-cycle schedule.
    "best": Recipe(
        name="best", epochs=30, batch_size=128, lr=3e-3, weight_decay=5e-4, label_smoothing=0.05,
        augment=True, evals_per_epoch=1,
    ),
    # The robust weights (weights/digitnet-robust.safetensors): adversarial training against PGD with
    # 3 steps of 0.12 from a random start in the ε = 0.3 ball (Madry et al. 2018, with fewer steps),
    # on a wider digitnet without dropout; the final weights are kept (clean loss does not measure robustness).
    "robust": Recipe(
        name="robust", model_config={"widths": (32, 64, 128), "hidden": 256, "dropout": 0.0}, epochs=12,
        batch_size=128, lr=3e-3, weight_decay=5e-4, attack_eps=0.3, attack_steps=3, attack_step_size=0.12,
        keep_last=True, evals_per_epoch=1,
    ),
    # The generator's judge (weights/lenet5-judge.safetensors): a network of another architecture than the
    # bundled one, never shown to the GAN, whose verdicts and penultimate features score generated digits.
    "judge": Recipe(
        name="judge", model="lenet5", epochs=8, batch_size=128, lr=3e-3, weight_decay=1e-4, augment=True,
        evals_per_epoch=1,
    ),
}  # fmt: skip


def get_recipe(name: str, **overrides) -> Recipe:
    """A copy of a named recipe with some fields changed; None means keep the recipe's value."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    recipe = RECIPES[name]
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides.get("model", recipe.model) != recipe.model:
        overrides["model_config"] = {}  # the recipe's config was for its own model
    return replace(recipe, **overrides)


def pick_device(requested: str = "auto") -> torch.device:
    """CUDA > MPS > CPU, unless a device is asked for."""
    if requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("CUDA was asked for but no CUDA device is available")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def physical_cores() -> int:
    """Threads for CPU training: one per core we may use (hyper-threads do not help convs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass
class Progress:
    kind: str  # "step", "eval" (after a validation pass), then "done", "stopped" or "failed"
    step: int
    total_steps: int
    epoch: float  # fractional epochs done
    lr: float
    train_loss: float  # mean over the steps since the last evaluation
    train_acc: float  # percent
    images_per_s: float
    elapsed_s: float  # training seconds, evaluation excluded
    val_acc: float | None = None
    val_loss: float | None = None
    test_acc: float | None = None
    test_loss: float | None = None
    train_eval_acc: float | None = None  # on (a fixed sample of) the training images, scored like the test set
    train_eval_loss: float | None = None
    time_to_99_s: float | None = None  # training seconds until test accuracy first reached 99.0%
    watch_probs: torch.Tensor | None = None  # on "eval": probabilities (N, 10) for the `watch` images
    model: nn.Module | None = None  # on "done"/"stopped": the selected network, eval mode, on CPU
    test_predictions: torch.Tensor | None = None  # on "done"/"stopped": its digit for each test image
    metadata: dict | None = None  # on "done"/"stopped": what to store beside the weights
    message: str = ""
    device: str = ""  # where the run trains: "cpu", "cuda", "mps"


def to_input(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 (N, 28, 28) -> normalised float (N, 1, 28, 28)."""
    return (images.unsqueeze(1).float() / 255 - mean) / std


@torch.no_grad()
def evaluate(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    mean: float,
    std: float,
    batch_size: int = 2000,
    bf16: bool = False,
) -> tuple[float, float, torch.Tensor]:
    """Returns (accuracy %, mean cross-entropy, predictions (N,)). `bf16`: autocast, for live curves."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    loss_sum, preds = 0.0, []
    for i in range(0, len(images), batch_size):
        x = to_input(images[i : i + batch_size].to(device), mean, std)
        y = labels[i : i + batch_size].to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(x.contiguous(memory_format=torch.channels_last)).float()
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        preds.append(logits.argmax(1).cpu())
    model.train(was_training)
    pred = torch.cat(preds)
    acc = (pred == labels.cpu()).float().mean().item() * 100
    return acc, loss_sum / len(images), pred


@torch.no_grad()
def probabilities(model: nn.Module, images: torch.Tensor, mean: float, std: float, bf16: bool = False) -> torch.Tensor:
    """uint8 (N, 28, 28) -> probabilities (N, 10) on CPU, in eval mode (the model's mode is kept)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x = to_input(images.to(device), mean, std).contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        probs = torch.softmax(model(x).float(), dim=1).cpu()
    model.train(was_training)
    return probs


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    flat = labels.cpu() * NUM_CLASSES + preds.cpu()
    return torch.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES).numpy()


def learning_rate(recipe: Recipe, step: int, total_steps: int) -> float:
    if recipe.schedule == "constant":
        return recipe.lr
    warm = max(1, int(recipe.warmup * total_steps))
    if step < warm:  # linear warm-up from lr/10, then cosine down to ~0
        return recipe.lr * (0.1 + 0.9 * step / warm)
    t = (step - warm) / max(1, total_steps - warm)
    return recipe.lr * 0.5 * (1 + math.cos(math.pi * t))


def make_optimizer(recipe: Recipe, model: nn.Module) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay
        )
    if recipe.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    raise ValueError(f"unknown optimizer {recipe.optimizer!r}")


SAMPLE_SEED = 1234  # fixed samples (a training subset, the live-curve samples) are the same in every run
MAX_EVALS = 50  # evaluations per run at most: a long run on 100 images would otherwise evaluate every step


def fixed_sample(count: int, size: int | None) -> torch.Tensor:
    """Indices of a fixed random sample of `size` out of `count` (all of them, in order, for None).

    The same seed every time, so a sample means the same images in every run."""
    if size is None or size >= count:
        return torch.arange(count)
    return torch.randperm(count, generator=torch.Generator().manual_seed(SAMPLE_SEED))[:size].sort().values


def spaced_steps(count: int, total_steps: int) -> set[int]:
    """`count` steps evenly spaced over a run of `total_steps`, the last one at its end (when to evaluate)."""
    return {round(k * total_steps / count) for k in range(1, count + 1)}


def train(
    recipe: Recipe,
    data: MNIST,
    device: torch.device | str = "cpu",
    seed: int = 0,
    stop: threading.Event | None = None,
    eval_test: bool = True,
    max_seconds: float | None = None,
    torch_compile: bool = False,
    threads: int | None = None,
    train_subset: int | None = None,
    live_eval: int | None = None,
    watch: torch.Tensor | None = None,
    initial_state: dict[str, torch.Tensor] | None = None,
) -> Iterator[Progress]:
    """Train `recipe.model` on data.train_*; yields Progress events, ending with "done" or "stopped".

    The returned model is the one with the lowest validation loss (test accuracy is
    reported, never used to choose); its final figures are scored in fp32 on the whole
    validation and test sets. `max_seconds` caps training time; `train_subset` trains on a
    fixed random sample of N training images; `live_eval` scores only fixed samples of N
    training, validation and test images at each evaluation (fast live curves); `watch`
    (uint8 (N, 28, 28)) is read by the model at every evaluation (the Train tab's live guesses);
    `initial_state` starts from those weights instead of a fresh initialisation (fine-tuning).
    """
    device = torch.device(device)
    if device.type == "cpu":
        torch.set_num_threads(threads or physical_cores())
    torch.manual_seed(seed)
    gen = torch.Generator(device=device).manual_seed(seed)
    data = data.to(device)
    images, labels = data.train_images, data.train_labels
    if train_subset:
        keep = fixed_sample(len(images), train_subset).to(device)
        images, labels = images[keep], labels[keep]
    # what each evaluation scores: fixed samples (live curves) or everything
    n = len(images)

    def sample_of(count: int, size: int | None) -> torch.Tensor | None:
        """Indices of a split's fixed sample; None for the whole split (nothing to copy)."""
        return None if size is None or size >= count else fixed_sample(count, size).to(device)

    sample = {
        "train": sample_of(n, live_eval or len(data.val_images)),
        "val": sample_of(len(data.val_images), live_eval),
        "test": sample_of(len(data.test_images), live_eval),
    }
    bf16 = use_bf16(device)

    # channels_last: oneDNN's CPU convolutions and pooling are ~2x faster in it, and so are cuDNN's
    model = build_model(recipe.model, recipe.model_config)
    if initial_state is not None:
        model.load_state_dict(initial_state)
    model = model.to(device, memory_format=torch.channels_last)
    step_fn = torch.compile(model) if torch_compile else model
    optimizer = make_optimizer(recipe, model)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    batch_size = min(recipe.batch_size, n)
    steps_per_epoch = max(1, n // batch_size)  # drop the ragged last batch
    total_steps = max(1, round(recipe.epochs * steps_per_epoch))
    # evaluations evenly spaced over the run, the last one at its end; at most MAX_EVALS of them
    evals = max(1, min(MAX_EVALS, math.ceil(recipe.evals_per_epoch * total_steps / steps_per_epoch)))
    eval_steps = spaced_steps(evals, total_steps)
    start = datetime.now(UTC)

    best_val_loss, best_state = float("inf"), None
    time_to_99 = None
    elapsed = 0.0  # training seconds only
    window_loss, window_correct, window_seen, window_time = 0.0, 0, 0, 0.0
    order = torch.empty(0, dtype=torch.long, device=device)
    model.train()
    last = None

    def snapshot(kind: str, step: int, **extra) -> Progress:
        return Progress(
            kind=kind,
            step=step,
            total_steps=total_steps,
            epoch=step / steps_per_epoch,
            lr=optimizer.param_groups[0]["lr"],
            train_loss=window_loss / max(1, window_seen),
            train_acc=100 * window_correct / max(1, window_seen),
            images_per_s=window_seen / max(window_time, 1e-9),
            elapsed_s=elapsed,
            time_to_99_s=time_to_99,
            device=device.type,
            **extra,
        )

    def score(split: str, bf16: bool = bf16, whole: bool = False) -> tuple[float, float, torch.Tensor]:
        """(accuracy %, loss, predictions) on a split's live sample, or on the whole split."""
        split_images, split_labels = {
            "train": (images, labels),
            "val": (data.val_images, data.val_labels),
            "test": (data.test_images, data.test_labels),
        }[split]
        index = None if whole else sample[split]
        if index is not None:
            split_images, split_labels = split_images[index], split_labels[index]
        return evaluate(model, split_images, split_labels, recipe.mean, recipe.std, bf16=bf16)

    for step in range(1, total_steps + 1):
        if stop is not None and stop.is_set():
            break
        if max_seconds is not None and elapsed >= max_seconds:
            break
        t0 = time.perf_counter()
        i = (step - 1) % steps_per_epoch
        if i == 0:  # new epoch: reshuffle
            order = torch.randperm(n, device=device, generator=gen)
        idx = order[i * batch_size : (i + 1) * batch_size]
        x = images[idx].unsqueeze(1).float() / 255  # (B, 1, 28, 28) in [0, 1]
        y = labels[idx]
        if recipe.augment:
            x = augment(x, recipe.augment_config, gen)
        if recipe.attack_eps > 0:
            with autocast:
                x = adversarial_batch(
                    step_fn, x, y, recipe.attack_eps, recipe.attack_steps, recipe.attack_step_size,
                    recipe.mean, recipe.std, gen,
                )  # fmt: skip
        x = ((x - recipe.mean) / recipe.std).contiguous(memory_format=torch.channels_last)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(recipe, step - 1, total_steps)
        with autocast:
            logits = step_fn(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=recipe.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if not torch.isfinite(loss):
            last = snapshot("failed", step, message="training diverged (loss is NaN or infinite): stopped")
            yield last
            return
        # .item() syncs with the device, which we need anyway to time the step honestly
        window_loss += loss.item() * len(y)
        window_correct += (logits.argmax(1) == y).sum().item()
        window_seen += len(y)
        dt = time.perf_counter() - t0
        window_time += dt
        elapsed += dt
        yield snapshot("step", step)

        if step in eval_steps:
            train_acc, train_loss, _ = score("train")
            val_acc, val_loss, _ = score("val")
            test_acc, test_loss = score("test")[:2] if eval_test else (None, None)
            if time_to_99 is None and test_acc is not None and test_acc >= 99.0:
                time_to_99 = elapsed
            # Model selection by validation loss (smoother than accuracy), never by test.
            if val_loss <= best_val_loss:
                best_val_loss = val_loss
                best_state = copy.deepcopy(model.state_dict())
            watch_probs = None if watch is None else probabilities(model, watch, recipe.mean, recipe.std, bf16)
            last = snapshot(
                "eval", step, val_acc=val_acc, val_loss=val_loss, test_acc=test_acc, test_loss=test_loss,
                train_eval_acc=train_acc, train_eval_loss=train_loss, watch_probs=watch_probs,
            )  # fmt: skip
            yield last
            window_loss, window_correct, window_seen, window_time = 0.0, 0, 0, 0.0

    finished = last is not None and last.step == total_steps and last.kind == "eval"
    # else stopped before the first evaluation, or the recipe keeps the final weights: keep what we have
    if best_state is not None and not recipe.keep_last:
        model.load_state_dict(best_state)
    # the selected model's figures, in fp32: its training sample, the whole validation and test sets
    train_acc, train_loss, _ = score("train", bf16=False)
    val_acc, val_loss, _ = score("val", bf16=False, whole=True)
    test_acc, test_loss, test_preds = score("test", bf16=False, whole=True) if eval_test else (None, None, None)
    model = model.to("cpu", memory_format=torch.contiguous_format).eval()
    metadata = {
        "architecture": recipe.model,
        "config": asdict(model.config),
        "normalization": {"mean": recipe.mean, "std": recipe.std},
        **run_metadata(recipe, seed, start, device, bf16, elapsed, last.step if last else 0, n, data),
        "val_acc": val_acc,
        "test_acc": test_acc,
        "time_to_99_s": time_to_99,
    }
    yield Progress(
        kind="done" if finished else "stopped",
        step=last.step if last else 0,
        total_steps=total_steps,
        epoch=(last.step if last else 0) / steps_per_epoch,
        lr=optimizer.param_groups[0]["lr"],
        train_loss=last.train_loss if last else float("nan"),
        train_acc=last.train_acc if last else float("nan"),
        images_per_s=(last.step if last else 0) * batch_size / max(elapsed, 1e-9),
        elapsed_s=elapsed,
        val_acc=val_acc,
        val_loss=val_loss,
        test_acc=test_acc,
        test_loss=test_loss,
        train_eval_acc=train_acc,
        train_eval_loss=train_loss,
        time_to_99_s=time_to_99,
        model=model,
        test_predictions=test_preds,
        metadata=metadata,
        message="done" if finished else "stopped early",
        device=device.type,
    )


def run_metadata(
    recipe, seed: int, start: datetime, device: torch.device, bf16: bool, seconds: float, steps: int,
    train_images: int, data: MNIST,
) -> dict:  # fmt: skip
    """What a weights file says of the run that made it (this engine's and the GAN's): the recipe (a
    dataclass with a `name`) and its hyper-parameters, seed, date, device, seconds, steps, data."""
    return {
        "recipe": recipe.name,
        "hyperparameters": {k: v for k, v in asdict(recipe).items() if k != "name"},
        "seed": seed,
        "date": start.isoformat(timespec="seconds"),
        "device": device_description(device),
        "autocast_bf16": bf16,
        "train_seconds": round(seconds, 2),
        "steps": steps,
        "train_images": train_images,
        "data_md5": data.checksums,
    }


def use_bf16(device: torch.device) -> bool:
    """bf16 autocast where the hardware does bf16 natively: CUDA, and CPUs with AVX512-BF16 or
    AMX (oneDNN then runs these convolutions ~2x faster); elsewhere bf16 is emulated, slower."""
    if device.type == "cuda":
        return True
    return device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads{', bf16' if use_bf16(device) else ''})"
    return device.type
