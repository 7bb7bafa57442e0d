"""The host's one training slot across processes, and the line of runs waiting for it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from digitpad.training.slot import QUEUE_NAME, TooManyRunsError, TrainingSlot, runs_of, slot_folder

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from digitpad.training.slot import TrainingSlot
ticket = TrainingSlot(sys.argv[1]).join(float(sys.argv[2]))
while not ticket.try_start():
    time.sleep(0.05)
ticket.expect_end(float(sys.argv[2]))
print("holding", flush=True)
sys.stdin.readline()  # until the test says so (or kills this process)
ticket.close()
print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path):
    """Another process that takes the slot in tmp_path and holds it, expecting to run 90 s more."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "90"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "holding"
        yield process
    finally:
        process.kill()
        process.wait(10)


def test_another_process_holds_the_slot_until_it_lets_go(tmp_path, holder):
    slot = TrainingSlot(tmp_path)
    assert slot.busy()
    with slot.join(20) as ticket:
        assert not ticket.try_start()
        place = ticket.place()
        assert place.ahead == 1 and 85 <= place.wait_s <= 90  # the holder said it ends in 90 s
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert ticket.try_start() and ticket.place().ahead == 0
        assert slot.busy()
    assert not slot.busy()


def test_a_killed_holder_releases_the_slot(tmp_path, holder):
    slot = TrainingSlot(tmp_path)
    with slot.join(20) as ticket:
        assert not ticket.try_start()
        holder.kill()
        holder.wait(10)
        assert ticket.try_start()


def test_a_killed_waiter_leaves_the_line(tmp_path, holder):
    """A waiting process that dies leaves a ticket nobody holds: the next to look removes it."""
    waiter = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), "30"], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        queue = tmp_path / QUEUE_NAME
        for _ in range(600):  # its ticket appears within seconds (Python starting up)
            if list(queue.glob("*.ticket")):
                break
            time.sleep(0.05)
        with TrainingSlot(tmp_path).join(20) as ticket:
            assert ticket.place().ahead == 2  # the holder, then the waiter
            waiter.kill()
            waiter.wait(10)
            assert ticket.place().ahead == 1
            assert len(list(queue.glob("*.ticket"))) == 1  # the dead ticket is gone; ours is left
    finally:
        waiter.kill()
        waiter.wait(10)


def test_one_run_at_a_time_within_a_process_too_in_arrival_order(tmp_path):
    slot = TrainingSlot(tmp_path)
    first, second, third = slot.join(30), slot.join(40), slot.join(50)
    try:
        assert first.try_start()
        assert not second.try_start() and not third.try_start()
        place = third.place()
        assert place.ahead == 2 and 65 <= place.wait_s <= 70  # first's 30 s left (less a moment) + second's 40
        first.close()
        assert not third.try_start()  # second came first
        assert second.try_start() and third.place().ahead == 1
        second.expect_end(5)
        assert third.place().wait_s <= 5
    finally:
        for ticket in (first, second, third):
            ticket.close()
    assert not slot.busy() and not list((tmp_path / QUEUE_NAME).iterdir())


def test_leaving_the_line_lets_the_next_one_go_first(tmp_path):
    slot = TrainingSlot(tmp_path)
    with slot.join(10) as first, slot.join(10) as second, slot.join(10) as third:
        assert first.try_start()
        second.close()  # Stop while waiting
        first.close()
        assert third.try_start()


def test_the_slot_lives_in_digitpad_home_or_in_the_temporary_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "home"))
    assert slot_folder() == tmp_path / "home"
    TrainingSlot().join(1).close()
    assert (tmp_path / "home" / QUEUE_NAME).is_dir()
    monkeypatch.setenv("DIGITPAD_HOME", "")  # corrections in memory: the slot is still one per host
    assert slot_folder().parent == Path(tempfile.gettempdir())


def test_a_home_that_cannot_be_written_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "file" / "home"))
    slot = TrainingSlot()
    assert slot.folder().parent == Path(tempfile.gettempdir())
    with slot.join(1) as ticket:
        assert ticket.try_start()


def test_one_client_gets_one_run_waiting_or_running(tmp_path):
    """A visitor (cookie) or an address with a run in line or in the slot is refused another, with a sentence;
    others still join, and the client may join again once its run has ended."""
    slot = TrainingSlot(tmp_path)
    running = slot.join(10, ("cookie-a", "address-1"), most=(1, 1))
    assert running.try_start()
    for keys in [("cookie-a", "address-2"), ("cookie-b", "address-1")]:  # the same cookie, or the same address
        with pytest.raises(TooManyRunsError, match="You already have a training run waiting or running"):
            slot.join(10, keys, most=(1, 1))
    waiting = slot.join(10, ("cookie-c", "address-3"), most=(1, 1))
    with pytest.raises(TooManyRunsError):
        slot.join(10, ("cookie-d", "address-3"), most=(1, 1))  # a waiting run counts as much as a running one
    running.close()
    waiting.close()
    slot.join(10, ("cookie-a", "address-1"), most=(1, 1)).close()
    assert runs_of(tmp_path, {"cookie-a", "address-1", "cookie-c"}) == 0


def test_a_limit_of_two_lets_two_runs_in(tmp_path):
    slot = TrainingSlot(tmp_path)
    tickets = [slot.join(10, ("cookie-a", "address-1"), most=(2, 2)) for _ in range(2)]
    with pytest.raises(TooManyRunsError):
        slot.join(10, ("cookie-a", "address-1"), most=(2, 2))
    for ticket in tickets:
        ticket.close()


def test_an_address_may_be_allowed_more_runs_than_a_visitor(tmp_path):
    slot = TrainingSlot(tmp_path)
    first = slot.join(10, ("cookie-a", "school"), most=(1, 2))
    second = slot.join(10, ("cookie-b", "school"), most=(1, 2))  # another visitor behind the same router
    with pytest.raises(TooManyRunsError):
        slot.join(10, ("cookie-c", "school"), most=(1, 2))
    with pytest.raises(TooManyRunsError):
        slot.join(10, ("cookie-a", "elsewhere"), most=(1, 2))
    first.close()
    second.close()
