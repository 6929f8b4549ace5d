"""The reference gate: run labs' references, fail when a metric leaves its band or throughput regresses.

For each lab, `verify` runs the reference once (seed 0 by default) in the rubric's
mode, with the configuration the bands were calibrated with (``[calibration.<mode>.config]``,
keys the lab's ``DEFAULTS`` know), and checks:

* **bands**: every banded metric inside ``[low, high]`` of ``[bands.<mode>]``. A band
  holds only for the configuration it was measured on (LABS.md): when the run's backend,
  device, precision, data or configuration differ from the band's provenance, a miss is
  a warning that names the difference (``strict_bands=True`` makes it fail).
* **throughput**: the lab's training images/s (inference images/s for resnet50-top3)
  against the baseline *of the same machine fingerprint*: a ``reference`` entry of
  ``rubrics/baselines/<fingerprint>.json`` (written with ``save_baseline=True``), else the
  median of the rubric's calibration throughput when the calibration's machine has the
  same fingerprint. A run regresses when it is more than ``1 + tolerance`` times slower
  (default 1.0: twice as slow; single reference runs on a shared 2-core machine spread
  by up to 2x between seeds). A baseline of another machine is never used.

Time-to-band (elapsed training time until every banded curve first enters its band) is
reported for each lab, as calibration defines it.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from harness.measure import baseline as bl
from harness.machine import fingerprint, fingerprint_fields, machine_info
from harness.calibration import lab_module, result_time_to_band
from harness.data.source import DataSource
from harness.labs import LABS, get_lab
from harness.measure.results import BenchRun, Measurement
from harness.rubric import read_band_section
from harness.serialize import write_atomic

REFERENCE_TOLERANCE = 1.0
MIXED_PRECISION_LABS = ("cats-dogs",)
"""Labs whose reference may run under ``mixed_bfloat16``: a frozen backbone and a small
head, graded on accuracy. The Fashion-MNIST MLPs gain nothing from it, and resnet50-top3
compares probabilities to a tolerance that bf16 rounding would eat into."""


@dataclass
class MetricCheck:
    """One banded metric of one run. ``status``: ``pass``, ``fail``, ``warn`` (miss of a
    band from another configuration) or ``missing`` (the run did not report it)."""

    name: str
    value: float | None
    low: float
    high: float
    status: str


@dataclass
class ThroughputCheck:
    """The lab's throughput against a baseline. ``status``: ``ok``, ``regressed``, ``improved``
    or ``none`` (no baseline of this machine); ``source`` says where the baseline came from."""

    name: str
    value: float | None
    baseline: float | None
    speed: float | None
    status: str
    source: str = ""


@dataclass
class LabVerification:
    """What the gate found for one lab.

    Attributes:
        lab: lab id.
        mode: ``quick`` or ``full``.
        status: ``pass``, ``warn`` (only foreign-band misses), ``fail`` or ``error``.
        precision: the dtype policy the reference ran under (``mixed_bfloat16`` only for
            `MIXED_PRECISION_LABS` when mixed precision was asked for).
        band_mismatches: how the run's configuration differs from the bands' provenance
            (empty: the bands apply as measured).
        metrics: one `MetricCheck` per banded metric.
        throughput: the throughput check (None when the lab reports none).
        time_to_band_s: see `harness.calibration.result_time_to_band`.
        wall_s: the reference run's wall time.
        timings: the run's timings (images/s, peak RSS...).
        error: traceback tail when the run itself failed.
    """

    lab: str
    mode: str
    status: str = "pass"
    precision: str = "float32"
    band_mismatches: list[str] = field(default_factory=list)
    metrics: list[MetricCheck] = field(default_factory=list)
    throughput: ThroughputCheck | None = None
    time_to_band_s: float | None = None
    wall_s: float = 0.0
    timings: dict = field(default_factory=dict)
    error: str = ""


@dataclass
class VerifyReport:
    """The gate's result for every lab verified.

    Attributes:
        labs: one `LabVerification` per lab, in order.
        machine: `harness.machine.machine_info` after the runs.
        fingerprint: the machine fingerprint (float32 precision).
        tolerance: throughput regression tolerance.
        wall_s: wall time of the whole gate.
        date: ISO time (UTC).
    """

    labs: list[LabVerification] = field(default_factory=list)
    machine: dict = field(default_factory=dict)
    fingerprint: str = ""
    tolerance: float = REFERENCE_TOLERANCE
    wall_s: float = 0.0
    date: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def failed(self) -> bool:
        """True when any lab failed or errored."""
        return any(v.status in ("fail", "error") for v in self.labs)

    def to_dict(self) -> dict:
        """JSON-ready dict (with ``failed``)."""
        return {**asdict(self), "failed": self.failed, "kind": "labgrade-verify", "schema_version": 1}

    def save(self, path: Path) -> Path:
        """Writes the report as JSON and returns `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(self.to_dict(), indent=2, default=str))
        return path


def band_mismatches(calibration: dict, run_fields: dict, result_config: dict) -> list[str]:
    """How a run differs from the configuration its bands were calibrated on.

    Args:
        calibration: ``[calibration.<mode>]`` of the rubric.
        run_fields: `fingerprint_fields` of the machine the run used (with its precision).
        result_config: the run's ``ReferenceResult.config``.

    Returns:
        One ``"<what>: <band's> (bands) vs <run's> (this run)"`` string per difference.
    """
    if not calibration:
        return ["no calibration provenance in the rubric"]
    cal_fields = fingerprint_fields(calibration)
    out = [f"{key}: {cal_fields[key]!r} (bands) vs {run_fields.get(key)!r} (this run)"
           for key in ("backend", "device", "precision") if cal_fields[key] != run_fields.get(key)]
    if calibration.get("data_fingerprint") and calibration["data_fingerprint"] != result_config.get("data_fingerprint"):
        out.append(f"data: {calibration['data_fingerprint']!r} (bands) vs "
                   f"{result_config.get('data_fingerprint')!r} (this run)")
    for key, value in (calibration.get("config") or {}).items():
        if key in result_config and result_config[key] != value and key != "data_fingerprint":
            out.append(f"config {key}: {value!r} (bands) vs {result_config[key]!r} (this run)")
    return out


def check_bands(metrics: dict, bands: dict, *, foreign: bool, strict: bool = False) -> list[MetricCheck]:
    """One `MetricCheck` per band: ``fail`` outside it, or ``warn`` when the band is foreign and not `strict`."""
    out = []
    for name, b in bands.items():
        value = metrics.get(name)
        if value is None:
            out.append(MetricCheck(name, None, b["low"], b["high"], "missing"))
            continue
        inside = b["low"] <= float(value) <= b["high"]
        status = "pass" if inside else ("warn" if foreign and not strict else "fail")
        out.append(MetricCheck(name, float(value), b["low"], b["high"], status))
    return out


def throughput_key(timings: dict) -> str | None:
    """The throughput the gate checks: training images/s when the lab trains, else inference images/s."""
    for key in ("train_images_per_s", "infer_images_per_s"):
        if timings.get(key):
            return key
    return None


def reference_baseline(lab: str, mode: str, key: str, *, fingerprint_: str, run_fields: dict, calibration: dict,
                       baselines_dir: Path) -> tuple[float | None, str]:
    """The same-machine baseline of a lab's throughput: ``(value, source)``; ``(None, why)`` without one."""
    path = bl.baseline_path(fingerprint_, baselines_dir=baselines_dir)
    if path.is_file():
        entry = bl.load_baseline(path).get("reference", {}).get(f"{lab}:{mode}:{key}")
        if entry:
            return float(entry["value"]), f"{path.name} (saved {entry.get('saved', '?')})"
    values = (calibration.get("throughput") or {}).get(key)
    if values and fingerprint_fields(calibration) == run_fields:
        return statistics.median(values), f"rubric calibration ({calibration.get('date', '?')}, median of {len(values)})"
    if values:
        return None, "rubric calibration is from another machine or configuration (not used)"
    return None, "no baseline for this machine"


def check_throughput(key: str, value: float, base: float | None, source: str, *, tolerance: float) -> ThroughputCheck:
    """`value` (images/s) against `base`: ``regressed`` below ``base / (1 + tolerance)``."""
    if base is None:
        return ThroughputCheck(key, value, None, None, "none", source)
    speed = bl.speed_ratio(value, base, higher_is_better=True)
    status = "ok"
    if speed is not None and speed < 1.0 / (1.0 + tolerance):
        status = "regressed"
    elif speed is not None and speed > 1.0 + tolerance:
        status = "improved"
    return ThroughputCheck(key, value, base, speed, status, source)


def lab_config(module, calibration: dict) -> dict | None:
    """The calibration's configuration as overrides: scalar values of keys the lab's ``DEFAULTS``
    know that differ from the default (structured entries, such as the list of optimizers or the
    schedules' formulas, are recorded descriptions, not overrides)."""
    known = getattr(module, "DEFAULTS", {})
    cfg = {k: v for k, v in (calibration.get("config") or {}).items()
           if k in known and isinstance(v, (str, int, float, bool)) and v != known[k]}
    return cfg or None


def verify_lab(lab: str, *, quick: bool, source: DataSource, seed: int = 0, precision: str = "float32",
               tolerance: float = REFERENCE_TOLERANCE, strict_bands: bool = False,
               baselines_dir: Path = bl.BASELINES_DIR, rubric_path: Path | None = None,
               result_hook: Callable | None = None) -> LabVerification:
    """Runs one lab's reference and checks it (see the module docstring). Never raises for a failing run."""
    import keras

    mode = "quick" if quick else "full"
    section = read_band_section(Path(rubric_path) if rubric_path else get_lab(lab).rubric_path)
    calibration = section.get("calibration", {}).get(mode, {})
    bands = section.get("bands", {}).get(mode, {})
    policy = precision if lab in MIXED_PRECISION_LABS else "float32"
    out = LabVerification(lab=lab, mode=mode, precision=policy)
    try:
        module = lab_module(lab)
        keras.mixed_precision.set_global_policy(policy)
        t0 = time.perf_counter()
        res = module.run(seed=seed, quick=quick, source=source, config=lab_config(module, calibration))
        out.wall_s = time.perf_counter() - t0
    except Exception as exc:
        out.status, out.error = "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
        return out
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if result_hook:
        result_hook(res)
    info = machine_info()
    info["precision"] = policy
    run_fields = fingerprint_fields(info)
    out.timings = {k: v for k, v in res.timings.items() if isinstance(v, (int, float))}
    out.band_mismatches = band_mismatches(calibration, run_fields, res.config)
    out.metrics = check_bands(res.metrics, bands, foreign=bool(out.band_mismatches), strict=strict_bands)
    out.time_to_band_s = result_time_to_band(res, bands) if bands and res.curves else None
    key = throughput_key(res.timings)
    if key:
        base, src = reference_baseline(lab, mode, key, fingerprint_=fingerprint(info), run_fields=run_fields,
                                       calibration=calibration, baselines_dir=baselines_dir)
        out.throughput = check_throughput(key, float(res.timings[key]), base, src, tolerance=tolerance)
    statuses = {m.status for m in out.metrics}
    if not bands:
        out.status = "warn"
        out.band_mismatches.append(f"no [bands.{mode}] in the rubric: calibrate with `labgrade reference calibrate "
                                   f"{lab}{' --quick' if quick else ''}`")
    if "fail" in statuses or "missing" in statuses or (out.throughput and out.throughput.status == "regressed"):
        out.status = "fail"
    elif "warn" in statuses:
        out.status = "warn"
    return out


