"""The reference report: what ``labgrade reference run`` and ``calibrate`` measured, as one HTML page.

For a calibration: the provenance of the bands (backend, Keras, device, data
fingerprint, seeds, date, configuration), the derivation of every band (each seed's
value, which run the olympic rule dropped, the margin, the clipping), the per-seed
throughput and time to band, and the reference curves of every seed with the band
drawn behind them. For a single run: its metrics, timings, configuration and curves,
with the rubric's bands (when calibrated) for context.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from harness.labs import get_lab
from harness.reference_result import ReferenceResult
from harness.report import curves, svg
from harness.report.images import ImageBudget
from harness.report.render import render_page, write_page
from harness.rubric import Band, read_band_section

THROUGHPUT_KEYS = ("wall_s", "train_s", "train_images_per_s", "infer_images_per_s", "peak_rss_mb")


def _bands(table: dict[str, dict]) -> dict[str, Band]:
    out = {}
    for metric, b in (table or {}).items():
        try:
            out[metric] = Band(metric=metric, low=float(b["low"]), high=float(b["high"]), mean=b.get("mean"),
                               values=tuple(b.get("values", [])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def derivation(metric: str, band: dict, *, margin: float | None, seeds: Sequence[Any]) -> dict:
    """One band's derivation: per seed its value and whether the olympic rule kept it.

    The kept values are those calibration recorded (``kept``); the two dropped runs are
    labelled highest and lowest.
    """
    values = list(band.get("values", []))
    kept = Counter(round(float(v), 6) for v in band.get("kept", []))
    runs = []
    for seed, v in zip(list(seeds) + [None] * len(values), values):
        key = round(float(v), 6)
        if kept[key] > 0:
            kept[key] -= 1
            runs.append({"seed": seed, "value": v, "kept": True, "why": ""})
        else:
            runs.append({"seed": seed, "value": v, "kept": False, "why": ""})
    dropped = [r for r in runs if not r["kept"]]
    if len(dropped) == 2:
        hi, lo = sorted(dropped, key=lambda r: r["value"], reverse=True)
        hi["why"], lo["why"] = "dropped: highest", "dropped: lowest"
    kept_values = [r["value"] for r in runs if r["kept"]]
    raw_low = min(kept_values) - margin if kept_values and margin is not None else None
    raw_high = max(kept_values) + margin if kept_values and margin is not None else None
    return {"metric": metric, "runs": runs, "low": band.get("low"), "high": band.get("high"),
            "mean": band.get("mean"), "std": band.get("std"), "raw_low": raw_low, "raw_high": raw_high,
            "clipped": raw_low is not None and (abs(raw_low - band.get("low", raw_low)) > 1e-6
                                                or abs(raw_high - band.get("high", raw_high)) > 1e-6)}


def _curve_charts(results: Sequence, bands: dict[str, Band], mode: str) -> list[svg.Chart]:
    charts = []
    first = results[0]
    for name in first.histories:
        for metric in ("val_accuracy", "val_loss"):
            series = []
            for n, r in enumerate(results):
                ys = curves.numbers((r.histories.get(name) or {}).get(metric))
                if ys:
                    series.append(svg.Series(f"seed {r.seed}", list(range(1, len(ys) + 1)), ys, color=n))
            if not series:
                continue
            chart = svg.Chart(title=f"{name}: {metric.replace('_', ' ')} per epoch", xlabel="epoch",
                              ylabel=metric.replace("_", " "), series=series)
            b = bands.get(curves.band_metric(name, bands) or "") if metric == "val_accuracy" else None
            if b is not None:
                chart.band = (b.low, b.high, f"band: {b.metric} ({mode}, held-out)")
            charts.append(chart)
    for metric in first.curves:
        series = []
        for n, r in enumerate(results):
            pts = [p for p in r.curves.get(metric, []) if isinstance(p, list) and len(p) == 2]
            if pts:
                series.append(svg.Series(f"seed {r.seed}", [float(p[0]) for p in pts], [float(p[1]) for p in pts],
                                         color=n))
        if series:
            b = bands.get(metric)
            charts.append(svg.Chart(
                title=f"{metric} on held-out data against elapsed time", xlabel="seconds (measurement excluded)",
                ylabel=metric, series=series, band=(b.low, b.high, f"band: {metric} ({mode})") if b else None,
                caption="Time to band: the first point inside the band, for every banded metric."))
    return charts


def reference_context(results: Sequence, *, section: dict | None, rubric_section: dict | None) -> dict:
    """Everything the reference template draws (see `render_reference`)."""
    first = results[0]
    mode = "quick" if first.quick else "full"
    cal = dict((section or {}).get("calibration") or {})
    band_tables = (section or {}).get("bands") or ((rubric_section or {}).get("bands") or {}).get(mode, {})
    bands = _bands(band_tables)
    seeds = cal.get("seeds") or [r.seed for r in results]
    margin = cal.get("margin")
    budget = ImageBudget()
    figures = []
    for name, path in first.figures.items():
        p = Path(path)
        img = budget.inline(p.parent, p.name)
        figures.append({"name": name, "uri": img.uri, "note": img.note})
    speed = (((rubric_section or {}).get("speed") or {}).get(mode)) or {}
    return {
        "lab": first.lab,
        "mode": mode,
        "calibration": section is not None,
        "recipe": first.recipe,
        "backend": first.backend,
        "results": results,
        "provenance": [(k, v) for k, v in cal.items() if k not in ("throughput", "config")],
        "config": sorted((cal.get("config") or {k: v for k, v in first.config.items()}).items()),
        "throughput": {k: v for k, v in (cal.get("throughput") or {}).items()},
        "derivations": [derivation(m, b, margin=margin, seeds=seeds) for m, b in band_tables.items()]
        if section is not None else [],
        "bands_from_rubric": section is None and bool(bands),
        "band_tables": band_tables,
        "reported": sorted(((section or {}).get("reported") or {}).items()),
        "extras": [(k, json.dumps(v, indent=1, default=str)[:4000]) for k, v in (section or {}).items()
                   if k not in ("calibration", "bands", "reported", "speed")],
        "metrics": sorted(first.metrics.items()) if len(results) == 1 else [],
        "timing_keys": [k for k in THROUGHPUT_KEYS if any(k in r.timings for r in results)],
        "charts": [{"svg": svg.line_chart(c), "caption": c.caption} for c in _curve_charts(results, bands, mode)],
        "figures": figures,
        "speed": speed,
    }


def render_reference(out_dir: Path, *, results: Sequence, section: dict | None = None,
                     rubric_section: dict | None = None) -> Path:
    """Writes the reference report of a run or a calibration and returns its path.

    Args:
        out_dir: the run's or calibration's output folder (``reports/reference/<lab>/``,
            ``reports/calibration/<lab>/``).
        results: the `harness.reference_result.ReferenceResult` of each seed (one for a run).
        section: for a calibration, the generated tables of its mode
            (`harness.calibration.Calibration.section`); None for a single run.
        rubric_section: the rubric's generated part (`harness.rubric.read_band_section`):
            the bands drawn for a single run, and the stored speed comparison.

    Returns:
        ``out_dir/calibration-<mode>.html`` for a calibration, else
        ``out_dir/reference-<mode>-seed<seed>.html``.

    Raises:
        ValueError: when `results` is empty.
    """
    if not results:
        raise ValueError("render_reference needs at least one ReferenceResult; received results=[].")
    ctx = reference_context(results, section=section, rubric_section=rubric_section)
    what = "Calibration" if section is not None else "Reference run"
    html = render_page("reference.html.j2", title=f"{what}: {ctx['lab']} ({ctx['mode']})", **ctx)
    name = (f"calibration-{ctx['mode']}.html" if section is not None
            else f"reference-{ctx['mode']}-seed{results[0].seed}.html")
    return write_page(Path(out_dir) / name, html)


def render_calibration_dir(folder: Path, *, rubric_path: Path | None = None) -> list[Path]:
    """Re-renders the calibration pages of ``folder/<mode>/seed-*/result.json`` with the rubric's bands.

    Args:
        folder: a calibration output folder (``reports/calibration/<lab>``).
        rubric_path: default the lab's rubric.
    """
    written = []
    for mode in ("full", "quick"):
        paths = sorted(Path(folder).glob(f"{mode}/seed-*/result.json"))
        results = [ReferenceResult.from_dict(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
        if not results:
            continue
        rubric = read_band_section(rubric_path or get_lab(results[0].lab).rubric_path)
        section = {k: v[mode] for k, v in rubric.items() if isinstance(v, dict) and mode in v}
        results.sort(key=lambda r: r.seed)
        written.append(render_reference(folder, results=results, section=section, rubric_section=rubric))
    return written
