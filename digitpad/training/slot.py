"""The host's one training slot, and the line of runs waiting for it, shared by every server process.

The slot is an exclusive `fcntl.flock` on `training.lock` in `$DIGITPAD_HOME` (a folder in the
temporary directory when `DIGITPAD_HOME=` keeps corrections in memory), so several `demo.py`
processes on one host (`deploy/serve-replicas`) train one run at a time. The kernel drops a
flock when the process holding it dies, killed included: a crashed server never keeps the slot.
A flock belongs to an open file description, and every `Ticket` opens its own, so two runs in
one process wait for each other exactly as two processes do.

The waiting line is a folder, `training-queue/`, with one ticket file per waiting run: named by
its arrival time, holding the run's expected seconds, and flocked by its owner while it waits
(a ticket is locked before it is renamed into the folder). A ticket whose lock anyone can take
belongs to a dead process; whoever lists the line removes it. Runs start in arrival order: a
ticket tries the slot only when no live ticket is older. The running run writes into the lock
file when it expects to end; a waiter's estimate is that plus the expected seconds of the
tickets ahead of it. Nothing here holds a thread: waiters poll (`Ticket.try_start`).

A run may name its client (hashed keys: the visitor cookie's and the address's, see `app.clients`): a visitor
or an address that already has its most runs waiting or running is refused another (`TooManyRunsError`), so
one visitor cannot fill the line. The keys are written in the ticket and, once it runs, in the lock file; a join lock
makes the count and the new ticket one step for every process.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from digitpad.home import home_dir

LOCK_NAME = "training.lock"
JOIN_LOCK_NAME = "training-join.lock"
QUEUE_NAME = "training-queue"
RECORD_BYTES = 256  # the lock file's content: the running run's expected end and keys, padded JSON, one pwrite


class TooManyRunsError(ValueError):
    """This client already has as many runs waiting or running as it may; the message says so."""


def temp_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"digitpad-{os.getuid()}"


def slot_folder() -> Path:
    """Where the slot lives: $DIGITPAD_HOME (see `digitpad.home`), or, when corrections are kept in
    memory, a folder of this user's in the temporary directory (still one slot for the host)."""
    home = home_dir()
    return home if home is not None else temp_folder()


@dataclass
class Place:
    """Where a waiting run stands: `ahead` runs before it (the running one included), `wait_s` seconds
    until it is expected to start (the running run's time left plus the waiting ones' expected seconds)."""

    ahead: int
    wait_s: float


def wait_text(place: Place) -> str:
    """'Waiting: 2 runs ahead of yours; about 1 min 40 s.': to 5 s under a minute, 10 s under ten, then minutes."""
    runs = f"{place.ahead} run{'' if place.ahead == 1 else 's'} ahead of yours"
    seconds = place.wait_s
    if seconds < 10:
        about = "it starts in a few seconds"
    elif seconds < 57.5:
        about = f"about {round(seconds / 5) * 5} s"
    elif seconds < 595:
        minutes, rest = divmod(round(seconds / 10) * 10, 60)
        about = f"about {minutes} min" + (f" {rest} s" if rest else "")
    else:
        about = f"about {round(seconds / 60)} min"
    return f"Waiting: {runs}; {about}."


