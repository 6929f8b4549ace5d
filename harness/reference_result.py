"""`ReferenceResult`: what one run of a reference (or lecture-recipe) implementation yields."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.serialize import to_jsonable

SCHEMA_VERSION = 1


@dataclass
class ReferenceResult:
    """One run of a lab's reference implementation.

    Attributes:
        lab: lab id, e.g. ``"cats-dogs"``.
        seed: the seed the run used (``keras.utils.set_random_seed``).
        quick: True for quick mode (small data, same epochs as full mode).
        metrics: metric name -> value, measured on the grader's held-out data (for
            history-only labs, the final validation accuracy of each history, since the
            grader reads those from the student's histories).
        histories: run name (``"model_A"``, ``"adam"``...) -> Keras-style history dict
            (metric -> per-epoch list), ``learning_rate`` included where the lab is about it.
        curves: metric name -> ``[elapsed_s, value]`` after each epoch, elapsed wall time
            since the start of the run with measurement time excluded (for time-to-band).
        figures: figure name -> path written (only when ``out_dir`` was given).
        timings: ``wall_s``, ``train_s``, ``train_images``, ``train_images_per_s``,
            ``infer_images_per_s``, ``data_s``, ``measure_s`` (excluded), ``peak_rss_mb``...
        config: everything that defines the run (epochs, batch size, backbone, weights,
            data sizes, schedule formulas...).
        outputs: lab-specific outputs that are not scalar metrics (top-3 lists, ...).
        recipe: ``"reference"`` or ``"lecture"`` (the lecture's recipe run the same way).
        backend: the Keras backend the run used.
    """

    lab: str
    seed: int
    quick: bool
    metrics: dict[str, float] = field(default_factory=dict)
    histories: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    curves: dict[str, list[list[float]]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    recipe: str = "reference"
    backend: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict (with ``schema_version``)."""
        data = to_jsonable(asdict(self))
        data["schema_version"] = SCHEMA_VERSION
        return data

    def to_json(self) -> str:
        """Indented JSON of `to_dict`."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=True)

    @classmethod
    def from_dict(cls, data: dict) -> "ReferenceResult":
        """Inverse of `to_dict`.

        Raises:
            ValueError: when `data` is not a reference result of a known schema version.
        """
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"ReferenceResult schema_version {version!r} is not supported "
                f"(this harness reads {SCHEMA_VERSION}). Re-run the reference."
            )
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})

    def save(self, path: Path) -> Path:
        """Writes `to_json` to `path` and returns it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())
        return path
