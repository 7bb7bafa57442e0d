"""The corrections store: round trip, privacy (hashed sessions, forget), WAL concurrency, the
per-visitor cap, and a read-only, full or damaged database answered with a sentence."""

from __future__ import annotations

import io
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from digitpad.config import LIMITS
from digitpad.home import home_dir
from digitpad.synth.pen_digits import stroke_pad_value
from digitpad.teach import store as corrections_module
from digitpad.teach.store import (
    CorrectionsError,
    CorrectionStore,
    as_label,
    default_store,
    read_for_correction,
)


def probs_for(digit: int) -> np.ndarray:
    probs = np.full(10, 0.02)
    probs[digit] = 0.82
    return probs


def image_of(k: int) -> np.ndarray:
    return np.random.default_rng(k).integers(0, 256, (28, 28), dtype=np.uint8)


@pytest.fixture
def store(tmp_path) -> CorrectionStore:
    return CorrectionStore(tmp_path / "home" / "digitpad.sqlite")


def test_round_trip(store, classifier):
    image, probs, png = read_for_correction(classifier, stroke_pad_value(5))
    assert store.add("session-a", image, 6, probs, "bundled digitnet (best)", png) == 1
    (row,) = store.corrections("session-a")
    assert row.label == 6 and row.guess == int(np.argmax(probs)) == 5
    assert np.array_equal(row.image, image) and np.allclose(row.probs, probs, atol=1e-6)
    assert row.model == "bundled digitnet (best)" and row.created.endswith("+00:00")
    assert row.visitor != "session-a" and len(row.visitor) == 32  # a salted hash, never the session
    drawing = Image.open(io.BytesIO(row.drawing))
    assert max(drawing.size) <= corrections_module.MAX_DRAWING_SIDE and np.asarray(drawing).min() < 50  # dark ink
    images, labels = store.examples("session-a")
    assert images.shape == (1, 28, 28) and images.dtype == np.uint8 and labels.tolist() == [6]
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == corrections_module.SCHEMA_VERSION


def test_visitors_see_only_their_own_and_forget_deletes_only_theirs(store):
    for k in range(3):
        store.add("a", image_of(k), k, probs_for(k), "m")
    store.add("b", image_of(9), 9, probs_for(1), "m")
    assert (store.count("a"), store.count("b"), store.count()) == (3, 1, 4)
    assert store.examples("b")[1].tolist() == [9]
    assert store.forget("a") == 3
    assert (store.count("a"), store.count("b")) == (0, 1)
    assert store.examples("a")[0].shape == (0, 28, 28)


def test_the_salt_stays_with_the_database(tmp_path):
    first = CorrectionStore(tmp_path / "db.sqlite")
    first.add("a", image_of(0), 0, probs_for(0), "m")
    again = CorrectionStore(tmp_path / "db.sqlite")  # a restarted server
    assert again.count("a") == 1
    assert CorrectionStore(tmp_path / "other.sqlite").visitor_id("a") != first.visitor_id("a")


