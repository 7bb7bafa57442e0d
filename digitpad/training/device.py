"""Where a run trains: the device, its threads, and whether it autocasts to bf16."""

from __future__ import annotations

import functools
import os
import statistics
import threading
import time

import torch

from digitpad.mnist_format import NUM_CLASSES


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


def use_bf16(device: torch.device) -> bool:
    """bf16 autocast on CUDA, and on a CPU where oneDNN does bf16 natively (AVX512-BF16 or AMX) and a training
    step is measurably faster in it (`cpu_bf16_is_faster`): whole runs were ~1.8x faster in bf16 on an AMD EPYC
    with AVX512-BF16, and 1.3x slower on an Intel Xeon with AVX512-BF16 and no AMX. Elsewhere bf16 is emulated."""
    if device.type == "cuda":
        return True
    return (
        device.type == "cpu"
        and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        and cpu_bf16_is_faster(torch.get_num_threads())
    )


BF16_MARGIN = 0.9  # bf16 must take at most this share of fp32's step time: its rounding is only worth clear speed
_timing = threading.Lock()  # one timing at a time: the server's warm-up and a first Retrain would slow each other


@functools.cache
def cpu_bf16_is_faster(threads: int, batch: int = 256, pairs: int = 8) -> bool:
    """Times training steps (forward, backward) of the `quick` recipe's network on a random batch of the Train
    tab's size, fp32 and bf16 autocast in turn (so a busy moment slows both), on `threads` threads: True if bf16's
    median takes at most BF16_MARGIN of fp32's. Measured once per process and thread count (~1 s on 2 cores; a
    server's warm-up measures it before the first visitor's run); the global random state is left as it was, so
    seeded runs stay seeded. The same answer serves the GAN's engine (its networks are not timed)."""
    from digitpad.model import build_model  # the networks, only when a CPU run asks
    from digitpad.training.recipes import RECIPES

    quick = RECIPES["quick"]
    inputs = torch.Generator().manual_seed(0)
    with _timing, torch.random.fork_rng(devices=[]):  # the network's initial weights draw from the global generator
        model = build_model(quick.model, quick.model_config).to(memory_format=torch.channels_last)
        x = torch.randn(batch, 1, 28, 28, generator=inputs).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, NUM_CLASSES, (batch,), generator=inputs)
        old_threads = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            seconds = {False: [], True: []}
            for pair in range(max(pairs, 1) + 1):  # the first pair warms oneDNN up and is not counted
                for bf16 in (False, True):
                    step = step_seconds(model, x, y, bf16)
                    if pair:
                        seconds[bf16].append(step)
        finally:
            torch.set_num_threads(old_threads)
    return statistics.median(seconds[True]) <= BF16_MARGIN * statistics.median(seconds[False])


def step_seconds(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, bf16: bool) -> float:
    """Seconds of one forward and backward pass of `model` on (x, y), in fp32 or under bf16 autocast."""
    start = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = torch.nn.functional.cross_entropy(model(x).float(), y)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start


def device_description(device: torch.device, bf16: bool) -> str:
    """What a run trained on, for the Train tab and the weights' metadata: "cpu (2 threads, bf16)" (`bf16`: the
    run autocast to bf16)."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'' if threads == 1 else 's'}{', bf16' if bf16 else ''})"
    return device.type
