"""Fashion-MNIST: read Keras' cache files, split public vs held-out, write subsets.

The grader keeps part of the official test set for itself: the submission's
``load_data()`` returns the first `PUBLIC_TEST` test images (the provisioned cache
files hold only those), and the grader measures accuracy on the rest, which the
submission never sees.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.data.catalog import CATALOG, FASHION_KEYS
from harness.data.source import DataSource

PUBLIC_TEST = 5000
"""Test images the submission sees; the remaining 5,000 are the grader's held-out set."""

QUICK_TRAIN = 8000
"""Training images provisioned in quick mode (the first 5,000 are the lecture's validation set)."""

QUICK_TEST = 1000
"""Public test images provisioned in quick mode."""

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass
class FashionMNIST:
    """The arrays of the whole data set (uint8 images 28x28, uint8 labels)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def heldout(self) -> tuple[np.ndarray, np.ndarray]:
        """The grader's held-out test images: never provisioned to a submission."""
        return self.x_test[PUBLIC_TEST:], self.y_test[PUBLIC_TEST:]

    def public_test(self) -> tuple[np.ndarray, np.ndarray]:
        """The test images a submission's ``load_data()`` returns."""
        return self.x_test[:PUBLIC_TEST], self.y_test[:PUBLIC_TEST]


def read_idx_gz(path: Path) -> np.ndarray:
    """Reads a gzipped IDX file (the MNIST format) into a uint8 array.

    Raises:
        ValueError: when the header does not describe the payload.
    """
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: not an IDX file (only {len(raw)} bytes).")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08 or ndim not in (1, 3):
        raise ValueError(f"{path}: unexpected IDX header (dtype {dtype:#x}, {ndim} dims).")
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    offset = 4 + 4 * ndim
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset)
    expected = int(np.prod(dims))
    if data.size != expected:
        raise ValueError(f"{path}: header says {dims} ({expected} values), file holds {data.size}.")
    return data.reshape(dims)


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Writes a uint8 array as a gzipped IDX file that Keras' loader reads."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(header + array.tobytes())


_CACHE: dict[tuple, FashionMNIST] = {}


def load_fashion_mnist(source: DataSource) -> FashionMNIST:
    """Loads the full data set from `source` (downloads through Keras when online).

    Raises:
        MissingDataError: when a file is missing offline.
    """
    paths = {k: source.path(f"fashion-mnist/{k}") for k in ("train-images", "train-labels", "test-images", "test-labels")}
    key = tuple((str(p), p.stat().st_mtime_ns) for p in paths.values())
    if key not in _CACHE:
        _CACHE[key] = FashionMNIST(
            x_train=read_idx_gz(paths["train-images"]),
            y_train=read_idx_gz(paths["train-labels"]),
            x_test=read_idx_gz(paths["test-images"]),
            y_test=read_idx_gz(paths["test-labels"]),
        )
    return _CACHE[key]


def provision(keras_home: Path, source: DataSource, *, quick: bool) -> dict:
    """Writes the submission's view of Fashion-MNIST into a sandbox Keras home.

    The files hold the public part of the test set only (and, in quick mode, the
    first `QUICK_TRAIN` training images), so ``keras.datasets.fashion_mnist.load_data()``
    works unchanged inside the sandbox while the held-out images stay with the grader.
    The compressed files are built once per data set and mode in the derived-data
    cache and copied from there (copied, not linked: the sandbox owns its workspace).

    Returns:
        A summary: sizes provisioned.
    """
    data = load_fashion_mnist(source)
    n_train = QUICK_TRAIN if quick else len(data.x_train)
    n_test = QUICK_TEST if quick else PUBLIC_TEST
    arrays = {
        "train-images": data.x_train[:n_train], "train-labels": data.y_train[:n_train],
        "test-images": data.x_test[:n_test], "test-labels": data.y_test[:n_test],
    }
    cache = source.derived_dir / f"fashion-sandbox-{source.fingerprint(FASHION_KEYS)}-{n_train}-{n_test}"
    if not (cache / "complete").is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".fashion-", dir=cache.parent))
        for key, array in arrays.items():
            write_idx_gz(tmp / CATALOG[f"fashion-mnist/{key}"].filename, array)
        (tmp / "complete").write_text("ok\n")
        try:
            os.rename(tmp, cache)
        except OSError:  # another worker built it first
            shutil.rmtree(tmp, ignore_errors=True)
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for key in arrays:
        name = CATALOG[f"fashion-mnist/{key}"].filename
        shutil.copyfile(cache / name, folder / name)
    return {"fashion-mnist": {"train": n_train, "test": n_test}}
