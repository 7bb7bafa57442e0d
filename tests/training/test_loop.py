"""The loop both engines share (`training.loop.Run`): steps and reshuffles, stop and time checks, counters,
the fields every event has."""

from __future__ import annotations

import threading

import torch

from digitpad.training.loop import Run, Window, spaced_steps


def test_each_epoch_is_a_new_order_of_every_image_and_the_ragged_batch_is_dropped():
    run = Run("cpu", seed=0, threads=None, n=10, batch_size=4, epochs=3)
    assert (run.steps_per_epoch, run.total_steps) == (2, 6)
    batches = [idx for _, idx in run.steps(None, None)]
    assert all(len(b) == 4 for b in batches)
    epochs = [torch.cat(batches[k : k + 2]) for k in (0, 2, 4)]
    assert all(len(set(e.tolist())) == 8 for e in epochs)  # no image twice within an epoch
    assert not torch.equal(epochs[0], epochs[1])  # reshuffled


def test_the_same_seed_gives_the_same_batches():
    def order(seed: int) -> list[list[int]]:
        return [idx.tolist() for _, idx in Run("cpu", seed, None, 100, 10, 2).steps(None, None)]

    assert order(5) == order(5) != order(6)


def test_stop_and_max_seconds_end_the_run_between_steps():
    stop = threading.Event()
    run = Run("cpu", 0, None, 100, 10, 5)
    done = []
    for step, _ in run.steps(stop, None):
        done.append(step)
        if step == 3:
            stop.set()
    assert done == [1, 2, 3]
    timed = Run("cpu", 0, None, 100, 10, 5)
    steps = []
    for step, _ in timed.steps(None, max_seconds=0.0):
        steps.append(step)
    assert steps == []  # no training time left before the first step


def test_counters_fields_and_the_final_event():
    run = Run("cpu", 0, None, 100, 10, 1)
    for step, idx in run.steps(None, None):
        run.window.add(len(idx), run.lap(), loss=2.0 * len(idx), correct=5)
        if step == 4:
            break
    assert run.window.per_image("loss") == 2.0 and run.window.per_step("correct") == 5
    fields = run.fields("step", 4)
    assert fields["epoch"] == 0.4 and fields["total_steps"] == 10 and fields["device"] == "cpu"
    final = run.final_fields(4, finished=False)
    assert final["kind"] == "stopped" and final["message"] == "stopped early" and final["step"] == 4
    assert run.final_fields(10, finished=True)["kind"] == "done"
    run.window.reset()
    assert run.window.images == 0 and run.window.per_step("loss") == 0.0


def test_evaluations_are_spaced_over_the_run_and_end_at_its_end():
    assert spaced_steps(4, 100) == {25, 50, 75, 100}
    run = Run("cpu", 0, None, 1000, 100, 2.5)  # 25 steps
    assert max(run.spaced(2)) == 25 and len(run.spaced(2)) == 5
    assert len(run.spaced(100, at_most=7)) == 7
    assert Window().images_per_s() == 0.0


def test_threads_given_as_a_function_are_asked_before_every_step():
    before = torch.get_num_threads()
    wanted = iter([1, 1, 2, 1, 2, 2, 2])
    seen = []
    try:
        run = Run("cpu", 0, lambda: next(wanted), n=20, batch_size=4, epochs=1)
        seen.append(torch.get_num_threads())
        for _ in run.steps(None, None):
            seen.append(torch.get_num_threads())  # what the step trains on
    finally:
        torch.set_num_threads(before)
    assert seen == [1, 1, 2, 1, 2, 2]
