"""How many threads a server-side run trains on: every core until someone draws, and only while it is faster."""

import os

import pytest

from digitpad.training import cpu_share


@pytest.mark.parametrize("cores, idle, drawing", [(4, 4, 3), (2, 2, 1), (1, 1, 1)])
def test_server_runs_use_every_core_until_someone_draws(cores, idle, drawing, monkeypatch):
    from digitpad.training.cpu_share import DRAWING_RECENT_S, note_drawing, training_threads

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(cpu_share, "_last_drawing", -DRAWING_RECENT_S)
    clock = [1000.0]
    monkeypatch.setattr(cpu_share.time, "monotonic", lambda: clock[0])
    assert training_threads() == idle  # nobody has drawn
    note_drawing()
    assert training_threads() == drawing  # the live reading keeps a core
    clock[0] += DRAWING_RECENT_S + 0.1
    assert training_threads() == idle  # the pen has rested: every core again


def test_step_threads_keep_every_core_only_while_it_trains_faster(monkeypatch):
    from digitpad.training.cpu_share import DRAWING_RECENT_S, StepThreads, note_drawing

    monkeypatch.setattr(cpu_share, "physical_cores", lambda: 2)
    monkeypatch.setattr(cpu_share, "_last_drawing", -DRAWING_RECENT_S)
    clock = [0.0]
    monkeypatch.setattr(cpu_share.time, "perf_counter", lambda: clock[0])
    step_seconds = {2: 0.2, 1: 0.05}  # a busy machine: two threads wait for each other

    def run(threads: StepThreads, steps: int) -> list[int]:
        counts = []
        for _ in range(steps):
            counts.append(threads())
            clock[0] += step_seconds[counts[-1]]
        return counts

    busy = StepThreads()
    counts = run(busy, 40)
    trial = StepThreads.TRIAL
    assert counts[:trial] == [2] * trial and counts[trial : 2 * trial] == [1] * trial  # each timed
    assert set(counts[2 * trial :]) == {1}  # one thread is faster here: kept
    step_seconds.update({2: 0.03, 1: 0.05})  # an idle machine
    idle = StepThreads()
    assert set(run(idle, 40)[2 * trial :]) == {2}
    assert run(idle, StepThreads.RETRY)[-1] == 2  # timed again after RETRY steps, and still faster
    monkeypatch.setattr(cpu_share.time, "monotonic", lambda: 50.0)
    note_drawing()
    assert run(idle, 3) == [1, 1, 1]  # someone draws: the live reading keeps a core, whatever was faster
