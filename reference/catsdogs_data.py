"""Cats vs dogs arrays for the references: the lecture's folders, decoded once.

Train/val = the prepared folders a submission sees (`harness.data.catsdogs`), in quick
mode the first ``QUICK_TRAIN``/``QUICK_VAL`` images per class; held-out =
`harness.data.catsdogs.heldout` (the grader's). Class order is the lecture's
(``flow_from_directory`` sorts folder names): cat = 0, dog = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.data import catsdogs
from harness.data.source import DataSource
from reference.images import cached_images

CLASS_INDICES = {"cat": 0, "dog": 1}


@dataclass
class CatsDogsArrays:
    """uint8 images (N, 224, 224, 3) and int labels per split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    heldout_paths: list[tuple[Path, str]]
    fingerprint: str

    def sizes(self) -> dict[str, int]:
        """Image counts, for ``config``."""
        return {"train": len(self.x_train), "val": len(self.x_val), "heldout": len(self.heldout_paths)}


def split_paths(source: DataSource, *, quick: bool) -> dict[str, list[tuple[Path, str]]]:
    """(path, class) per split: ``train``, ``val`` (what a submission sees) and ``heldout``."""
    layout = catsdogs.prepared(source)
    limits = {"train": catsdogs.QUICK_TRAIN if quick else None, "val": catsdogs.QUICK_VAL if quick else None}
    out = {split: [(p, c) for c in catsdogs.CLASSES for p in layout.images(split, c, limit)] for split, limit in limits.items()}
    out["heldout"] = catsdogs.heldout(source, quick=quick)
    return out


def load_split(pairs: list[tuple[Path, str]], source: DataSource) -> tuple[np.ndarray, np.ndarray]:
    """Decoded images (cached) and labels of (path, class) pairs."""
    x = cached_images([p for p, _ in pairs], cache_dir=source.derived_dir)
    y = np.array([CLASS_INDICES[c] for _, c in pairs], dtype=np.int64)
    return x, y


def catsdogs_arrays(source: DataSource, *, quick: bool) -> CatsDogsArrays:
    """Train and validation arrays (decoded once) and the held-out (path, class) list."""
    paths = split_paths(source, quick=quick)
    x_train, y_train = load_split(paths["train"], source)
    x_val, y_val = load_split(paths["val"], source)
    return CatsDogsArrays(x_train, y_train, x_val, y_val, paths["heldout"], catsdogs.prepared(source).fingerprint)
