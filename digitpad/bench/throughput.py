"""The `throughput` section: images/s scoring the 10k test set, peak memory, FLOPs per image, and the
fraction of what this CPU's measured matmul FLOP/s would allow.
"""

from __future__ import annotations

import resource
import time

import torch
from torch import nn

from digitpad.bench.training import ExamplesNet
from digitpad.mnist_format import MNIST_MEAN, MNIST_STD
from digitpad.model import build_model, to_input
from digitpad.read.classifier import load_classifier
from digitpad.training.data import MNIST
from digitpad.training.device import physical_cores


def flops_per_image(model: nn.Module) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros(1, 1, 28, 28))
    return counter.get_total_flops()


def matmul_flops_per_s() -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    t0 = time.perf_counter()
    for _ in range(5):
        torch.mm(a, b)
    return 5 * 2 * 2048**3 / (time.perf_counter() - t0)


def throughput_row(name: str, model: nn.Module, images: torch.Tensor, peak_flops: float) -> dict:
    model = model.eval().to(memory_format=torch.channels_last)
    x = to_input(images, MNIST_MEAN, MNIST_STD).contiguous(memory_format=torch.channels_last)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with torch.inference_mode():
        for chunk in x[:2000].split(1000):  # warm-up
            model(chunk)
        t0 = time.perf_counter()
        for chunk in x.split(1000):
            model(chunk)
        seconds = time.perf_counter() - t0
    flops = flops_per_image(model)
    per_s = len(x) / seconds
    return {
        "model": name,
        "images_per_s": round(per_s),
        "test_set_seconds": round(seconds, 3),
        "mflops_per_image": round(flops / 1e6, 2),
        "attainable_images_per_s": round(peak_flops / flops),
        "fraction_of_matmul_peak": round(per_s * flops / peak_flops, 3),
        "peak_rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1),
    }


def throughput_section(data: MNIST, images: int = 10_000) -> list[dict]:
    """Images per second, in batches of 1,000, of the bundled model and two anchors on the first `images` test
    images (the whole test set; fewer in the tests' smoke run)."""
    torch.set_num_threads(physical_cores())
    peak = matmul_flops_per_s()
    bundled = load_classifier()
    test = data.test_images[:images]
    rows = [throughput_row(f"digitpad bundled ({bundled.name})", bundled.model, test, peak)]
    rows.append(throughput_row("examples net", ExamplesNet(), test, peak))
    rows.append(throughput_row("lenet5 (seed)", build_model("lenet5"), test, peak))
    for row in rows:
        row["matmul_gflops_per_s"] = round(peak / 1e9, 1)
    return rows