def verify(labs: list[str] | None = None, *, quick: bool = False, source: DataSource, seed: int = 0,
           precision: str = "float32", tolerance: float = REFERENCE_TOLERANCE, strict_bands: bool = False,
           baselines_dir: str | Path = bl.BASELINES_DIR, save_baseline: bool = False,
           progress: Callable[[LabVerification], None] | None = None) -> VerifyReport:
    """Runs and checks the references of `labs` (all labs when None), one after another in this process.

    Args:
        labs: lab ids; None for every lab.
        quick: quick mode (small data; quick-mode bands).
        source: where the data comes from.
        seed: the reference seed.
        precision: ``float32`` or ``mixed_bfloat16`` (applied to `MIXED_PRECISION_LABS` only).
        tolerance: throughput regression tolerance (``1.0``: fail when twice as slow).
        strict_bands: fail on misses of bands calibrated on another configuration too.
        baselines_dir: folder of baseline files.
        save_baseline: store this run's throughputs as the ``reference`` baseline of this
            machine's fingerprint (for the next gate runs).
        progress: called with each lab's `LabVerification` as it finishes.

    Raises:
        ValueError: for an unknown lab id, precision or a negative tolerance.
    """
    names = list(LABS) if not labs else list(labs)
    unknown = [lab for lab in names if lab not in LABS]
    if unknown:
        raise ValueError(f"Unknown lab id(s) {unknown}; expected some of {', '.join(LABS)}.")
    if precision not in ("float32", "mixed_bfloat16"):
        raise ValueError(f"precision must be 'float32' or 'mixed_bfloat16'; received {precision!r}.")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0; received {tolerance!r}.")
    import keras

    t0 = time.perf_counter()
    report = VerifyReport(tolerance=tolerance)
    for lab in names:
        v = verify_lab(lab, quick=quick, source=source, seed=seed, precision=precision, tolerance=tolerance,
                       strict_bands=strict_bands, baselines_dir=Path(baselines_dir))
        report.labs.append(v)
        if progress:
            progress(v)
        keras.backend.clear_session()
        gc.collect()
    report.machine = machine_info()
    report.fingerprint = fingerprint(report.machine)
    report.wall_s = time.perf_counter() - t0
    if save_baseline:
        save_reference_baseline(report, baselines_dir=Path(baselines_dir))
    return report


