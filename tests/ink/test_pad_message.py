"""A live message of the pad, read into small plain data (it may cross to a worker process)."""

from __future__ import annotations

import json
import pickle

import pytest

from digitpad.ink.pad_message import read_pad_message
from digitpad.ink.strokes import pad_to_mnist
from tests.support.drawing_helpers import stroke_pad_value


def test_a_message_gives_its_drawing_and_only_the_small_fields():
    value = {**stroke_pad_value(4), "version": 9, "pen_down": True}
    read = read_pad_message(json.dumps({"model": "robust", "value": value, "seq": 3, "junk": [1] * 100}))
    assert read.fields == {"model": "robust", "seq": 3} and read.pad == {"version": 9, "pen_down": True}
    assert (read.image == pad_to_mnist(value)).all() and read.error is None
    assert len(pickle.dumps(read)) < 2_000  # what crosses back from the worker: no strokes


def test_bad_messages_are_errors_not_exceptions():
    assert "too many points and strokes" in read_pad_message("[" * 100_000).error
    assert "not JSON" in read_pad_message("{nope").error
    assert read_pad_message(json.dumps({"value": {"strokes": [], "width": 9, "height": 9}})).image is None
    assert (
        "NaN or infinite" in read_pad_message('{"value": {"strokes": [[[1e999, 1]]], "width": 9, "height": 9}}').error
    )


WORKER_POOL = """
import multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor
from digitpad.ink.pad_message import start_worker
context = multiprocessing.get_context("forkserver")
pool = ProcessPoolExecutor(1, mp_context=context, initializer=start_worker, initargs=(os.getpid(),))
print(pool.submit(os.getpid).result(), flush=True)
sys.stdin.readline()  # until the test kills this process
"""


@pytest.mark.slow
def test_a_killed_server_takes_its_message_worker_with_it():
    """The live socket's worker process (and so the forkserver) goes when the server is killed outright."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", WORKER_POOL], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    worker = int(server.stdout.readline())
    assert os.path.exists(f"/proc/{worker}")
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 30  # a bound on the wait, not a speed: the worker looks once a second
    while os.path.exists(f"/proc/{worker}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{worker}") or open(f"/proc/{worker}/status").read().count("zombie")
