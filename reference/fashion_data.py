"""Fashion-MNIST arrays for the references: the lecture's splits, cached as float32.

Validation = the first 5,000 training images (the lecture's split); training = the rest
(quick mode: the first `harness.data.fashion.QUICK_TRAIN` training images only, so
5,000 validation + 3,000 training, exactly what a quick-mode submission sees). The
held-out set is always the grader's: ``FashionMNIST.heldout()`` (test[5000:]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.data import fashion
from harness.data.catalog import FASHION_KEYS
from harness.data.source import DataSource

N_VALID = 5000


@dataclass(frozen=True)
class FashionSplits:
    """Float32 images in [0, 1] and uint8 labels.

    Attributes:
        x_train, y_train: training images (after the validation slice).
        x_valid, y_valid: the first 5,000 training images.
        x_heldout, y_heldout: the grader's held-out test images.
        quick: whether this is the quick-mode subset.
        fingerprint: digest of the four source files.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_heldout: np.ndarray
    y_heldout: np.ndarray
    quick: bool
    fingerprint: str

    def sizes(self) -> dict[str, int]:
        """Image counts per split, for ``config``."""
        return {"train": len(self.x_train), "valid": len(self.x_valid), "heldout": len(self.x_heldout)}


_CACHE: dict[tuple, FashionSplits] = {}


def fashion_splits(source: DataSource, *, quick: bool) -> FashionSplits:
    """The lecture's splits of Fashion-MNIST, scaled to [0, 1] once and cached in memory.

    Raises:
        MissingDataError: when a Fashion-MNIST file is not available.
    """
    fp = source.fingerprint(FASHION_KEYS)
    key = (fp, quick)
    if key not in _CACHE:
        data = fashion.load_fashion_mnist(source)
        n = fashion.QUICK_TRAIN if quick else len(data.x_train)
        if n <= N_VALID:
            raise ValueError(f"Fashion-MNIST training set has {n} images; need more than {N_VALID} (validation) .")
        x = data.x_train[:n].astype(np.float32) / 255.0
        y = data.y_train[:n]
        xh, yh = data.heldout()
        _CACHE[key] = FashionSplits(
            x_train=x[N_VALID:], y_train=y[N_VALID:], x_valid=x[:N_VALID], y_valid=y[:N_VALID],
            x_heldout=xh.astype(np.float32) / 255.0, y_heldout=yh, quick=quick, fingerprint=fp,
        )
    return _CACHE[key]


def standardized(splits: FashionSplits) -> FashionSplits:
    """Per-pixel standardisation with the training set's mean and std (the lecture's ch. 11 scaling).

    Pixels that are constant on the training set (possible on small quick subsets) are
    only centred, not divided by zero.
    """
    mean = splits.x_train.mean(axis=0, keepdims=True)
    std = splits.x_train.std(axis=0, keepdims=True)
    std = np.where(std < 1e-6, 1.0, std).astype(np.float32)

    def scale(x: np.ndarray) -> np.ndarray:
        return ((x - mean) / std).astype(np.float32)

    return FashionSplits(
        x_train=scale(splits.x_train), y_train=splits.y_train,
        x_valid=scale(splits.x_valid), y_valid=splits.y_valid,
        x_heldout=scale(splits.x_heldout), y_heldout=splits.y_heldout,
        quick=splits.quick, fingerprint=splits.fingerprint,
    )


def split_task_ab(x: np.ndarray, y: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The lecture's task split: A = 8 classes without sandal (5) and shirt (6), labels
    7, 8, 9 moved to 5, 6, 7; B = shirt (1.0) vs sandal (0.0)."""
    is_b = (y == 5) | (y == 6)
    y_a = y[~is_b].astype(np.int64)
    y_a[y_a > 6] -= 2
    y_b = (y[is_b] == 6).astype(np.float32)
    return (x[~is_b], y_a), (x[is_b], y_b)