def test_thirty_visitors_store_ten_each_at_the_same_moment(store):
    errors, start = [], threading.Barrier(30)

    def visitor(v: int) -> None:
        start.wait()
        for k in range(10):
            try:
                store.add(f"visitor-{v}", image_of(k), k, probs_for(k), "m")
            except Exception as e:  # noqa: BLE001 - counted, asserted below
                errors.append(repr(e))

    threads = [threading.Thread(target=visitor, args=(v,)) for v in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 300
    assert all(store.count(f"visitor-{v}") == 10 for v in range(30))


def test_a_flood_is_capped_with_a_message(store, monkeypatch):
    monkeypatch.setattr(corrections_module, "LIMITS", replace(LIMITS, corrections_per_visitor=5))
    for k in range(5):
        store.add("a", image_of(k), k, probs_for(k), "m")
    with pytest.raises(CorrectionsError, match="you have stored 5 corrections, the most one visitor may keep"):
        store.add("a", image_of(5), 5, probs_for(5), "m")
    assert store.count("a") == 5
    assert store.add("b", image_of(5), 5, probs_for(5), "m") == 1  # others are not capped by it


def test_many_visitors_of_one_address_and_the_whole_database_are_capped(store, monkeypatch):
    """Cookies are free to get: one address's visitors together have a quota, and so does the database."""
    monkeypatch.setattr(corrections_module, "LIMITS", replace(LIMITS, corrections_per_address=4, corrections_total=6))
    for k in range(4):
        store.add(f"cookie-{k}", image_of(k), k, probs_for(k), "m", address="203.0.113.9")
    with pytest.raises(CorrectionsError, match="4 corrections have come from your network already"):
        store.add("cookie-new", image_of(1), 1, probs_for(1), "m", address="203.0.113.9")
    store.add("elsewhere", image_of(2), 2, probs_for(2), "m", address="198.51.100.7")
    store.add("elsewhere", image_of(3), 3, probs_for(3), "m", address="198.51.100.7")
    with pytest.raises(CorrectionsError, match="keeps no more corrections for now"):
        store.add("third", image_of(4), 4, probs_for(4), "m", address="192.0.2.1")
    assert store.count() == 6  # the disk holds at most the total


def test_pooled_examples_take_a_few_of_each_visitor(store, monkeypatch):
    """With corrections pooled for retraining, one visitor's flood is a small share, not everyone's data."""
    monkeypatch.setattr(corrections_module, "LIMITS", replace(LIMITS, pooled_corrections_per_visitor=3))
    for _ in range(10):
        store.add("flooder", image_of(7), 1, probs_for(7), "m")
    store.add("honest", image_of(4), 4, probs_for(4), "m")
    images, labels = store.examples()
    assert labels.tolist() == [1, 1, 1, 4]
    assert len(store.examples("flooder")[1]) == 10  # a visitor's own are all theirs


@pytest.mark.parametrize("value, digit", [("6", 6), (6, 6), (6.0, 6), (" 0 ", 0), (np.int64(9), 9)])
def test_labels(value, digit):
    assert as_label(value) == digit


@pytest.mark.parametrize("value", [10, -1, 6.5, "six", "", None, True, float("nan"), "1e400"])
def test_bad_labels_get_a_sentence(value):
    with pytest.raises(ValueError, match="A correction is a digit from 0 to 9"):
        as_label(value)


def test_a_bad_label_or_image_is_refused_before_the_database(store):
    with pytest.raises(ValueError, match="digit from 0 to 9"):
        store.add("a", image_of(0), 10, probs_for(0), "m")
    with pytest.raises(ValueError, match="uint8 28x28"):
        store.add("a", np.zeros((28, 28), np.float32), 1, probs_for(0), "m")
    assert store.count() == 0


def test_a_blank_drawing_is_not_a_correction(classifier):
    with pytest.raises(ValueError, match="The pad is empty"):
        read_for_correction(classifier, {"strokes": [], "width": 320, "height": 320})


def test_the_stored_image_is_what_the_model_read(classifier):
    value = stroke_pad_value(3)
    image, probs, _ = read_for_correction(classifier, value)
    read_probs, read_image = classifier.classify_strokes(value)
    assert np.array_equal(image, read_image) and np.allclose(probs, read_probs)


def test_in_memory_store_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGITPAD_HOME", "")
    assert home_dir() is None
    store = default_store()
    assert store.path is None and store.where == "in memory"
    store.add("a", image_of(0), 3, probs_for(3), "m")
    assert store.count("a") >= 1 and list(tmp_path.iterdir()) == []


def test_home_defaults_to_a_folder_in_the_working_directory(monkeypatch):
    monkeypatch.delenv("DIGITPAD_HOME", raising=False)
    assert str(home_dir()) == "digitpad-home"
    monkeypatch.setenv("DIGITPAD_HOME", "/data")
    assert default_store().path.as_posix() == "/data/digitpad.sqlite"


class RestrictedStore(CorrectionStore):
    """A store whose connections carry a PRAGMA: SQLite's own read-only and size limits, as a
    read-only mount or a full disk would impose them (the tests run as root, for whom chmod does not)."""

    def __init__(self, path, pragma: str):
        super().__init__(path)
        self.pragma = pragma

    @contextmanager
    def _connect(self):
        with super()._connect() as db:
            db.execute(self.pragma)
            yield db


def test_a_read_only_database_gets_a_sentence_and_keeps_what_it_has(store):
    store.add("a", image_of(0), 1, probs_for(1), "m")
    readonly = RestrictedStore(store.path, "PRAGMA query_only = ON")
    with pytest.raises(CorrectionsError, match=r"is read-only, so nothing new can be saved"):
        readonly.add("a", image_of(1), 2, probs_for(2), "m")
    assert readonly.examples("a")[1].tolist() == [1]  # reading still works


def test_a_full_disk_gets_a_sentence_and_loses_nothing(store):
    store.add("a", image_of(0), 1, probs_for(1), "m")
    pages = sqlite3.connect(store.path).execute("PRAGMA page_count").fetchone()[0]
    full = RestrictedStore(store.path, f"PRAGMA max_page_count = {pages}")
    with pytest.raises(CorrectionsError, match="is full, so nothing new can be saved"):
        for k in range(200):  # each row is ~1 KB: the file must grow
            full.add("a", image_of(k), k % 10, probs_for(k % 10), "m" * 2000)
    assert store.examples("a")[1].tolist()[:1] == [1]
    assert store.add("a", image_of(3), 3, probs_for(3), "m") >= 2  # room again: it goes on


def test_a_damaged_database_gets_a_sentence_and_is_left_as_it_is(tmp_path):
    path = tmp_path / "digitpad.sqlite"
    path.write_bytes(b"this is not a database, but someone's data" * 100)
    before = path.read_bytes()
    store = CorrectionStore(path)
    with pytest.raises(CorrectionsError, match="is damaged. It was left as it is"):
        store.add("a", image_of(0), 1, probs_for(1), "m")
    with pytest.raises(CorrectionsError, match="is damaged"):
        store.count("a")
    assert path.read_bytes() == before


def test_a_home_that_cannot_be_made_gets_a_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = CorrectionStore(blocker / "home" / "digitpad.sqlite")
    with pytest.raises(CorrectionsError, match="digitpad cannot keep corrections in"):
        store.count()


def test_a_database_from_a_newer_digitpad_is_refused(tmp_path):
    path = tmp_path / "digitpad.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(CorrectionsError, match="written by a newer digitpad"):
        CorrectionStore(path).count()


def test_export_is_an_image_folder_that_datasets_loads(store, tmp_path):
    from datasets import load_dataset

    for k in range(6):
        store.add("a" if k < 4 else "b", image_of(k), k % 3, probs_for(k % 3), "m")
    folder = tmp_path / "export"
    assert store.export(folder) == 6
    assert sorted(p.name for p in folder.iterdir()) == ["0", "1", "2", "metadata.csv"]
    data = load_dataset("imagefolder", data_dir=str(folder), split="train")
    assert len(data) == 6
    assert sorted(data["label"]) == [0, 0, 1, 1, 2, 2]
    rows = {r.id: r for r in store.corrections()}
    for example in data:
        pixels = np.asarray(example["image"].convert("L"))
        assert any(np.array_equal(pixels, r.image) and r.label == example["label"] for r in rows.values())
    mine = tmp_path / "mine"
    assert store.export(mine, session="b") == 2
