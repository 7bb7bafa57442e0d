"""Corrections: the drawings a visitor said were misread, kept in an embedded SQLite database.

Nothing is stored unless a visitor presses a correction. A row holds the 28x28 image the model
read, the drawing as a small PNG, the label the visitor gave, the model's guess and
probabilities, the model's name, a salted hash of the visitor's session (never the session
itself) and the time. The database is `$DIGITPAD_HOME/digitpad.sqlite` (`./digitpad-home` by
default, `/data` on a Space with persistent storage); `DIGITPAD_HOME=` (empty) keeps
corrections in memory only, for as long as the server runs.

SQLite in WAL mode lets readers go on while one writer writes; every write is a short
`BEGIN IMMEDIATE` transaction on its own connection with a busy timeout, so many visitors
saving at once wait their turn instead of failing with "database is locked". The schema is
created and migrated by `migrate()` (`PRAGMA user_version`). Every failure (a read-only,
full or damaged database) becomes a `CorrectionsError` that says what happened; nothing
already stored is ever deleted or overwritten to recover.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from digitpad.config import LIMITS, settings
from digitpad.home import home_dir
from digitpad.mnist_format import IMAGE_SIZE, NUM_CLASSES
from digitpad.read.number_line import number_ink

DATABASE_NAME = "digitpad.sqlite"
MAX_DRAWING_SIDE = 256  # px: the stored drawing is scaled down to fit
MAX_DRAWING_BYTES = 64 * 1024  # a drawing PNG larger than this (after scaling) is not kept
BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another one before giving up
SCHEMA_VERSION = 2

MIGRATIONS = {  # user_version -> the statements that bring the schema to the next version
    0: [
        """CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,           -- ISO 8601, UTC
            visitor TEXT NOT NULL,           -- salted hash of the session
            label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
            guess INTEGER NOT NULL,
            probs TEXT NOT NULL,             -- JSON list of 10 probabilities
            model TEXT NOT NULL,
            image BLOB NOT NULL,             -- the 28x28 uint8 image the model read, row by row
            drawing BLOB                     -- the drawing as a PNG, or NULL when too large
        )""",
        "CREATE INDEX corrections_visitor ON corrections (visitor)",
        "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    1: [
        "ALTER TABLE corrections ADD COLUMN address TEXT NOT NULL DEFAULT ''",  # a salted hash of the client's address
        "CREATE INDEX corrections_address ON corrections (address)",
    ],
}


class CorrectionsError(RuntimeError):
    """A correction could not be stored or read; the message says why, for the visitor and the operator."""


@dataclass
class Correction:
    id: int
    created: str
    visitor: str
    label: int
    guess: int
    probs: list[float]
    model: str
    image: np.ndarray  # uint8 (28, 28)
    drawing: bytes | None  # PNG


def pooled() -> bool:
    """Whether the operator pools everyone's corrections for the Train tab (DIGITPAD_POOL_CORRECTIONS=1)."""
    return settings().pool_corrections


def as_label(value: object) -> int:
    """A digit 0-9 from a button's text, a number field or an API argument; ValueError otherwise."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if isinstance(value, bool) or not (number.is_integer() and 0 <= number < NUM_CLASSES):
        raise ValueError(f"A correction is a digit from 0 to 9, not {text[:20]!r}.")
    return int(number)


def drawing_png(ink: np.ndarray) -> bytes | None:
    """Ink map float (H, W) in [0, 1] -> a PNG of it, dark on white, at most MAX_DRAWING_SIDE px;
    None when even that is over MAX_DRAWING_BYTES."""
    image = Image.fromarray(np.round(255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8))
    image.thumbnail((MAX_DRAWING_SIDE, MAX_DRAWING_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, "png", optimize=True)
    return buffer.getvalue() if buffer.tell() <= MAX_DRAWING_BYTES else None


def explain(error: sqlite3.Error, path: str) -> str:
    """A sentence for the visitor and the operator about what went wrong with the database."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        return f"the corrections database ({path}) is read-only, so nothing new can be saved."
    if "full" in text:
        return f"the disk holding the corrections database ({path}) is full, so nothing new can be saved."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"the corrections database ({path}) is damaged. It was left as it is; move it away "
            "and digitpad starts a new one."
        )
    if "locked" in text or "busy" in text:
        return "the corrections database is busy; please try again in a moment."
    return f"the corrections database ({path}) failed: {error}."


