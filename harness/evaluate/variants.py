"""Bands that follow a student's valid choices: read the configuration a run used, find its bands.

The reference is calibrated on one recipe (epochs, batch size, input scaling). A student
who makes a choice the lecture leaves open must be judged against bands measured for
that choice. The configuration is read from the trace (what each run actually did), the
rubric's ``[variation]`` says which choices are allowed, and the bands come from, in
order: the default calibration (same configuration), a variant calibrated in advance
(``[variants.<mode>."<key>"]``), a variant measured on demand earlier (cached by its key
in the data cache), or an on-demand calibration now (the reference run over seeds with
the same olympic rule, in a separate process). A configuration the lab does not allow is
reported as such and judged against the default bands, never silently.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.evaluate.histories import by_canonical, matching_fit
from harness.data.source import DataSource
from harness.untrusted import UntrustedDataError, load_json_file
from harness.labs import LabSpec
from harness.models import Execution, TraceEvent
from harness.rubric import Band, Rubric

ONDEMAND_TIMEOUT_S = 3600.0
ONDEMAND_SEEDS = 5

# The reference's configuration keys that correspond to a student's choices.
DIMENSIONS = ("batch_size", "scaling", "epochs")


@dataclass
class Resolved:
    """The bands that apply to one submission's configuration.

    Attributes:
        config: the student's configuration (dimension -> value) as the trace shows it.
        key: the variant key (``""`` for the reference's own configuration).
        source: where the bands come from, for the report.
        allowed: False when the configuration is outside what the lab allows.
        bands: metric -> Band for this configuration (empty: the rubric's default bands apply).
        calibration: provenance of the variant's bands.
    """

    config: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    source: str = "the reference's own configuration"
    allowed: bool = True
    bands: dict[str, Band] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)


# How calibrations made before the scaling vocabulary existed wrote the reference's input scaling.
SCALING_ALIASES = {"per-pixel standardisation": "standardized", "per-pixel standardization": "standardized",
                   "standardised": "standardized", "x / 255": "unit", "x/255": "unit", "/255": "unit"}


def reference_config(defaults: dict[str, Any], dims: list[str]) -> dict[str, Any]:
    """The reference's values of `dims`, in the vocabulary `student_config` uses; dimensions its
    calibration did not record are left out (a run is never judged different on an unknown)."""
    out = {}
    for d in dims:
        value = defaults.get(d)
        if value is None:
            continue
        out[d] = SCALING_ALIASES.get(str(value).strip().lower(), value) if d == "scaling" else value
    return out


def scaling_of(stats: dict) -> str | None:
    """``standardized``, ``unit`` or ``raw`` from the value range of training inputs (None when unknown)."""
    lo, hi = stats.get("min"), stats.get("max")
    if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)):
        return None
    if lo < -0.05:
        return "standardized"
    return "unit" if hi <= 1.5 else "raw"


def _relevant_fits(execution: Execution, lab: LabSpec) -> list[list[TraceEvent]]:
    """The runs whose configuration is the lab's result, each as its fits in order: one per verified
    history (optimizers, lr-schedules), else every fit of the exported model (a training continued
    with ``initial_epoch`` is one run of all its epochs)."""
    fits = [t for t in execution.trace if t.kind == "fit" and t.complete and t.epoch_logs]
    if lab.id in ("optimizers", "lr-schedules"):
        exp = execution.exports.get("histories")
        found = by_canonical(exp.data if exp is not None and exp.found and isinstance(exp.data, dict) else {})
        matched = [matching_fit(h, execution.trace, lab=lab) for _, h in found.values()]
        return [[f] for f in matched if f is not None]
    name = {"fashion-transfer": "model_A"}.get(lab.id, "model")
    exp = execution.exports.get(name)
    mid = exp.data.get("model_id") if exp is not None and isinstance(exp.data, dict) else None
    own = [f for f in fits if f.model_id == mid]
    return [own] if own else []


def student_config(execution: Execution, lab: LabSpec, dimensions: list[str]) -> dict[str, Any]:
    """What the relevant fits actually used, per dimension (the most common value across fits)."""
    values: dict[str, Counter] = {d: Counter() for d in dimensions}
    for run in _relevant_fits(execution, lab):
        if "epochs" in values:
            values["epochs"][sum(len(f.epoch_logs) for f in run)] += 1
        last = run[-1]  # the configuration the finished model was trained with
        if "batch_size" in values and last.batch_size:
            values["batch_size"][int(last.batch_size)] += 1
        if "scaling" in values and last.input_stats:
            scaling = scaling_of(last.input_stats)
            if scaling:
                values["scaling"][scaling] += 1
    return {d: c.most_common(1)[0][0] for d, c in values.items() if c}


def _allowed(value: Any, rule: Any) -> bool:
    if isinstance(rule, list) and len(rule) == 2 and all(isinstance(v, (int, float)) for v in rule):
        return isinstance(value, (int, float)) and rule[0] <= value <= rule[1]
    if isinstance(rule, list):
        return value in rule
    return False


def resolve(execution: Execution, *, lab: LabSpec, rubric: Rubric, defaults: dict[str, Any], source: DataSource,
            ondemand: bool = True, seeds: int = ONDEMAND_SEEDS) -> Resolved:
    """The bands for this submission's configuration (see the module docstring for the order).

    Args:
        execution: the run (its trace says what it did).
        lab: the lab.
        rubric: its ``variation`` and stored ``variants``.
        defaults: the reference's default configuration (the calibrated one).
        source: the data the references train on (for an on-demand calibration).
        ondemand: allow calibrating a new configuration now (a batch pays once per configuration).
        seeds: seeds of an on-demand calibration.
    """
    mode = "quick" if execution.quick else "full"
    allowed = (rubric.variation or {}).get("allowed") or {}
    dims = [d for d in DIMENSIONS if d in allowed]
    config = student_config(execution, lab, dims)
    reference = reference_config(defaults, dims)
    differing = {d: v for d, v in config.items() if d in reference and reference[d] != v}
    key = ",".join(f"{k}={differing[k]}" for k in sorted(differing))
    out = Resolved(config=config, key=key)
    if not differing:
        return out
    bad = [d for d, v in differing.items() if not _allowed(v, allowed[d])]
    if bad:
        out.allowed = False
        out.source = (f"not an allowed configuration ({', '.join(f'{d}={differing[d]}' for d in bad)}; allowed: "
                      f"{', '.join(f'{d} {allowed[d]}' for d in bad)}): judged against the reference's own bands")
        return out
    stored = rubric.variants.get(mode, {}).get(key)
    if stored:
        out.bands, out.calibration = stored["bands"], stored["calibration"]
        out.source = f"calibrated for {key} (stored in the rubric)"
        return out
    cached = ondemand_path(source, lab.id, mode, key)
    section = _read_section(cached)
    if section is None and ondemand:
        section = calibrate_now(lab.id, mode, differing, source=source, seeds=seeds, path=cached)
    if section is None:
        out.source = f"no calibration for {key} yet (on-demand calibration unavailable): the reference's own bands"
        return out
    out.bands = {m: Band(metric=m, low=float(b["low"]), high=float(b["high"]), mean=b.get("mean"),
                         values=tuple(float(v) for v in b.get("values", [])))
                 for m, b in (section.get("bands") or {}).items()}
    out.calibration = section.get("calibration") or {}
    out.source = f"calibrated for {key} on demand ({out.calibration.get('n', '?')} seeds, cached)"
    return out


def ondemand_path(source: DataSource, lab: str, mode: str, key: str) -> Path:
    """Where an on-demand calibration of `key` is cached (by lab, mode and configuration)."""
    digest = hashlib.sha256(f"{lab}|{mode}|{key}".encode()).hexdigest()[:16]
    return source.derived_dir / "calibrations" / f"{lab}-{mode}-{digest}.json"


def _read_section(path: Path) -> dict | None:
    try:
        data = load_json_file(path, max_bytes=16 << 20)
    except UntrustedDataError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("bands"), dict) else None


def calibrate_now(lab: str, mode: str, config: dict, *, source: DataSource, seeds: int, path: Path) -> dict | None:
    """Runs the reference in `config` over `seeds` seeds in a separate process; caches and returns its section.

    Concurrent graders of one class wait on a lock, so each configuration is calibrated once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        section = _read_section(path)
        if section is not None:
            return section
        request = {"lab": lab, "quick": mode == "quick", "config": config, "seeds": seeds,
                   "data_root": str(source.root) if source.root else None, "cache_dir": str(source.derived_dir),
                   "out": str(path)}
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        try:
            subprocess.run([sys.executable, "-m", "harness.calibration", json.dumps(request)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=ONDEMAND_TIMEOUT_S,
                           check=False)
        except subprocess.TimeoutExpired:
            return None
        return _read_section(path)
