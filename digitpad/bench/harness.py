"""What the benchmark's sections share: the demo they serve, a synthetic pad value, percentiles, and the report's
tables and machine. The running app (`Server`), Chromium's arguments and pad values come from `digitpad.app.served`,
which the tests use too."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from digitpad.app.served import Server, pad_value
from digitpad.training.device import physical_cores


@contextmanager
def served_demo(shared: Server | None, log: Path | None = None) -> Iterator[Server]:
    """The demo a section measures: a `python demo.py` of its own, started now and stopped after (the section's
    figures start from a fresh server), or `shared`, the one server of a run with --one-server."""
    if shared is not None:
        yield shared
        return
    with Server(log=log) as server:
        yield server


def synthetic_pad(size: int, shift: tuple[int, int] = (0, 0)) -> dict:
    """A pad value with a drawn "3", moved by `shift` px."""

    alpha = Image.new("L", (size, size), 0)
    s, (dx, dy) = size / 280, shift
    points = [(80, 60), (180, 50), (120, 135), (190, 190), (90, 230)]
    ImageDraw.Draw(alpha).line(
        [(x * s + dx, y * s + dy) for x, y in points], fill=255, width=int(14 * s), joint="curve"
    )
    return pad_value(np.asarray(alpha))


def percentiles(samples: list[float]) -> dict:
    ms = sorted(x * 1000 for x in samples)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}


def markdown_table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append("| " + " | ".join("" if row.get(k) is None else str(row.get(k)) for k in keys) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {physical_cores()} cores{gpu}; torch {torch.__version__}, Python {platform.python_version()}"
