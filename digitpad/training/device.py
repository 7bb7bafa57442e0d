"""Where a run trains: the device, its threads, and whether it autocasts to bf16."""

from __future__ import annotations

import os

import torch


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
    """bf16 autocast where the hardware does bf16 natively: CUDA, and CPUs with AVX512-BF16 or
    AMX (oneDNN then runs these convolutions ~2x faster); elsewhere bf16 is emulated, slower."""
    if device.type == "cuda":
        return True
    return device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'' if threads == 1 else 's'}{', bf16' if use_bf16(device) else ''})"
    return device.type
