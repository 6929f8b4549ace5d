"""Data before code: every file a lab needs is found (or downloaded) before any submission runs.

A submission must never be run, or graded, against missing grader data: a missing
Fashion-MNIST file or backbone would make correct code fail and the grade blame the
student. `ensure_lab_data` resolves every file of a lab (downloading through Keras
where that is the real path and allowed) and raises one `LabDataMissing` naming each
missing file, where it was looked for and how to provide it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.data.catalog import CATALOG, FASHION_KEYS, LabDataMissing, MissingDataError
from harness.data.source import DataSource
from harness.labs import LabSpec

MOBILENET_KEYS = tuple(k for k in CATALOG if k.startswith("mobilenet-"))
# Downloaded when no MobileNet backbone is present and downloads are allowed: the lecture's
# default (alpha 1.0) of both versions, since the lab accepts MobileNet or MobileNetV2.
MOBILENET_DOWNLOAD = ("mobilenet-v2-1", "mobilenet-v1-1")

_ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "fashion-mnist": FASHION_KEYS,
    "catsdogs": ("catsdogs-zip",),
    "sample-images": ("sample-image:cat", "sample-image:dog"),
    "imagenet-class-index": ("imagenet-class-index",),
    "resnet50-weights": ("resnet50-weights",),
}


@dataclass(frozen=True)
class Requirement:
    """Files one data item of a lab needs.

    Attributes:
        item: the lab's data item (`LabSpec.data`).
        keys: catalog keys that must all be present.
        any_of: alternatives of which one suffices (MobileNet backbones of any version/alpha).
    """

    item: str
    keys: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()


def requirements(lab: LabSpec, *, weights: dict[str, Path] | None = None) -> list[Requirement]:
    """What `lab` needs; a ``--weights`` override replaces the ImageNet file it stands for."""
    out = []
    for item in lab.data:
        if item == "mobilenet-weights":
            out.append(Requirement(item, any_of=MOBILENET_KEYS))
        elif item == "resnet50-weights" and weights and "resnet50" in weights:
            continue
        elif item in _ITEM_KEYS:
            out.append(Requirement(item, keys=_ITEM_KEYS[item]))
        else:
            raise KeyError(f"unknown data item {item!r} of lab {lab.id!r}")
    return out


def ensure_lab_data(lab: LabSpec, source: DataSource, *, weights: dict[str, Path] | None = None,
                    progress: Callable[[str], None] | None = None) -> None:
    """Makes sure every file `lab` needs is available; downloads what Keras would download.

    Args:
        lab: the lab.
        source: where data comes from.
        weights: application -> weights file overriding ``weights="imagenet"``.
        progress: called with a line before each download.

    Raises:
        LabDataMissing: listing every missing file (nothing has been run).
    """
    missing: list[MissingDataError] = []
    for req in requirements(lab, weights=weights):
        for key in req.keys:
            try:
                _resolve(source, key, progress)
            except MissingDataError as exc:
                missing.append(exc)
        if req.any_of and not any(source.has(k) for k in req.any_of):
            failures = []
            for key in MOBILENET_DOWNLOAD if source.allow_download and source.root is None else ():
                try:
                    _resolve(source, key, progress)
                    break
                except MissingDataError as exc:
                    failures.append(exc)
            else:
                missing.append(failures[0] if failures else _none_of(source, req))
    for name, path in (weights or {}).items():
        if not Path(path).is_file():
            missing.append(MissingDataError(
                CATALOG["resnet50-weights"] if name == "resnet50" else CATALOG[MOBILENET_KEYS[0]],
                [str(path)], reason=f"--weights {name}={path}: no such file"))
    if missing:
        raise LabDataMissing(lab.id, missing)


def lab_status(lab: LabSpec, source: DataSource, *, weights: dict[str, Path] | None = None) -> list[dict]:
    """One row per requirement of `lab`, without downloading: ``present``, ``download`` or ``missing``."""
    can_download = source.allow_download and source.root is None
    rows = []
    for req in requirements(lab, weights=weights):
        if req.keys:
            present = [k for k in req.keys if source.has(k)]
            absent = [k for k in req.keys if k not in present]
            downloadable = can_download and all(CATALOG[k].url for k in absent)
        else:
            present = [k for k in req.any_of if source.has(k)]
            absent = [] if present else list(req.any_of)
            downloadable = can_download
        state = "present" if not absent else ("download" if downloadable else "missing")
        rows.append({"lab": lab.id, "item": req.item, "state": state, "present": present, "missing": absent})
    return rows


def _resolve(source: DataSource, key: str, progress: Callable[[str], None] | None) -> Path:
    if progress and not source.has(key) and CATALOG[key].url and source.allow_download and source.root is None:
        entry = CATALOG[key]
        progress(f"downloading {entry.filename} ({entry.size_hint or 'size unknown'}) into the Keras cache")
    return source.path(key)


def _none_of(source: DataSource, req: Requirement) -> MissingDataError:
    entry = CATALOG[req.any_of[0]]
    looked = [str(p) for k in req.any_of for p in source.candidates(CATALOG[k])]
    names = ", ".join(CATALOG[k].filename for k in req.any_of)
    return MissingDataError(entry, looked, reason=f"none of the MobileNet backbones is present ({names})")
