"""The servers a section measures, as processes: their CPU seconds (from /proc), their children, waiting until
they are idle, and replicas behind nginx, each pinned to its cores (`deploy/serve-replicas`)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid`, all its threads, from /proc (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """`pid` and every process under it (a deployment: the script, its replicas, nginx and its workers)."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(d for child in children.split() for d in descendants(int(child)))]


def wait_until_idle(pids: list[int], timeout: float = 120.0) -> None:
    """Until the processes use under a tenth of a core over 2 s (start-up work such as warming the training
    engine up is done), or `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(map(process_cpu_seconds, pids))
        time.sleep(2.0)
        if sum(map(process_cpu_seconds, pids)) - before < 0.2:
            return


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def replicas(count: int, log: Path, cores: set[int]):
    """deploy/serve-replicas with `count` replicas, each pinned to one of `cores` (nginx may use them all):
    (public URL, the script's pid)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        public = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    home, work = tempfile.mkdtemp(prefix="digitpad-home-"), tempfile.mkdtemp(prefix="digitpad-deploy-")
    command = [
        sys.executable,
        "deploy/serve-replicas",
        "-n",
        str(count),
        "--port",
        str(public),
        "--home",
        home,
        "--python",
        sys.executable,
        "--workdir",
        work,
    ]
    with open(log, "w") as out:  # the script pins its replicas among the cores it may use; nginx inherits them
        process = subprocess.Popen(
            command, cwd=root, stdout=out, stderr=subprocess.STDOUT, preexec_fn=lambda: os.sched_setaffinity(0, cores)
        )
    try:
        deadline = time.monotonic() + 300
        while "serve-replicas: http://" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve-replicas did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{public}/", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def running_on(cores: set[int]):
    """This thread (the load generator's event loop) on `cores` only, for the block."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
