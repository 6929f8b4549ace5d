"""Benchmark results: one `Measurement` per number, one `BenchRun` per invocation, as JSON.

The JSON of a `BenchRun` is the contract between measuring and comparing (as
pytest-benchmark's saved runs are): it carries the machine info and fingerprint with
every number, so a comparison can tell whether a baseline applies.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from harness.serialize import write_atomic

SCHEMA_VERSION = 1
KIND = "labgrade-bench"


@dataclass
class Measurement:
    """One benchmark number.

    Attributes:
        name: key, e.g. ``"resnet50_infer_b32"`` or ``"harness_overhead_bwrap_s"``.
        unit: ``"images/s"``, ``"s"``, ``"MB"``, ``"submissions/min"`` or ``"x"`` (a ratio).
        value: the number compared against baselines: for timed steps the best round
            (least disturbed by other work on the machine), converted to the unit.
        higher_is_better: direction of "better".
        median: the median round in the same unit (None for one-off numbers).
        times_s: raw seconds per timed round (empty for one-off numbers).
        precision: Keras dtype policy the workload ran under.
        compare: False for numbers reported but never used to fail (ratios, memory).
        info: what was measured (model, batch, flops per image, definitions...).
    """

    name: str
    unit: str
    value: float
    higher_is_better: bool
    median: float | None = None
    times_s: list[float] = field(default_factory=list)
    precision: str = "float32"
    compare: bool = True
    info: dict = field(default_factory=dict)

    @classmethod
    def from_times(cls, name: str, times_s: list[float], *, items: int, unit: str, precision: str,
                   info: dict) -> "Measurement":
        """A step workload's measurement: images/s from `items` per step, else seconds per step."""
        best, med = min(times_s), statistics.median(times_s)
        if unit == "s":
            return cls(name, "s", best, False, med, list(times_s), precision, True, info)
        return cls(name, unit, items / best, True, items / med, list(times_s), precision, True, info)


@dataclass
class BenchRun:
    """Everything one benchmark invocation measured.

    Attributes:
        machine: `harness.machine.machine_info` at the end of the run.
        fingerprint: `harness.machine.fingerprint` of `machine`.
        suites: suites that ran.
        started: ISO time (UTC).
        wall_s: wall time of the whole run.
        measurements: name -> `Measurement`.
        errors: suite or workload -> error message (a failed workload does not stop the run).
        command: how it was invoked.
    """

    machine: dict = field(default_factory=dict)
    fingerprint: str = ""
    suites: list[str] = field(default_factory=list)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    wall_s: float = 0.0
    measurements: dict[str, Measurement] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    command: str = ""

    def add(self, m: Measurement) -> Measurement:
        """Adds (or replaces) a measurement and returns it."""
        self.measurements[m.name] = m
        return m

    def to_dict(self) -> dict:
        """JSON-ready dict with ``schema_version`` and ``kind``."""
        data = asdict(self)
        data.update(schema_version=SCHEMA_VERSION, kind=KIND)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "BenchRun":
        """Inverse of `to_dict`.

        Raises:
            ValueError: when `data` is not a labgrade benchmark run of a known version.
        """
        if data.get("kind") != KIND or data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"Not a labgrade benchmark run (schema {SCHEMA_VERSION}): received kind="
                             f"{data.get('kind')!r}, schema_version={data.get('schema_version')!r}. "
                             "Write one with `labgrade bench --json PATH`.")
        run = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "measurements"})
        run.measurements = {k: Measurement(**v) for k, v in (data.get("measurements") or {}).items()}
        return run

    def save(self, path: Path) -> Path:
        """Writes the run as indented JSON (atomically) and returns `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(self.to_dict(), indent=2, default=str))
        return path

    @classmethod
    def load(cls, path: Path) -> "BenchRun":
        """Reads a run written by `save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
