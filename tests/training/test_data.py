import gzip
import hashlib
import io
import pickle

import numpy as np
import pytest

from digitpad.training import data
from digitpad.training.data import MNISTError, build_idx, idx_from_classic_pickle, parse_idx, read_idx_file


def small_images(n=3):
    return (np.arange(n * 28 * 28) % 256).astype(np.uint8).reshape(n, 28, 28)


def test_parse_idx_round_trip():
    images = small_images()
    assert np.array_equal(parse_idx(build_idx(images), "x", 2051, 3), images)
    labels = np.array([1, 2, 3], np.uint8)
    assert np.array_equal(parse_idx(build_idx(labels), "y", 2049, 3), labels)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x00\x00", "too short"),
        (build_idx(np.zeros(3, np.uint8)), "magic number 2049, expected 2051"),
        (build_idx(small_images())[:-5], "truncated"),
        (build_idx(small_images(4)), "4 items, expected 3"),
        (build_idx(np.zeros((3, 20, 20), np.uint8)), "20x20"),
    ],
)
def test_parse_idx_rejects_bad_files(raw, message):
    with pytest.raises(MNISTError, match=message):
        parse_idx(raw, "file.idx", 2051, 3)


@pytest.fixture
def tiny_file_spec(monkeypatch):
    """Pretend MNIST's test labels are 3 labels long, with a known MD5."""
    raw = build_idx(np.array([7, 2, 1], np.uint8))
    monkeypatch.setitem(data.MNIST_FILES, "t10k-labels-idx1-ubyte", (hashlib.md5(raw).hexdigest(), 2049, 3))
    return raw


def test_read_idx_file_raw_and_gzipped(tmp_path, tiny_file_spec):
    (tmp_path / "a").write_bytes(tiny_file_spec)
    (tmp_path / "b.gz").write_bytes(gzip.compress(tiny_file_spec))
    for name in ("a", "b.gz"):
        labels, md5 = read_idx_file(tmp_path / name, "t10k-labels-idx1-ubyte")
        assert labels.tolist() == [7, 2, 1]


def test_checksum_mismatch_names_the_file(tmp_path, tiny_file_spec):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(tiny_file_spec[:-1] + b"\x09")  # same structure, one label changed
    with pytest.raises(MNISTError, match=r"t10k-labels-idx1-ubyte: MD5 .* expected"):
        read_idx_file(path, "t10k-labels-idx1-ubyte")


def test_corrupt_gzip_is_a_clear_error(tmp_path, tiny_file_spec):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(tiny_file_spec)[:-8])
    with pytest.raises(MNISTError, match="t10k-labels-idx1-ubyte.gz: cannot read"):
        read_idx_file(path, "t10k-labels-idx1-ubyte")


def classic_pickle(splits):
    """The layout of the classic mnist.pkl.gz: ((x, y), (x, y), (x, y)), x float32 = uint8/256."""
    payload = tuple(
        (imgs.reshape(len(imgs), -1).astype(np.float32) / 256, lbls.astype(np.int64)) for imgs, lbls in splits
    )
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as f:
        pickle.dump(payload, f, protocol=2)
    return buffer.getvalue()


def test_pypi_pickle_rebuilds_idx_bytes_exactly():
    rng = np.random.default_rng(0)
    splits = [(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)) for n in (5, 2, 3)]
    files = idx_from_classic_pickle(classic_pickle(splits))
    train_images = np.concatenate([splits[0][0], splits[1][0]])  # train followed by valid
    assert files["train-images-idx3-ubyte"] == build_idx(train_images)
    assert files["train-labels-idx1-ubyte"] == build_idx(np.concatenate([splits[0][1], splits[1][1]]).astype(np.uint8))
    assert files["t10k-images-idx3-ubyte"] == build_idx(splits[2][0])
    assert files["t10k-labels-idx1-ubyte"] == build_idx(splits[2][1].astype(np.uint8))


class Boom:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_pypi_pickle_refuses_code():
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as f:
        pickle.dump(Boom(), f)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        idx_from_classic_pickle(buffer.getvalue())


def test_source_chain_reports_each_failure_then_says_where_to_put_files(tmp_path, monkeypatch):
    def broken(target):
        raise OSError("network unreachable")

    monkeypatch.setattr(data, "SOURCES", [("mirror A", broken), ("mirror B", broken)])
    lines = []
    with pytest.raises(MNISTError) as info:
        data.ensure_mnist(tmp_path / "cache", log=lines.append)
    assert lines == ["MNIST: mirror A failed: network unreachable", "MNIST: mirror B failed: network unreachable"]
    assert "train-images-idx3-ubyte.gz" in str(info.value) and str((tmp_path / "cache").resolve()) in str(info.value)


def test_source_chain_checks_and_caches(tmp_path, monkeypatch, mnist):
    shared = data.default_data_dir()

    def bad_source(target):  # delivers a corrupt file: must be rejected, never cached
        for name in data.MNIST_FILES:
            (target / name).write_bytes(b"junk")

    def good_source(target):
        for name in data.MNIST_FILES:
            (target / name).write_bytes(gzip.decompress(data.find_idx_file(shared, name).read_bytes()))

    monkeypatch.setattr(data, "SOURCES", [("bad", bad_source), ("good", good_source)])
    lines = []
    cache = tmp_path / "cache"
    assert data.ensure_mnist(cache, log=lines.append) == cache
    assert lines[0].startswith("MNIST: bad failed:") and lines[1].startswith("MNIST: fetched via good")
    assert sorted(p.name for p in cache.iterdir()) == sorted(data.MNIST_FILES)
    lines.clear()
    data.ensure_mnist(cache, log=lines.append)  # second time: found in the cache
    assert lines == []


def test_load_mnist_splits(mnist):
    assert mnist.train_images.shape == (55_000, 28, 28) and mnist.train_images.dtype.is_floating_point is False
    assert mnist.val_images.shape == (5_000, 28, 28)
    assert mnist.test_images.shape == (10_000, 28, 28)
    assert set(mnist.test_labels.unique().tolist()) == set(range(10))
    assert sorted(mnist.checksums.values()) == sorted(md5 for md5, _, _ in data.MNIST_FILES.values())


def test_head_takes_the_first_images_of_each_split(mnist):
    small = mnist.head(5, 3, 2)
    splits = (small.train_images, small.train_labels, small.val_images, small.val_labels, small.test_images)
    assert [len(x) for x in (*splits, small.test_labels)] == [5, 5, 3, 3, 2, 2]
    assert (small.test_images == mnist.test_images[:2]).all() and small.checksums == mnist.checksums