class Reads(Protocol):
    """What reads a drawing for a correction: a `Classifier` (this module imports no model)."""

    def classify(self, picture: object) -> tuple[np.ndarray | None, np.ndarray | None]: ...


def read_for_correction(classifier: Reads, picture: object) -> tuple[np.ndarray, np.ndarray, bytes | None]:
    """A drawing (stroke pad value, or any picture `to_mnist` takes) -> what a correction stores:
    (the 28x28 image the model read, its probabilities (10,), the drawing as a PNG).
    ValueError for a blank drawing, DrawingError for one that cannot be read."""
    probs, image = classifier.classify(picture)
    if image is None:
        raise ValueError("The pad is empty: draw the digit first, then say what it was.")
    return image, probs, drawing_png(number_ink(picture)[0])


class CorrectionStore:
    """The corrections database. Thread-safe; `path=None` keeps everything in memory."""

    def __init__(self, path: Path | str | None):
        self.path = None if path is None else Path(path)
        self.where = str(self.path) if self.path else "in memory"
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # serialises the in-memory database's one connection
        self._ready = False
        self._salt: bytes | None = None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation: a file connection of its own, or the in-memory one under a lock."""
        if self.path is None:
            with self._lock:
                if self._memory is None:
                    self._memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                yield self._memory
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # readers go on while a writer writes
            connection.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode, much faster
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _session(self, write: bool) -> Iterator[sqlite3.Connection]:
        """A migrated database in a transaction (BEGIN IMMEDIATE for writes); errors -> CorrectionsError."""
        try:
            with self._connect() as db:
                if not self._ready:
                    self.migrate(db)
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:  # SQLite rolls some failures (a full disk) back itself
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.Error as e:
            raise CorrectionsError(explain(e, self.where)) from e
        except OSError as e:  # the home folder cannot be created
            raise CorrectionsError(f"digitpad cannot keep corrections in {self.where}: {e.strerror}.") from e

    def migrate(self, db: sqlite3.Connection) -> None:
        """Create or upgrade the schema to SCHEMA_VERSION, in one transaction."""
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        elif version > SCHEMA_VERSION:
            raise CorrectionsError(
                f"the corrections database ({self.where}) was written by a newer digitpad (schema {version})."
            )
        self._ready = True

    def visitor_id(self, session: str) -> str:
        """The salted hash that stands for a session in the database (the salt lives in the database)."""
        if self._salt is None:
            query = "SELECT value FROM secrets WHERE name = 'salt'"
            with self._session(write=False) as db:
                found = db.execute(query).fetchone()
            if found is None:  # a new database: make its salt (once, whoever comes first)
                with self._session(write=True) as db:
                    db.execute("INSERT OR IGNORE INTO secrets VALUES ('salt', ?)", (secrets.token_hex(16),))
                    found = db.execute(query).fetchone()
            self._salt = bytes.fromhex(found[0])
        return hashlib.sha256(self._salt + session.encode()).hexdigest()[:32]

    def add(
        self,
        session: str,
        image: np.ndarray,
        label: int,
        probs: np.ndarray,
        model: str,
        drawing: bytes | None = None,
        address: str = "",
    ) -> int:
        """Store one correction; returns how many this visitor (`session`: who they are to the server) has
        stored. Raises ValueError for a bad label or image, CorrectionsError when the database fails or a quota
        is reached: the visitor's, their `address`'s (all its visitors together) or the database's."""
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < NUM_CLASSES:
            raise ValueError(f"A correction is a digit from 0 to 9, not {label!r}.")
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.shape != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"expected the uint8 28x28 image the model read, got {image.dtype} {image.shape}.")
        probs = np.asarray(probs, float).reshape(-1)
        visitor, where = self.visitor_id(session), self.visitor_id(f"address:{address}") if address else ""
        with self._session(write=True) as db:
            stored = self.check_quotas(db, visitor, where)
            db.execute(
                "INSERT INTO corrections (created, visitor, label, guess, probs, model, image, drawing, address) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    visitor,
                    int(label),
                    int(np.argmax(probs)),
                    json.dumps([round(float(p), 6) for p in probs]),
                    model,
                    image.tobytes(),
                    drawing,
                    where,
                ),
            )
        return stored + 1

    @staticmethod
    def check_quotas(db: sqlite3.Connection, visitor: str, address: str) -> int:
        """Within the write's transaction: how many this visitor has stored, or CorrectionsError at a quota."""
        (stored,) = db.execute("SELECT COUNT(*) FROM corrections WHERE visitor = ?", (visitor,)).fetchone()
        if stored >= LIMITS.corrections_per_visitor:
            raise CorrectionsError(
                f"you have stored {LIMITS.corrections_per_visitor} corrections, the most one visitor may keep. "
                "Press Teach it, or forget them to start again."
            )
        if address:
            (shared,) = db.execute("SELECT COUNT(*) FROM corrections WHERE address = ?", (address,)).fetchone()
            if shared >= LIMITS.corrections_per_address:
                raise CorrectionsError(
                    f"{LIMITS.corrections_per_address:,} corrections have come from your network already, the most "
                    "this server keeps from one. Your drawings are still read."
                )
        (total,) = db.execute("SELECT COUNT(*) FROM corrections").fetchone()
        if total >= LIMITS.corrections_total:
            raise CorrectionsError(
                "this server keeps no more corrections for now (it holds as many as it may). "
                "Your drawings are still read."
            )
        return stored

    def count(self, session: str | None = None) -> int:
        """How many corrections a session has stored; everyone's for None."""
        where, args = self._who(session)
        with self._session(write=False) as db:
            return db.execute(f"SELECT COUNT(*) FROM corrections {where}", args).fetchone()[0]

    def examples(self, session: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A session's corrections as training data: uint8 (N, 28, 28), int64 (N,). Everyone's for None, at most
        LIMITS.pooled_corrections_per_visitor of each visitor's (their newest): no one visitor outweighs the rest."""
        where, args = self._who(session)
        query = f"SELECT image, label FROM corrections {where} ORDER BY id"
        if session is None:
            query = (
                "SELECT image, label FROM (SELECT id, image, label, "
                "ROW_NUMBER() OVER (PARTITION BY visitor ORDER BY id DESC) AS newest FROM corrections) "
                "WHERE newest <= ? ORDER BY id"
            )
            args = (LIMITS.pooled_corrections_per_visitor,)
        with self._session(write=False) as db:
            rows = db.execute(query, args).fetchall()
        images = np.frombuffer(b"".join(r[0] for r in rows), np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        return images.copy(), np.array([r[1] for r in rows], np.int64)

    def corrections(self, session: str | None = None) -> list[Correction]:
        """The stored rows, oldest first: a session's, or everyone's for None."""
        where, args = self._who(session)
        with self._session(write=False) as db:
            rows = db.execute(
                "SELECT id, created, visitor, label, guess, probs, model, image, drawing "
                f"FROM corrections {where} ORDER BY id",
                args,
            ).fetchall()
        return [
            Correction(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                json.loads(r[5]),
                r[6],
                np.frombuffer(r[7], np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE),
                r[8],
            )
            for r in rows
        ]

    def forget(self, session: str | None = None) -> int:
        """Delete a session's corrections (everyone's for None); returns how many were deleted."""
        where, args = self._who(session)
        with self._session(write=True) as db:
            return db.execute(f"DELETE FROM corrections {where}", args).rowcount

    def _who(self, session: str | None) -> tuple[str, tuple]:
        return ("", ()) if session is None else ("WHERE visitor = ?", (self.visitor_id(session),))

    def export(self, folder: Path | str, session: str | None = None) -> int:
        """Write an image-folder dataset: folder/<label>/<id>.png (the 28x28 image) and folder/metadata.csv,
        which `datasets.load_dataset("imagefolder", data_dir=folder)` loads. Returns the number of images."""
        folder = Path(folder)
        rows = self.corrections(session)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "metadata.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["file_name", "label", "guess", "model", "created", "visitor"])
            for row in rows:
                name = f"{row.label}/{row.id}.png"
                (folder / str(row.label)).mkdir(exist_ok=True)
                Image.fromarray(row.image).save(folder / name)
                writer.writerow([name, row.label, row.guess, row.model, row.created, row.visitor])
        return len(rows)


_stores: dict[str, CorrectionStore] = {}
_stores_lock = threading.Lock()


def default_store() -> CorrectionStore:
    """The store that $DIGITPAD_HOME names, one per place (the in-memory one lives as long as the server)."""
    home = home_dir()
    path = None if home is None else home / DATABASE_NAME
    with _stores_lock:
        return _stores.setdefault(str(path), CorrectionStore(path))
