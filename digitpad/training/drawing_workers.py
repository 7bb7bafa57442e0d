"""Drawing training pictures on every core: a long list of digits or drawings split into contiguous chunks,
each drawn by a process of its own (spawned: the parent may hold torch's threads), the results in order.

Each item must be drawn from its own random generator or from draws fixed beforehand, so that the pictures do
not depend on how many processes drew them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

PER_WORKER = 1_000  # items a process is worth starting for (a process starts in about 2 s)


def draw_in_processes(draw: Callable[[Sequence, int], Any], items: Sequence, workers: int) -> list:
    """`draw(chunk, first)` for contiguous chunks of `items` (`first`: the chunk's first index), in up to
    `workers` processes (one per PER_WORKER items at most; one chunk is drawn here): the results, in order.
    `draw` must be a module-level function (it is pickled by name)."""
    chunks = max(1, min(workers, len(items) // PER_WORKER + 1))
    bounds = [len(items) * k // chunks for k in range(chunks + 1)]
    jobs = [(items[a:b], a) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    if len(jobs) == 1:
        return [draw(*jobs[0])]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        return pool.starmap(draw, jobs)
