"""Calibrating bands: run a lab's reference over seeds, apply the olympic rule, write the rubric.

A band is measured, never typed in. `calibrate` runs the reference N times (N >= 5
recommended, 3 at the very least), and for each metric drops the best and the worst run
(MLPerf's olympic rule, applied per metric) and sets ``[min, max]`` of the rest widened
by a stated margin. The result goes below the marker line of ``rubrics/<lab>.toml``
together with its provenance; everything above the marker is kept byte for byte, and
the other mode's section (``full`` vs ``quick``) is preserved.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import json
import math
import statistics
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import tomli_w

from harness.data.source import DataSource
from harness.labs import get_lab
from harness.machine import machine_info
from harness.rubric import MARKER, load_rubric, read_band_section
from harness.serialize import write_atomic
from harness.untrusted import sanitize

DEFAULT_MARGIN = {"full": 0.02, "quick": 0.05}
RULE = ("olympic per metric: for each metric drop the best and the worst run, "
        "band = [min, max] of the rest widened by margin (accuracies and probabilities clipped to [0, 1], differences of accuracies to [-1, 1])")
MIN_SEEDS = 3
HARNESS_VERSION = "0.1.0"


def lab_module(lab: str) -> ModuleType:
    """The reference module of `lab` (imported on demand: it imports Keras)."""
    return importlib.import_module(get_lab(lab).reference)


def run_reference(lab: str, *, seed: int = 0, quick: bool = False, source: DataSource,
                  config: dict | None = None, out_dir: Path | None = None):
    """Runs `lab`'s reference once and returns its `ReferenceResult`."""
    return lab_module(lab).run(seed=seed, quick=quick, source=source, config=config, out_dir=out_dir)


def olympic(values: list[float]) -> list[float]:
    """`values` without one best and one worst value (order kept).

    Raises:
        ValueError: with fewer than `MIN_SEEDS` values.
    """
    if len(values) < MIN_SEEDS:
        raise ValueError(f"The olympic rule needs at least {MIN_SEEDS} runs; received {len(values)}: {values!r}.")
    lo = min(range(len(values)), key=values.__getitem__)
    hi = max(range(len(values)), key=values.__getitem__)
    if lo == hi:  # all equal
        hi = (lo + 1) % len(values)
    return [v for i, v in enumerate(values) if i not in (lo, hi)]


def band(values: list[float], *, margin: float, clip: tuple[float, float] | None = None) -> dict[str, Any]:
    """The band of one metric: olympic rule, widened by `margin`, optionally clipped."""
    kept = olympic(values)
    low, high = min(kept) - margin, max(kept) + margin
    if clip is not None:
        low, high = max(low, clip[0]), min(high, clip[1])
    return {
        "low": low, "high": high,
        "mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": list(values), "kept": kept,
    }


