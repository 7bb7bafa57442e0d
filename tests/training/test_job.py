"""A training run as plain data, and the engine's events for it (what a ZeroGPU Space pickles)."""

import pytest

from digitpad.training import job as job_module
from digitpad.training.cpu_share import StepThreads
from digitpad.training.job import Job, StopFile, engine_events, watched_digits


def test_watched_digits_are_two_of_each_from_the_first_half_of_test(mnist):
    images, labels = watched_digits(mnist)
    assert images.shape == (20, 28, 28) and labels.tolist() == [d for d in range(10) for _ in range(2)]


@pytest.mark.slow
def test_a_job_is_plain_data_and_stops_through_its_file(mnist, tmp_path):
    """What ZeroGPU needs (the engine call runs in another process): the job and every event it
    yields survive pickling, and the run stops when its stop file appears."""
    import pickle

    from digitpad.training.recipes import get_recipe

    job = Job(get_recipe("quick", epochs=1), stop_path=str(tmp_path / "stop"))  # 214 steps, a few seconds
    job = pickle.loads(pickle.dumps(job))
    kinds = []
    for event in engine_events(job):
        event = pickle.loads(pickle.dumps(event))
        kinds.append(event.kind)
        if event.kind == "step" and event.step > 1:  # the second step event, a quarter of a second in
            StopFile(job.stop_path).set()
    assert kinds[-1] == "stopped" and event.model is not None and event.step < event.total_steps
    assert kinds.count("step") <= 2 + event.step  # thinned: at most one step event per PROGRESS_SECONDS


def test_engine_events_ask_for_threads_at_every_step_unless_the_job_names_them(monkeypatch, mnist):
    from digitpad.training.recipes import get_recipe

    asked = {}

    def fake_train(*args, **kwargs):
        asked.update(kwargs)
        yield from ()

    monkeypatch.setattr(job_module, "train", fake_train)
    monkeypatch.setattr(job_module, "cached_mnist", lambda: mnist)
    assert list(engine_events(Job(get_recipe("quick")))) == []
    assert isinstance(asked["threads"], StepThreads)  # asked again before every step
    assert list(engine_events(Job(get_recipe("quick"), threads=2))) == [] and asked["threads"] == 2
