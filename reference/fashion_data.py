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
from harness.evaluate.perturb import perturb

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
        scaling: ``unit`` (x/255), ``standardized`` (per pixel) or ``raw`` (0-255).
        mean, std: the per-pixel statistics used by ``standardized`` (None otherwise).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_heldout: np.ndarray
    y_heldout: np.ndarray
    quick: bool
    fingerprint: str
    scaling: str = "unit"
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def rescale(self, x_unit: np.ndarray) -> np.ndarray:
        """Images in [0, 1] prepared the way these splits were (for perturbed held-out images)."""
        if self.scaling == "standardized":
            return ((x_unit - self.mean) / self.std).astype(np.float32)
        if self.scaling == "raw":
            return (x_unit * 255.0).astype(np.float32)
        return x_unit.astype(np.float32)

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
        quick=splits.quick, fingerprint=splits.fingerprint, scaling="standardized", mean=mean, std=std,
    )


SCALINGS = ("standardized", "unit", "raw")


def scaled(splits: FashionSplits, scaling: str) -> FashionSplits:
    """`splits` (in [0, 1]) prepared with `scaling`: per-pixel ``standardized`` (the lecture's ch. 11),
    ``unit`` (x/255, the lecture's ch. 10) or ``raw`` (0-255).

    Raises:
        ValueError: for another scaling.
    """
    if scaling == "standardized":
        return standardized(splits)
    if scaling == "unit":
        return splits
    if scaling == "raw":
        return FashionSplits(x_train=splits.x_train * 255.0, y_train=splits.y_train, x_valid=splits.x_valid * 255.0,
                             y_valid=splits.y_valid, x_heldout=splits.x_heldout * 255.0, y_heldout=splits.y_heldout,
                             quick=splits.quick, fingerprint=splits.fingerprint, scaling="raw")
    raise ValueError(f"Unknown scaling {scaling!r}; expected one of {', '.join(SCALINGS)}.")


def perturbed_heldout(source: DataSource, splits: FashionSplits, seed: int) -> np.ndarray:
    """The held-out images under the grader's private perturbation (`harness.evaluate.perturb`),
    prepared like `splits`: the reference's accuracy drop on them calibrates what a learned
    model loses, against which a memorised test set is judged."""
    raw, _ = fashion.load_fashion_mnist(source).heldout()
    return splits.rescale(perturb(raw, seed).astype(np.float32) / 255.0)


def split_task_ab(x: np.ndarray, y: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The lecture's task split: A = 8 classes without sandal (5) and shirt (6), labels
    7, 8, 9 moved to 5, 6, 7; B = shirt (1.0) vs sandal (0.0)."""
    is_b = (y == 5) | (y == 6)
    y_a = y[~is_b].astype(np.int64)
    y_a[y_a > 6] -= 2
    y_b = (y[is_b] == 6).astype(np.float32)
    return (x[~is_b], y_a), (x[is_b], y_b)