def compute_bands(results: list, *, margin: float, prefixes: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """One band per metric reported by every run in `results` (only names starting with
    one of `prefixes`, when given)."""
    names = [m for m in results[0].metrics if all(m in r.metrics for r in results)]
    if prefixes:
        names = [m for m in names if m.startswith(tuple(prefixes))]
    return {
        name: band([float(r.metrics[name]) for r in results], margin=margin, clip=clip_for(name))
        for name in names
    }


DIFFERENCES = ("perturb_drop.", "heldout_minus_valid.")


def clip_for(name: str) -> tuple[float, float] | None:
    """The range a metric's band is clipped to: a difference of two accuracies lies in [-1, 1] (it can be
    negative: held-out below validation, or a perturbation that helps); an accuracy or probability in [0, 1]."""
    if name.startswith(DIFFERENCES):
        return (-1.0, 1.0)
    return (0.0, 1.0) if ("accuracy" in name or "prob" in name) else None


def time_to_band(curve: list[list[float]], low: float, high: float) -> float | None:
    """Elapsed seconds at the first point of `curve` inside ``[low, high]``; None if never."""
    for elapsed, value in curve:
        if low <= value <= high:
            return float(elapsed)
    return None


def result_time_to_band(result, bands: dict[str, dict[str, Any]]) -> float | None:
    """When every banded metric with a curve had entered its band (the lab is 'done').

    Returns None when some curve never enters its band, or when no curve has a band.
    """
    times = []
    for name, curve in result.curves.items():
        if name in bands:
            t = time_to_band(curve, bands[name]["low"], bands[name]["high"])
            if t is None:
                return None
            times.append(t)
    return max(times) if times else None


@dataclass
class Calibration:
    """What `calibrate` measured and wrote.

    Attributes:
        lab: lab id.
        mode: ``"full"`` or ``"quick"``.
        results: one `ReferenceResult` per seed.
        section: the generated tables for this mode (``calibration``, ``bands``...).
        rubric_path: the rubric written (None with ``write=False``).
    """

    lab: str
    mode: str
    results: list = field(default_factory=list)
    section: dict = field(default_factory=dict)
    rubric_path: Path | None = None


def variant_key(config: dict | None) -> str:
    """The canonical name of a configuration variant: ``"batch_size=64,scaling=unit"`` ('' for the defaults)."""
    return ",".join(f"{k}={config[k]}" for k in sorted(config or {}))


def calibrate(lab: str, *, seeds: int | list[int] = 5, quick: bool = False, source: DataSource,
              config: dict | None = None, margin: float | None = None, rubric_path: Path | None = None,
              write: bool = True, out_dir: Path | None = None, variant: bool = False,
              on_result: Callable[[Any], None] | None = None) -> Calibration:
    """Runs `lab`'s reference over seeds and writes its bands into the rubric.

    Args:
        lab: lab id.
        seeds: a number N (seeds 0..N-1) or an explicit list of seeds.
        quick: calibrate quick mode (small data) instead of full mode.
        source: where the data comes from.
        config: reference configuration (overrides of the module's ``DEFAULTS``).
        margin: widening of each band; default `DEFAULT_MARGIN` of the mode.
        rubric_path: default ``rubrics/<lab>.toml``.
        write: False to compute without touching the rubric.
        out_dir: where each run's JSON result and figures go (none when None).
        variant: the bands hold for `config`, a choice the lab allows a student to make
            (batch size, input scaling, epochs): they are written under
            ``[variants.<mode>."<key>"]`` instead of replacing the default bands.
        on_result: called with each `ReferenceResult` as it arrives (progress output).

    Raises:
        ValueError: with fewer than `MIN_SEEDS` seeds.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if len(seed_list) < MIN_SEEDS:
        raise ValueError(f"calibrate needs at least {MIN_SEEDS} seeds (5 or more recommended); received seeds={seeds!r}.")
    mode = "quick" if quick else "full"
    margin = DEFAULT_MARGIN[mode] if margin is None else float(margin)
    module = lab_module(lab)
    import keras  # heavy: loaded only when a calibration actually runs

    cal = Calibration(lab=lab, mode=mode)
    for seed in seed_list:
        run_dir = Path(out_dir) / mode / f"seed-{seed}" if out_dir else None
        res = module.run(seed=seed, quick=quick, source=source, config=config, out_dir=run_dir)
        if run_dir:
            res.save(run_dir / "result.json")
        cal.results.append(res)
        if on_result:
            on_result(res)
        keras.backend.clear_session()
        gc.collect()
    cal.section = build_section(module, cal.results, mode=mode, margin=margin, source=source)
    if write:
        cal.rubric_path = Path(rubric_path) if rubric_path else get_lab(lab).rubric_path
        if variant:
            write_variant_section(cal.rubric_path, lab, mode, variant_key(config), cal.section)
        else:
            write_band_section(cal.rubric_path, lab, mode, cal.section)
    return cal


def grid_configs(lab: str, *, rubric_path: Path | None = None) -> list[dict]:
    """The configurations of the lab's ``[variation] grid`` that differ from the reference's defaults.

    Each is the dict of the dimensions that differ (the variant's key), in a stable order.
    """
    rubric = load_rubric(rubric_path or lab)
    grid = (rubric.variation or {}).get("grid") or {}
    defaults = lab_defaults(lab)
    dims = sorted(grid)
    out = []
    for values in itertools.product(*(grid[d] for d in dims)):
        config = {d: v for d, v in zip(dims, values) if defaults.get(d) != v}
        if config and config not in out:
            out.append(config)
    return out


def lab_defaults(lab: str) -> dict:
    """The reference's default configuration (its module's ``DEFAULTS``)."""
    return dict(getattr(lab_module(lab), "DEFAULTS", {}))


def build_section(module: ModuleType, results: list, *, mode: str, margin: float, source: DataSource) -> dict:
    """The generated tables of one mode: ``{"calibration": {...}, "bands": {...}, "reported": {...}}``.

    Metrics the module does not band (names outside its ``BAND_PREFIXES``) are
    ``reported``: mean, std and values over the seeds, no band.

    A lab module may define ``calibration_extra(results) -> dict`` to add tables (the
    ResNet50 lab records its weights, reference top-3 lists and latencies that way).
    """
    bands = compute_bands(results, margin=margin, prefixes=getattr(module, "BAND_PREFIXES", None))
    ttb = [result_time_to_band(r, bands) for r in results]
    info = machine_info()
    cal = {
        **{k: v for k, v in info.items() if k in ("backend", "keras", "tensorflow", "jax", "torch", "device", "cpu",
                                                  "cpu_count", "platform", "python", "numpy", "gpus")},
        "data_fingerprint": results[0].config.get("data_fingerprint", ""),
        "seeds": [r.seed for r in results],
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_s": [round(r.timings.get("wall_s", 0.0), 3) for r in results],
        "n": len(results),
        "rule": RULE,
        "margin": margin,
        "primary": getattr(module, "PRIMARY", next(iter(bands), "")),
        "config": {k: v for k, v in results[0].config.items() if k != "data_fingerprint"},
        "harness_version": HARNESS_VERSION,
        "throughput": {
            **{key: [round(r.timings[key], 1) for r in results] for key in ("train_images_per_s", "infer_images_per_s")
               if all(r.timings.get(key) for r in results)},
            "time_to_band_s": ([round(t, 3) if t is not None else math.nan for t in ttb]
                               if any(r.curves for r in results) else None),
            "time_to_band_definition": ("elapsed wall time (measurement excluded) until every banded metric "
                                        "with a per-epoch curve first lies inside its band")
                                       if any(r.curves for r in results) else None,
            "peak_rss_mb": [round(r.timings.get("peak_rss_mb", 0.0), 1) for r in results],
            "median_wall_s": statistics.median(r.timings.get("wall_s", 0.0) for r in results),
        },
    }
    section = {"calibration": cal, "bands": {k: _round_band(v) for k, v in bands.items()}}
    reported = {}
    for name in results[0].metrics:
        if name not in bands and all(name in r.metrics for r in results):
            values = [float(r.metrics[name]) for r in results]
            reported[name] = {"mean": round(statistics.fmean(values), 6), "std": round(statistics.stdev(values), 6),
                              "values": [round(v, 6) for v in values]}
    if reported:
        section["reported"] = reported
    extra = getattr(module, "calibration_extra", None)
    if extra is not None:
        for key, value in extra(results).items():
            if key == "calibration":
                cal.update(value)
            else:
                section[key] = value
    return section


def _round_band(b: dict) -> dict:
    r = lambda v: round(float(v), 6)  # noqa: E731
    return {"low": r(b["low"]), "high": r(b["high"]), "mean": r(b["mean"]), "std": r(b["std"]),
            "values": [r(v) for v in b["values"]], "kept": [r(v) for v in b["kept"]]}


def bands_for(lab: str, mode: str, *, rubric_path: Path | None = None) -> dict[str, dict]:
    """``bands.<mode>`` of a lab's rubric (metric -> band table); empty when not calibrated."""
    path = Path(rubric_path) if rubric_path else get_lab(lab).rubric_path
    return read_band_section(path).get("bands", {}).get(mode, {})


def write_band_section(path: Path, lab: str, mode: str, section: dict) -> None:
    """Rewrites the generated part of a rubric for `mode`, keeping everything else.

    The text above the marker is kept byte for byte; tables of the other mode are kept.
    A missing rubric is created with a minimal header.
    """
    path = Path(path)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        above, found, below = text.partition(MARKER)
        if not found:
            above, below = (text if text.endswith("\n") or not text else text + "\n"), ""
        existing = tomllib.loads(below) if below.strip() else {}
    else:
        above, existing = f'[rubric]\nlab = "{lab}"\n\n', {}
    for key, tables in section.items():
        existing.setdefault(key, {})[mode] = _toml_ready(tables)
    write_atomic(path, above + MARKER + "\n" + tomli_w.dumps(existing))


def write_variant_section(path: Path, lab: str, mode: str, key: str, section: dict) -> None:
    """Stores the bands of one configuration variant as ``[variants.<mode>."<key>"]`` (calibration, bands)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else f'[rubric]\nlab = "{lab}"\n\n'
    above, found, below = text.partition(MARKER)
    if not found:
        above, below = (text if text.endswith("\n") or not text else text + "\n"), ""
    existing = tomllib.loads(below) if below.strip() else {}
    existing.setdefault("variants", {}).setdefault(mode, {})[key] = _toml_ready(
        {k: v for k, v in section.items() if k in ("calibration", "bands")})
    write_atomic(path, above + MARKER + "\n" + tomli_w.dumps(existing))


def _toml_ready(value: Any) -> Any:
    """Drops None (TOML has no null), turns tuples into lists and paths into strings."""
    if isinstance(value, dict):
        return {str(k): _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_toml_ready(v) for v in value if v is not None]
    if isinstance(value, Path):
        return str(value)
    return value


def write_speed_section(cmp: dict, *, rubric_path: Path | None = None) -> Path:
    """Stores a speed comparison (`harness.measure.speed.compare_speed`) as ``[speed.<mode>]`` of the
    lab's rubric (a timing baseline, with the machine it was measured on)."""
    path = Path(rubric_path) if rubric_path else get_lab(cmp["lab"]).rubric_path
    table = {k: v for k, v in cmp.items() if k not in ("lab", "mode")}
    table["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    table["definition"] = ("reference and the lecture's recipe each run once in a fresh process on the same machine, "
                           "back to back; ratios > 1 mean the reference is faster")
    write_band_section(path, cmp["lab"], cmp["mode"], {"speed": table})
    return path


def ondemand_main(argv: list[str]) -> int:
    """``python -m harness.calibration REQUEST_JSON``: one on-demand calibration of a configuration variant.

    Runs the lab's reference in the requested configuration over the requested seeds (the
    same olympic rule) and writes the generated section (bands and provenance) as JSON to
    ``request["out"]``, atomically. `harness.evaluate.variants` runs it in its own process
    with a time limit and caches the result by configuration.
    """
    request = json.loads(argv[0])
    source = DataSource(root=Path(request["data_root"]) if request.get("data_root") else None,
                        cache_dir=Path(request["cache_dir"]) if request.get("cache_dir") else None)
    cal = calibrate(request["lab"], seeds=int(request["seeds"]), quick=bool(request["quick"]), source=source,
                    config=request["config"], write=False)
    section = {"calibration": {**cal.section["calibration"], "on_demand": True}, "bands": cal.section["bands"]}
    write_atomic(Path(request["out"]), json.dumps(sanitize(section), default=str, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(ondemand_main(sys.argv[1:]))
