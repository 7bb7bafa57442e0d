"""The benchmark's smoke run (`python -m digitpad.bench --steps 5 --one-server`), started in the background as
soon as the session's tests are collected, when its test is among them. It takes minutes, much of them spent
waiting on a served demo and simulated drawers, while the other tests leave the second core idle most of the
time; its test runs last, waits for it to end if it has not, and reads its report."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SMOKE_TEST = "test_bench_smoke_mode_runs_every_section"
# The run's processes (the bench, its demo, Chromium) yield to the other tests' when both want a core: it needs
# about 300 s of CPU and has the whole session to find them (it ends about 8.5 minutes into a 14-minute session).
# Niceness 10 is a tenth of a core against a busy one, enough for its demo to answer its simulated drawers well
# within their 10 s; at 5 the browser tests beside it took a fifth to a quarter longer.
NICENESS = 10


@dataclass
class SmokeRun:
    process: subprocess.Popen
    folder: Path  # its report (bench.json), grids, logs and what it printed (stdout.txt, stderr.txt)

    @property
    def report(self) -> Path:
        return self.folder / "bench.json"

    def printed(self, stream: str) -> str:
        return (self.folder / f"{stream}.txt").read_text()

    def progress(self) -> str:
        """How far a run that is still going got: the sections it finished, with their seconds, and where each of
        its threads is now (the bench prints their stacks on SIGUSR1)."""
        finished = [line for line in self.printed("stderr").splitlines() if re.fullmatch(r"\w+: [\d.]+ s", line)]
        os.kill(self.process.pid, signal.SIGUSR1)
        time.sleep(2)
        printed = self.printed("stderr")[-6000:]
        return f"sections finished: {', '.join(finished) or 'none'}; what it printed last:\n{printed}"


SMOKE_RUN = pytest.StashKey[SmokeRun]()


def start_smoke_run() -> SmokeRun:
    from digitpad.training.data import load_mnist

    load_mnist(log=lambda message: None)  # fetched here, if it must be, not by two processes at once
    folder = Path(tempfile.mkdtemp(prefix="digitpad-smoke-"))
    command = [
        sys.executable,
        "-m",
        "digitpad.bench",
        "--steps",
        "5",
        "--one-server",
        "--out",
        str(folder / "bench.json"),
    ]
    with open(folder / "stdout.txt", "w") as stdout, open(folder / "stderr.txt", "w") as stderr:
        process = subprocess.Popen(  # a session of its own: its demo and drawers end with it (pytest_unconfigure)
            command,
            stdout=stdout,
            stderr=stderr,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: os.nice(NICENESS),
        )
    return SmokeRun(process, folder)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The smoke run's test goes last, so that its run has the whole session to itself in the background."""
    items.sort(key=lambda item: item.name == SMOKE_TEST)  # stable: the others keep their order


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly and any(item.name == SMOKE_TEST for item in session.items):
        session.config.stash[SMOKE_RUN] = start_smoke_run()


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(SMOKE_RUN, None)
    if run is not None:  # its test ran, failed, or never came (-x): nothing is left running
        try:
            os.killpg(run.process.pid, signal.SIGKILL)  # the bench, its demo.py and simulated drawers
        except ProcessLookupError:
            pass  # all ended already
        run.process.wait()
        shutil.rmtree(run.folder, ignore_errors=True)


@pytest.fixture
def smoke_run(request: pytest.FixtureRequest) -> SmokeRun:
    """The smoke run started with the session (see the module's docstring)."""
    return request.config.stash[SMOKE_RUN]
