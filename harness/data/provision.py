"""Lay out a submission's workspace the way the lecture's code expects.

``<work>/data/train/{cat,dog}``, ``<work>/data/val/{cat,dog}``,
``<work>/data/sample-images/{cat,dog}.jpg`` and a private Keras home holding what the
lab needs (Fashion-MNIST files, ImageNet class index, backbone weights), so unchanged
lecture-style code runs without network. Held-out data is never copied here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from harness.data import catsdogs, fashion
from harness.data.catalog import CATALOG, MissingDataError
from harness.data.source import DataSource

WEIGHT_OVERRIDE_DIR = "labgrade-weights"


@dataclass
class Provisioned:
    """What was put into a workspace.

    Attributes:
        summary: item -> what was provisioned (sizes, file names).
        missing: items that could not be provisioned, with the reason (the submission
            will fail where it needs them; the message explains why).
        weight_overrides: application name -> path (inside the Keras home) of weights
            the prologue substitutes for ``weights="imagenet"``.
    """

    summary: dict = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    weight_overrides: dict[str, str] = field(default_factory=dict)


def provision(
    items: tuple[str, ...],
    *,
    work_dir: Path,
    keras_home: Path,
    source: DataSource,
    quick: bool,
    weights: dict[str, Path] | None = None,
) -> Provisioned:
    """Provisions every data item of a lab into a workspace.

    Args:
        items: the lab's data items (`LabSpec.data`).
        work_dir: the submission's working directory.
        keras_home: the submission's private Keras home.
        source: where the grader gets data from.
        quick: provision the quick-mode subsets.
        weights: application name -> weights file, used instead of the ImageNet
            download (e.g. ``{"resnet50": Path("random-resnet50.weights.h5")}``).

    Returns:
        What was provisioned and what is missing. Missing items do not raise: the
        submission runs and fails where it needs them, and the reason is recorded.
    """
    out = Provisioned()
    keras_home.mkdir(parents=True, exist_ok=True)
    (keras_home / "models").mkdir(exist_ok=True)
    for item in items:
        try:
            if item == "fashion-mnist":
                out.summary.update(fashion.provision(keras_home, source, quick=quick))
            elif item == "catsdogs":
                out.summary.update(catsdogs.provision(work_dir, source, quick=quick))
            elif item == "sample-images":
                dest = work_dir / "data" / "sample-images"
                dest.mkdir(parents=True, exist_ok=True)
                for key in ("sample-image:cat", "sample-image:dog"):
                    shutil.copyfile(source.path(key), dest / CATALOG[key].filename)
                out.summary["sample-images"] = ["cat.jpg", "dog.jpg"]
            elif item == "imagenet-class-index":
                _copy_keras(keras_home, source, "imagenet-class-index")
                out.summary[item] = "models/imagenet_class_index.json"
            elif item == "resnet50-weights":
                if weights and "resnet50" in weights:
                    out.weight_overrides["resnet50"] = _copy_override(keras_home, weights["resnet50"], "resnet50")
                    out.summary[item] = f"override {Path(weights['resnet50']).name}"
                else:
                    _copy_keras(keras_home, source, "resnet50-weights")
                    out.summary[item] = "ImageNet"
            elif item == "mobilenet-weights":
                found = [k for k in CATALOG if k.startswith("mobilenet-") and source.has(k)]
                for key in found:
                    _copy_keras(keras_home, source, key)
                out.summary[item] = found
                if not found:
                    out.missing[item] = "no MobileNet/MobileNetV2 ImageNet weights available to this grader"
            else:
                raise KeyError(f"unknown data item {item!r}")
        except MissingDataError as exc:
            out.missing[item] = str(exc)
    return out


def _copy_keras(keras_home: Path, source: DataSource, key: str) -> None:
    entry = CATALOG[key]
    dest = keras_home / entry.keras_rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.path(key), dest)


def _copy_override(keras_home: Path, path: Path, name: str) -> str:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--weights file for {name} not found: {str(path)!r}.")
    rel = f"{WEIGHT_OVERRIDE_DIR}/{name}{''.join(path.suffixes[-2:]) or '.h5'}"
    dest = keras_home / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)
    return rel
