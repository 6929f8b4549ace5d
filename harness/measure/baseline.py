"""Baselines per machine fingerprint, and the comparison that gates regressions.

A baseline is ``rubrics/baselines/<fingerprint>.json``: the machine info and, per
benchmark, the value a later run is compared with. Comparisons are ratios, never
absolute thresholds: ``speed = current / baseline`` for throughputs and
``baseline / current`` for times, so ``speed < 1`` is slower whatever the unit. A
benchmark *regresses* when it is more than ``1 + tolerance`` times slower than its
baseline (``speed < 1 / (1 + tolerance)``); the default tolerance, 0.5, fails a run
that is 1.5x slower or worse and passes the run-to-run noise of a shared 2-core CI
machine. Only a baseline of the same fingerprint can fail a run; a baseline of another
machine is reported (the nearest: same backend and device first) and never fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from harness.machine import fingerprint_fields
from harness.measure.results import BenchRun
from harness.labs import PROJECT_ROOT
from harness.serialize import write_atomic

BASELINES_DIR = PROJECT_ROOT / "rubrics" / "baselines"
DEFAULT_TOLERANCE = 0.5
SCHEMA_VERSION = 1


def baseline_path(fingerprint: str, *, baselines_dir: Path = BASELINES_DIR) -> Path:
    """Where the baseline of `fingerprint` lives."""
    return Path(baselines_dir) / f"{fingerprint}.json"


def load_baseline(path: Path) -> dict:
    """A baseline file's content.

    Raises:
        ValueError: when the file is not a baseline of a known schema version.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION or "fingerprint" not in data:
        raise ValueError(f"{path} is not a labgrade baseline (schema {SCHEMA_VERSION}); received "
                         f"schema_version={data.get('schema_version')!r}. Re-save it with `labgrade bench --save`.")
    return data


