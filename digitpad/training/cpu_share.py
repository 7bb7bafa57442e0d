"""How many CPU threads a server-side training run takes at each step, so that the live pad keeps a core.

On a CPU a run trains on every core while nobody draws, and on all but one while someone does
(`training_threads`, asked before every step; the pad's live reader calls `note_drawing` for each message).
Every core is kept only while it trains faster than one fewer (`StepThreads`): on a machine whose cores are busy
with other work, threads that wait for each other lose.
"""

from __future__ import annotations

import time

import numpy as np

from digitpad.training.device import physical_cores

DRAWING_RECENT_S = 5.0  # the pad sends every 60 ms while the pen moves; a pause this long between digits is rare
_last_drawing = -DRAWING_RECENT_S  # time.monotonic() of the pad's last live message


def note_drawing() -> None:
    """Someone is drawing now (the pad's live reader calls this for every message)."""
    global _last_drawing
    _last_drawing = time.monotonic()


def someone_drawing() -> bool:
    return time.monotonic() - _last_drawing < DRAWING_RECENT_S


def training_threads() -> int:
    """CPU threads for a server-side run: every core this process may use while nobody is drawing; all but one
    (at least 1) within DRAWING_RECENT_S of a live drawing, so that the live reading keeps a core while a run
    trains (on a CPU basic Space: 2 threads, 1 while someone draws)."""
    return max(1, physical_cores() - 1) if someone_drawing() else physical_cores()


class StepThreads:
    """The threads for each step of one server run (the engine asks before every step): `training_threads`,
    except that while nobody draws, every core and one fewer are each timed for TRIAL steps (the time between two
    asks is one step), and the faster is kept until RETRY steps later. Threads that must wait for each other lose
    on cores busy with other work: on a 2-core machine shared with other people's jobs, Retrain with the defaults
    took 48-58 s on 2 threads and 14-17 s on 1."""

    TRIAL = 8
    RETRY = 100

    def __init__(self) -> None:
        self.seconds: dict[int, list[float]] = {}  # threads -> the last steps' durations
        self.asked, self.last, self.current = 0, None, None

    def __call__(self) -> int:
        now = time.perf_counter()
        if self.last is not None and self.current is not None:
            self.seconds.setdefault(self.current, []).append(now - self.last)
        self.last, self.asked = now, self.asked + 1
        if self.asked % self.RETRY == 0:
            self.seconds.clear()  # the machine may have changed: time both again
        self.current = self.choose()
        return self.current

    def choose(self) -> int:
        wanted, fewer = training_threads(), max(1, physical_cores() - 1)
        if wanted == fewer:  # someone draws, or one core
            return wanted
        untried = [n for n in (wanted, fewer) if len(self.seconds.get(n, [])) < self.TRIAL]
        if untried:
            return untried[0]
        return min((wanted, fewer), key=lambda n: float(np.median(self.seconds[n][-self.TRIAL :])))