def can_lock(path: Path) -> bool:
    """Whether nobody holds a flock on `path` (False too when it is gone). Takes a shared lock for an
    instant: a run trying the slot at that very instant fails once and tries again at its next poll."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also drops the shared lock


class TrainingSlot:
    """The slot in `folder` (default: `slot_folder()`, looked up at each use, so $DIGITPAD_HOME may change)."""

    def __init__(self, folder: Path | str | None = None):
        self._folder = None if folder is None else Path(folder)

    def folder(self) -> Path:
        """The slot's folder, created if need be; the temporary directory's when $DIGITPAD_HOME cannot be
        written (a read-only home still trains: every process there falls back alike)."""
        folder = self._folder or slot_folder()
        try:
            (folder / QUEUE_NAME).mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                raise PermissionError(folder)
        except OSError:
            if self._folder is not None:
                raise
            folder = temp_folder()
            (folder / QUEUE_NAME).mkdir(parents=True, exist_ok=True)
        return folder

    def join(self, seconds: float, keys: tuple[str, ...] = (), most: tuple[int, ...] = ()) -> Ticket:
        """Enter the line with a run expected to take `seconds`; close the ticket (or use it as a
        context manager) to leave the line or give the slot back. With `keys` (the client's: its visitor's,
        its address's) and `most` (for each key, the runs it may have; 0: no limit): `TooManyRunsError` when
        runs waiting or running already hold a key that often."""
        folder = self.folder()
        limited = [(key, n) for key, n in zip(keys, most, strict=False) if n > 0]
        if not limited:
            return Ticket(folder, seconds, keys)
        fd = os.open(folder / JOIN_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if any(runs_of(folder, {key}) >= n for key, n in limited):
                raise TooManyRunsError(
                    "You already have a training run waiting or running. Wait for it to end, or press Stop, "
                    "and then start another: one run at a time per visitor keeps the slot fair for everyone."
                )
            return Ticket(folder, seconds, keys)
        finally:
            os.close(fd)

    def busy(self) -> bool:
        """Whether a run holds the slot or waits for it, in any process."""
        folder = self.folder()
        lock = folder / LOCK_NAME
        return (lock.exists() and not can_lock(lock)) or bool(live_tickets(folder / QUEUE_NAME))


def live_tickets(queue: Path, mine: Path | None = None) -> list[tuple[Path, float]]:
    """The waiting runs' tickets, oldest first, with their expected seconds; removes dead ones."""
    found = []
    for path in sorted(queue.glob("*.ticket"), key=lambda p: p.name.split("-", 1)[0].zfill(24)):
        try:
            text = path.read_text()
        except FileNotFoundError:
            continue  # its run started, or left the line
        if path != mine and can_lock(path):  # its owner is gone: a live owner keeps its ticket locked
            path.unlink(missing_ok=True)
            continue
        try:
            seconds = float(json.loads(text)["seconds"])
        except (ValueError, KeyError, TypeError):
            seconds = 0.0  # unreadable: it counts, without a time
        found.append((path, seconds))
    return found


def runs_of(folder: Path, keys: set[str]) -> int:
    """Runs waiting or running whose client shares one of `keys`."""
    count = 0
    for path, _ in live_tickets(folder / QUEUE_NAME):
        try:
            count += bool(keys & set(json.loads(path.read_text()).get("keys", ())))
        except (OSError, ValueError, AttributeError, TypeError):
            continue  # it started or left meanwhile
    lock = folder / LOCK_NAME
    if lock.exists() and not can_lock(lock):
        try:
            count += bool(keys & set(json.loads(lock.read_bytes()[:RECORD_BYTES].decode()).get("keys", ())))
        except (OSError, ValueError, AttributeError, TypeError, UnicodeDecodeError):
            pass  # just taken, not yet written
    return count


class Ticket:
    """One run's place in line, then its hold on the slot. Not thread-safe: one run, one ticket."""

    def __init__(self, folder: Path, seconds: float, keys: tuple[str, ...] = ()):
        self.folder = folder
        self.seconds = float(seconds)
        self.keys = list(keys)
        self._slot_fd: int | None = None
        queue = folder / QUEUE_NAME
        name = f"{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}"
        draft = queue / f"{name}.draft"
        self.path: Path | None = queue / f"{name}.ticket"
        self._ticket_fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(self._ticket_fd, fcntl.LOCK_EX)  # locked before anyone can see it
        os.write(self._ticket_fd, json.dumps({"seconds": self.seconds, "pid": os.getpid(), "keys": self.keys}).encode())
        os.rename(draft, self.path)

    @property
    def running(self) -> bool:
        return self._slot_fd is not None

    def place(self) -> Place:
        """Where this run stands now (ahead=0 once it holds the slot)."""
        if self.running:
            return Place(0, 0.0)
        older = self._older()
        lock = self.folder / LOCK_NAME
        running_left = self._running_left(lock) if lock.exists() and not can_lock(lock) else None
        wait = sum(s for _, s in older) + (running_left or 0.0)
        return Place(len(older) + (running_left is not None), wait)

    @staticmethod
    def _running_left(lock: Path) -> float:
        try:
            ends = float(json.loads(lock.read_bytes()[:RECORD_BYTES].decode().strip() or "{}")["ends"])
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return 0.0  # just taken, not yet written
        return max(0.0, ends - time.time())

    def try_start(self) -> bool:
        """Take the slot if this run is first in line and the slot is free; True once it holds it
        (its ticket then leaves the line). Never blocks."""
        if self.running:
            return True
        if self._older():
            return False
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._slot_fd = fd
        self.expect_end(self.seconds)
        self._leave_line()
        return True

    def expect_end(self, seconds_left: float) -> None:
        """While running: tell waiters this run expects to end in `seconds_left` seconds."""
        if self._slot_fd is not None:
            record = json.dumps({"ends": time.time() + max(0.0, seconds_left), "pid": os.getpid(), "keys": self.keys})
            os.pwrite(self._slot_fd, record.encode().ljust(RECORD_BYTES), 0)

    def _older(self) -> list[tuple[Path, float]]:
        """The live tickets that arrived before this one, oldest first."""
        older = []
        for path, seconds in live_tickets(self.folder / QUEUE_NAME, self.path):
            if path == self.path:
                break
            older.append((path, seconds))
        return older

    def _leave_line(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)  # first: a closed but listed ticket would look dead, not wrong
            os.close(self._ticket_fd)
            self.path = None

    def close(self) -> None:
        """Leave the line, or give the slot back. Idempotent."""
        self._leave_line()
        if self._slot_fd is not None:
            fd, self._slot_fd = self._slot_fd, None
            os.close(fd)  # drops the flock

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # an abandoned generator's ticket: leave the line when it is collected
        try:
            self.close()
        except Exception:  # at interpreter exit os may be gone already; the kernel drops the locks anyway
            pass