def save_baseline(run: BenchRun, *, baselines_dir: Path = BASELINES_DIR, names: list[str] | None = None,
                  section: str = "benchmarks") -> Path:
    """Stores `run`'s measurements as the baseline of its fingerprint.

    Entries of an existing baseline that this run did not measure are kept (suites can be
    saved one at a time); measured ones are replaced.

    Args:
        run: the measured run.
        baselines_dir: folder of baseline files.
        names: only these measurements (default: all that are comparable).
        section: ``"benchmarks"`` (bench) or ``"reference"`` (verify gate throughputs).

    Returns:
        The baseline file written.
    """
    path = baseline_path(run.fingerprint, baselines_dir=baselines_dir)
    data = load_baseline(path) if path.is_file() else {"schema_version": SCHEMA_VERSION, "fingerprint": run.fingerprint}
    data["fingerprint_fields"] = fingerprint_fields(run.machine)
    data["machine"] = run.machine
    data["saved"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data["tolerance_default"] = DEFAULT_TOLERANCE
    entries = data.setdefault(section, {})
    for name, m in run.measurements.items():
        if (names is None and m.compare) or (names is not None and name in names):
            entries[name] = {"value": m.value, "unit": m.unit, "higher_is_better": m.higher_is_better,
                             "median": m.median, "precision": m.precision, "saved": data["saved"],
                             "info": {k: v for k, v in m.info.items() if isinstance(v, (str, int, float, bool))}}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    return path


def find_baseline(fingerprint: str, fields: dict, *, baselines_dir: Path = BASELINES_DIR) -> tuple[dict | None, bool]:
    """The baseline for a run: ``(baseline, same_machine)``.

    The baseline of `fingerprint` when it exists (``same_machine=True``); otherwise the
    nearest other one (most fingerprint fields equal, backend and device weighing most)
    with ``same_machine=False``; ``(None, False)`` when there is none.
    """
    exact = baseline_path(fingerprint, baselines_dir=baselines_dir)
    if exact.is_file():
        return load_baseline(exact), True
    best, best_score = None, -1
    for path in sorted(Path(baselines_dir).glob("*.json")) if Path(baselines_dir).is_dir() else []:
        try:
            data = load_baseline(path)
        except (ValueError, OSError):
            continue
        other = data.get("fingerprint_fields", {})
        score = sum((3 if k in ("backend", "device") else 1) for k in fields if other.get(k) == fields[k])
        if score > best_score:
            best, best_score = data, score
    return best, False


@dataclass
class Row:
    """One benchmark's comparison.

    Attributes:
        name: benchmark name.
        unit: unit of `current` and `baseline`.
        current: this run's value (None: not measured in this run).
        baseline: the baseline's value (None: no baseline entry).
        speed: ``current/baseline`` (throughput) or ``baseline/current`` (time); > 1 is faster.
        status: ``ok``, ``regressed``, ``improved``, ``new``, ``missing`` or ``info``
            (not compared: another machine's baseline, or a reported-only number).
    """

    name: str
    unit: str
    current: float | None
    baseline: float | None
    speed: float | None
    status: str


@dataclass
class Comparison:
    """A run against a baseline.

    Attributes:
        fingerprint: the run's fingerprint.
        baseline_fingerprint: the baseline's (None: no baseline at all).
        same_machine: True when the baseline is of the same fingerprint (only then can it fail).
        tolerance: the regression tolerance used.
        rows: one `Row` per benchmark in the run or the baseline.
        note: a sentence saying what was compared with what.
    """

    fingerprint: str
    baseline_fingerprint: str | None
    same_machine: bool
    tolerance: float
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    @property
    def regressions(self) -> list[Row]:
        """Rows that fail the run."""
        return [r for r in self.rows if r.status == "regressed"]

    @property
    def failed(self) -> bool:
        """True when a benchmark regressed against a same-machine baseline."""
        return bool(self.regressions)


def speed_ratio(current: float, baseline: float, *, higher_is_better: bool) -> float | None:
    """``current/baseline`` for throughputs, ``baseline/current`` for times; None when undefined."""
    if not current or not baseline or current <= 0 or baseline <= 0:
        return None
    return current / baseline if higher_is_better else baseline / current


def compare_run(run: BenchRun, *, baselines_dir: Path = BASELINES_DIR, tolerance: float = DEFAULT_TOLERANCE,
                baseline: dict | None = None, section: str = "benchmarks") -> Comparison:
    """Compares `run` with the baseline of its fingerprint (or reports the nearest other one).

    Args:
        run: the measured run.
        baselines_dir: folder of baseline files.
        tolerance: a benchmark regresses when ``speed < 1 / (1 + tolerance)``.
        baseline: compare with this baseline dict instead of looking one up.
        section: ``"benchmarks"`` or ``"reference"``.

    Raises:
        ValueError: for a negative tolerance.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0 (0.5 fails a run 1.5x slower than its baseline); received {tolerance!r}.")
    fields = fingerprint_fields(run.machine)
    if baseline is None:
        baseline, same = find_baseline(run.fingerprint, fields, baselines_dir=baselines_dir)
    else:
        same = baseline.get("fingerprint") == run.fingerprint
    cmp = Comparison(run.fingerprint, baseline.get("fingerprint") if baseline else None, same, tolerance)
    if baseline is None:
        cmp.note = (f"No baseline in {baselines_dir} for this machine ({run.fingerprint}) or any other; nothing "
                    "compared. Save one with `labgrade bench --save`.")
        cmp.rows = [Row(n, m.unit, m.value, None, None, "new") for n, m in run.measurements.items()]
        return cmp
    if same:
        cmp.note = f"Compared with the baseline of this machine ({run.fingerprint}), tolerance {tolerance:g}."
    else:
        diff = {k: (v, baseline.get("fingerprint_fields", {}).get(k)) for k, v in fields.items()
                if baseline.get("fingerprint_fields", {}).get(k) != v}
        cmp.note = (f"No baseline for this machine ({run.fingerprint}); the nearest, {baseline['fingerprint']}, "
                    f"is from another configuration ({', '.join(f'{k}: {a!r} here vs {b!r}' for k, (a, b) in diff.items())}); "
                    "ratios are reported, never used to fail. Save this machine's with `labgrade bench --save`.")
    entries = baseline.get(section, {})
    limit = 1.0 / (1.0 + tolerance)
    for name, m in run.measurements.items():
        base = entries.get(name)
        if base is None:
            cmp.rows.append(Row(name, m.unit, m.value, None, None, "new"))
            continue
        speed = speed_ratio(m.value, base["value"], higher_is_better=m.higher_is_better)
        if not same or not m.compare or speed is None:
            status = "info"
        elif speed < limit:
            status = "regressed"
        elif speed > 1.0 + tolerance:
            status = "improved"
        else:
            status = "ok"
        cmp.rows.append(Row(name, m.unit, m.value, base["value"], speed, status))
    for name, base in entries.items():
        if name not in run.measurements:
            cmp.rows.append(Row(name, base.get("unit", ""), None, base["value"], None, "missing"))
    return cmp
