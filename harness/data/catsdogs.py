"""Kaggle Dogs vs. Cats: organise train.zip the way the lecture does.

Per class, ordered by Kaggle id: the first 250 images go to ``train/<class>/``, the
next 250 to ``val/<class>/``, everything after that to ``test/<class>/``, the grader's
held-out set that a submission never sees.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from harness.data.source import DataSource, file_sha256
from harness.serialize import write_atomic

CLASSES = ("cat", "dog")
PER_SPLIT = 250
QUICK_TRAIN = 30
QUICK_VAL = 20
QUICK_TEST = 50

_MEMBER = re.compile(r"(?:^|/)(cat|dog)\.(\d+)\.jpe?g$", re.IGNORECASE)


@dataclass
class CatsDogsLayout:
    """A prepared folder: ``train/``, ``val/``, ``test/``, each with ``cat/`` and ``dog/``.

    Attributes:
        root: the prepared folder.
        counts: images per split and class, e.g. ``{"train": {"cat": 250, "dog": 250}}``.
        fingerprint: sha256 prefix of the zip it came from.
    """

    root: Path
    counts: dict
    fingerprint: str

    def images(self, split: str, cls: str, limit: int | None = None) -> list[Path]:
        """Image paths of one split and class, ordered by Kaggle id."""
        files = sorted((self.root / split / cls).glob("*.jpg"), key=_kaggle_id)
        return files[:limit] if limit is not None else files


def _kaggle_id(path: Path) -> int:
    m = _MEMBER.search(path.name)
    return int(m.group(2)) if m else 1 << 60


def prepare_catsdogs(zip_path: Path, out_dir: Path, *, per_split: int = PER_SPLIT, force: bool = False) -> CatsDogsLayout:
    """Organises Kaggle's ``train.zip`` into train/val/test folders.

    Idempotent: when `out_dir` already holds a layout made from the same zip, it is
    returned as is.

    Args:
        zip_path: Kaggle's train.zip (members ``train/cat.123.jpg``...).
        out_dir: folder to create.
        per_split: images per class in train and in val.
        force: rebuild even when a matching layout exists.

    Raises:
        FileNotFoundError: when the zip is missing.
        ValueError: when the zip holds too few cat/dog images for train and val.
    """
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise FileNotFoundError(f"train.zip not found at {str(zip_path)!r}.")
    fingerprint = file_sha256(zip_path)[:16]
    manifest_path = Path(out_dir) / "manifest.json"
    if manifest_path.is_file() and not force:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("fingerprint") == fingerprint and manifest.get("per_split") == per_split:
            return CatsDogsLayout(Path(out_dir), manifest["counts"], fingerprint)
    with zipfile.ZipFile(zip_path) as zf:
        members: dict[str, list[tuple[int, str]]] = {c: [] for c in CLASSES}
        for name in zf.namelist():
            m = _MEMBER.search(name)
            if m:
                members[m.group(1).lower()].append((int(m.group(2)), name))
        for cls in CLASSES:
            if len(members[cls]) < 2 * per_split:
                raise ValueError(
                    f"{zip_path}: {len(members[cls])} {cls} images; need at least {2 * per_split} "
                    f"({per_split} train + {per_split} val). Is this Kaggle's Dogs vs. Cats train.zip?"
                )
            members[cls].sort()
        tmp = Path(str(out_dir) + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        counts: dict[str, dict[str, int]] = {"train": {}, "val": {}, "test": {}}
        for cls in CLASSES:
            splits = {
                "train": members[cls][:per_split],
                "val": members[cls][per_split : 2 * per_split],
                "test": members[cls][2 * per_split :],
            }
            for split, items in splits.items():
                folder = tmp / split / cls
                folder.mkdir(parents=True, exist_ok=True)
                for kid, name in items:
                    (folder / f"{cls}.{kid}.jpg").write_bytes(zf.read(name))
                counts[split][cls] = len(items)
    write_atomic(
        tmp / "manifest.json",
        json.dumps({"fingerprint": fingerprint, "per_split": per_split, "counts": counts, "zip": str(zip_path)}, indent=2),
    )
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return CatsDogsLayout(Path(out_dir), counts, fingerprint)


def prepared(source: DataSource) -> CatsDogsLayout:
    """The prepared layout for `source`'s train.zip, built in the cache on first use.

    Raises:
        MissingDataError: when train.zip is not available.
    """
    zip_path = source.path("catsdogs-zip")
    out = source.derived_dir / f"catsdogs-{file_sha256(zip_path)[:12]}"
    return prepare_catsdogs(zip_path, out)


def provision(work_dir: Path, source: DataSource, *, quick: bool) -> dict:
    """Copies train/ and val/ (never test/) into ``<work>/data/`` as the lecture expects."""
    layout = prepared(source)
    n_train = QUICK_TRAIN if quick else None
    n_val = QUICK_VAL if quick else None
    summary = {}
    for split, limit in (("train", n_train), ("val", n_val)):
        for cls in CLASSES:
            dest = work_dir / "data" / split / cls
            dest.mkdir(parents=True, exist_ok=True)
            files = layout.images(split, cls, limit)
            for f in files:
                shutil.copyfile(f, dest / f.name)
            summary[f"{split}/{cls}"] = len(files)
    return {"catsdogs": summary}


def heldout(source: DataSource, *, quick: bool) -> list[tuple[Path, str]]:
    """The grader's held-out images as (path, class) pairs, balanced by class."""
    layout = prepared(source)
    limit = QUICK_TEST if quick else None
    return [(p, cls) for cls in CLASSES for p in layout.images("test", cls, limit)]
