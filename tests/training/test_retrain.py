"""The Train tab's logic without the UI: checks, limits, one run at a time, files."""

import os
import threading
from contextlib import contextmanager

import pytest

from digitpad.checkpoint import load_checkpoint
from digitpad.scratch import keep_newest
from digitpad.training import retrain as retrain_module
from digitpad.training import run_settings
from digitpad.training.retrain import retrain
from digitpad.training.run_settings import RunSettings, defaults_for


@pytest.fixture(autouse=True)
def own_slot(tmp_path, monkeypatch):
    """Each test's training slot and waiting line in its own folder: no other process's runs count."""
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "home"))


def settings(**overrides) -> RunSettings:
    values = {**defaults_for("quick"), "recipe": "quick", "device": "cpu", "epochs": 0.05}
    values.update(overrides)
    return RunSettings(**values)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"epochs": 0}, "Epochs must be between 0.05 and 500, got 0."),
        ({"epochs": float("nan")}, "Epochs must be a number between 0.05 and 500."),
        ({"batch_size": 100_000}, "Batch size must be between 8 and 2048, got 100000."),
        ({"batch_size": 64.5}, "Batch size must be a whole number."),
        ({"lr": None}, "Lr must be a number"),
        ({"lr": 50}, "Lr must be between 1e-06 and 10, got 50."),
        ({"model": "resnet"}, "Unknown model 'resnet'"),
        ({"recipe": "turbo"}, "Unknown recipe 'turbo'"),
        ({"device": "tpu"}, "Device must be auto, cpu or cuda."),
        ({"dropout": 1.5}, "Dropout must be between 0 and 0.9, got 1.5."),
        ({"weight_decay": -1}, "Weight decay must be between 0 and 1, got -1."),
        ({"train_images": 1234}, "Training images must be one of 55,000, 5,000, 500, 100."),
        ({"epochs": 100}, "100 epochs of 55,000 images is too long a run for this demo"),
    ],
)
def test_settings_are_range_checked(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        next(retrain(settings(**overrides), threading.Event()))


def test_training_can_be_disabled(monkeypatch):
    monkeypatch.setenv("DIGITPAD_TRAINING", "0")
    with pytest.raises(ValueError, match="Training is disabled on this deployment"):
        next(retrain(settings(), threading.Event()))


@pytest.mark.slow
def test_a_run_gives_a_classifier_confusion_and_a_weights_file(mnist):
    updates = list(retrain(settings(epochs=0.5), threading.Event()))
    final = updates[-1]
    assert final.done and final.classifier is not None and final.status.startswith("done: test accuracy")
    assert "overfits" not in final.status
    assert final.confusion.shape == (10, 10) and final.confusion.sum() == 10_000
    assert list(final.accuracy.columns) == ["epoch", "accuracy", "set"]
    assert list(final.loss.columns) == ["epoch", "loss", "set"]
    for frame in (final.accuracy, final.loss):
        assert set(frame.set) == {"train", "validation", "test"} and frame.epoch.dtype == float
        assert frame.groupby("set").size().min() >= 2  # 4 evaluations per epoch; this run is half an epoch
    assert final.guesses.probs.shape == (20, 10) and final.guesses.labels.tolist()[:2] == [0, 0]
    assert final.filters.shape == (16, 5, 5)  # quick: digitnet at 2/3 width, 5x5 first layer
    mistakes = final.mistakes
    assert len(mistakes.images) == 12 and (mistakes.labels != mistakes.guesses).all()
    assert list(mistakes.confidence) == sorted(mistakes.confidence, reverse=True)
    _, meta = load_checkpoint(final.weights_file)
    assert meta["recipe"] == "quick" and final.weights_file.name.startswith("digitpad-digitnet-quick-")


@pytest.mark.slow
def test_wall_clock_cap_stops_the_run(mnist):
    final = list(retrain(settings(epochs=30), threading.Event(), max_seconds=5.0))[-1]  # 30 epochs: minutes
    assert final.status.startswith("stopped early (time limit of this deployment): test accuracy")
    assert final.classifier is not None


@pytest.mark.slow
def test_stop_keeps_the_curves_so_far(mnist):
    stop, updates = threading.Event(), []
    for update in retrain(settings(epochs=1), stop):
        updates.append(update)
        if len(update.accuracy) >= 6:  # two evaluations in
            stop.set()
    final = updates[-1]
    assert final.status.startswith("stopped early: test accuracy") and final.classifier is not None
    assert len(final.accuracy) >= 6 and len(final.loss) >= 6 and final.guesses is not None


@contextmanager
def another_run_in_progress():
    """A first run that holds the server's training slot until the block ends."""
    started, release = threading.Event(), threading.Event()

    def first_run():
        for _update in retrain(settings(epochs=0.2), threading.Event()):
            started.set()
            release.wait(30)

    thread = threading.Thread(target=first_run)
    thread.start()
    started.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.join()


@pytest.mark.slow
def test_stop_while_waiting_for_another_run(mnist):
    stop = threading.Event()
    second = retrain(settings(), stop)
    with another_run_in_progress():
        assert next(second).status.startswith("Waiting: 1 run ahead of yours; ")
        stop.set()
        final = next(second)
    assert final.done and final.status == "Stopped before it started; the previous model stays in use."


@pytest.mark.slow
def test_diverging_run_keeps_the_previous_model(mnist, monkeypatch):
    monkeypatch.setitem(run_settings.FIELD_RANGES, "lr", (1e-6, 1e9))  # absurd enough for NaN
    final = list(retrain(settings(model="lenet5", recipe="seed", lr=1e8, epochs=0.3), threading.Event()))[-1]
    assert final.status.startswith("Failed: training diverged") and "previous model stays in use" in final.status
    assert final.classifier is None


@pytest.mark.slow
def test_run_that_does_not_learn_keeps_the_previous_model(mnist):
    seed_run = settings(model="lenet5", recipe="seed", lr=10.0, epochs=0.3, dropout=None)
    final = list(retrain(seed_run, threading.Event()))[-1]
    assert final.status.startswith("Failed: the network did not learn (validation accuracy")
    assert "previous model stays in use" in final.status and final.classifier is None


@pytest.mark.slow
def test_one_run_at_a_time(mnist):
    second = retrain(settings(), threading.Event())
    with another_run_in_progress():
        statuses = [next(second).status]
    statuses += [update.status for update in second]
    assert statuses[0].startswith("Waiting: 1 run ahead of yours; ")
    assert statuses[-1].startswith("done")


def test_old_downloads_are_deleted(tmp_path):
    for i in range(5):
        path = tmp_path / f"w{i}.safetensors"
        path.write_bytes(b"x")
        os.utime(path, (i, i))
    (tmp_path / "other.png").write_bytes(b"x")
    keep_newest(tmp_path, "*.safetensors", keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.png", "w3.safetensors", "w4.safetensors"]


@pytest.mark.slow
def test_retrain_can_include_corrections(mnist):
    import numpy as np

    images = np.zeros((4, 28, 28), np.uint8)
    images[:, 4:24, 12:16] = 255  # four "1"s
    settings = RunSettings("digitnet", "quick", 0.25, 256, 0.008, False, train_images=5_000)
    final = list(retrain(settings, threading.Event(), corrections=(images, np.ones(4, np.int64))))[-1]
    assert final.done and final.classifier is not None, final.status
    assert final.classifier.metadata["train_images"] == 5_000 + 4 * round(0.02 * 5_000 / (0.98 * 4))


def test_a_waiting_visitor_sees_their_place_in_line_and_an_estimated_wait():
    from digitpad.training.retrain import _slot

    with _slot.join(100) as running, _slot.join(30) as waiting:
        assert running.try_start()
        running.expect_end(100)
        stop = threading.Event()
        third = retrain(settings(), stop)
        assert next(third).status == "Waiting: 2 runs ahead of yours; about 2 min 10 s."
        waiting.close()
        assert next(third).status == "Waiting: 1 run ahead of yours; about 1 min 40 s."
        stop.set()
        assert next(third).status == "Stopped before it started; the previous model stays in use."


@pytest.mark.parametrize(
    "ahead, seconds, text",
    [
        (2, 100, "Waiting: 2 runs ahead of yours; about 1 min 40 s."),
        (1, 42, "Waiting: 1 run ahead of yours; about 40 s."),
        (1, 58, "Waiting: 1 run ahead of yours; about 1 min."),
        (1, 3, "Waiting: 1 run ahead of yours; it starts in a few seconds."),
        (3, 1300, "Waiting: 3 runs ahead of yours; about 22 min."),
    ],
)
def test_wait_text(ahead, seconds, text):
    from digitpad.training.slot import Place, wait_text

    assert wait_text(Place(ahead, seconds)) == text


def test_expected_seconds_come_from_the_images_shown_and_stay_within_the_cap(monkeypatch):
    import numpy as np

    from digitpad.training.job import Job
    from digitpad.training.recipes import get_recipe
    from digitpad.training.retrain import DEFAULT_IMAGES_PER_S, START_SECONDS, expected_seconds

    monkeypatch.setattr(retrain_module, "_rates", {})
    default_run = Job(get_recipe("quick"), max_seconds=600)  # 1 epoch of 55,000 images
    assert expected_seconds(default_run) == pytest.approx(55_000 / DEFAULT_IMAGES_PER_S + START_SECONDS)
    assert expected_seconds(Job(get_recipe("quick", epochs=30), max_seconds=60)) == 90  # the cap plus 30 s
    corrections = (np.zeros((4, 28, 28), np.uint8), np.ones(4, np.int64))
    teach_like = Job(get_recipe("quick"), train_subset=12_000, corrections=corrections, correction_share=0.25)
    monkeypatch.setitem(retrain_module._rates, "digitnet", 4_000.0)  # a finished run measured this
    assert expected_seconds(teach_like) == pytest.approx(16_000 / 4_000 + START_SECONDS)