def save_reference_baseline(report: VerifyReport, *, baselines_dir: Path = bl.BASELINES_DIR) -> list[Path]:
    """Stores each lab's throughput as a ``reference`` entry of its machine's baseline file
    (one file per precision the labs ran under)."""

    runs: dict[str, BenchRun] = {}
    for v in report.labs:
        if v.throughput is None or v.status == "error":
            continue
        machine = {**report.machine, "precision": v.precision}
        run = runs.setdefault(v.precision, BenchRun(machine=machine, fingerprint=fingerprint(machine)))
        run.add(Measurement(f"{v.lab}:{v.mode}:{v.throughput.name}", "images/s", v.throughput.value, True,
                            precision=v.precision, info={"lab": v.lab, "mode": v.mode, "wall_s": round(v.wall_s, 2)}))
    return [bl.save_baseline(run, baselines_dir=baselines_dir, section="reference") for run in runs.values()]


def format_report(report: VerifyReport) -> str:
    """The gate's result as a text table, one lab per block."""
    lines = [f"labgrade reference verify: {len(report.labs)} lab(s), {report.wall_s:.0f} s, "
             f"{report.machine.get('device_name', report.machine.get('device'))}, backend {report.machine.get('backend')}, "
             f"fingerprint {report.fingerprint}"]
    for v in report.labs:
        ttb = f"{v.time_to_band_s:.1f} s" if v.time_to_band_s is not None else "-"
        lines.append(f"{v.lab} ({v.mode}, {v.precision}): {v.status.upper()}  wall {v.wall_s:.1f} s, time to band {ttb}")
        for m in v.metrics:
            shown = f"{m.value:.4f}" if m.value is not None else "missing"
            lines.append(f"    {m.name:34s} {shown:>10s}  band [{m.low:.4f}, {m.high:.4f}]  {m.status}")
        t = v.throughput
        if t is not None:
            base = f"{t.baseline:,.1f}" if t.baseline else "-"
            speed = f"{t.speed:.2f}" if t.speed else "-"
            lines.append(f"    {t.name:34s} {t.value:>10,.1f}  baseline {base} (speed {speed}) {t.status}: {t.source}")
        for mm in v.band_mismatches:
            lines.append(f"    bands from another configuration: {mm}")
        if v.error:
            lines.append(f"    ERROR: {v.error.splitlines()[0][:300]}")
    lines.append("FAILED" if report.failed else "PASSED")
    return "\n".join(lines)
