"""Inputs the grader calls exported functions on (e.g. ``classify(img_path)``).

Labels are what feedback shows; hidden inputs are labelled ``hidden-N`` so that their
identity does not leak into student-facing output.
"""

from __future__ import annotations

from pathlib import Path

from harness.data import catsdogs
from harness.data.catalog import MissingDataError
from harness.data.source import DataSource

HIDDEN_PER_CLASS = 2


def hidden_images(source: DataSource) -> list[Path]:
    """The first `HIDDEN_PER_CLASS` cats and dogs of the held-out test split, or [] without train.zip."""
    try:
        pairs = catsdogs.heldout(source, quick=True)
    except (MissingDataError, FileNotFoundError, ValueError):
        return []
    out: list[Path] = []
    for cls in catsdogs.CLASSES:
        out += [p for p, c in pairs if c == cls][:HIDDEN_PER_CLASS]
    return out


def resolve(items: tuple[str, ...], source: DataSource) -> list[tuple[str, Path]]:
    """Turns a contract's input names into (label, path) pairs, in calling order.

    ``sample-image:cat`` is called twice (``cat.jpg`` then ``cat.jpg#2``): the second
    call measures latency once the model is warm (or shows it is rebuilt per call).
    """
    out: list[tuple[str, Path]] = []
    for item in items:
        if item.startswith("sample-image:"):
            try:
                path = source.path(item)
            except MissingDataError:
                continue
            out += [(path.name, path), (f"{path.name}#2", path)]
        elif item == "hidden-images":
            out += [(f"hidden-{i + 1}", p) for i, p in enumerate(hidden_images(source))]
        else:
            raise KeyError(f"Unknown callable input {item!r}.")
    return out
