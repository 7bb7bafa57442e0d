"""Work shared out among the machine's cores, for the reference tests that redraw all 10,000 MNIST test digits
(one core does it in over a minute; the test suite otherwise leaves the second core mostly idle)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor


def map_on_every_core(function: Callable, items: Sequence) -> list:
    """[function(item) for item in items], computed by one forked process per core, in the items' order.

    `function` must be importable by name (a module-level function) and must not use PyTorch: the processes
    are forked from the test session, whose PyTorch threads do not survive a fork."""
    workers = len(os.sched_getaffinity(0))
    if workers == 1 or len(items) < 2:
        return [function(item) for item in items]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (8 * workers))))
