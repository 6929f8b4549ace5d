"""Training curves of a submission, overlaid on the reference band, as `svg.Chart` values.

Where the curves come from: the histories the submission exported (``history``,
``history_no_dropout``, ``histories``), each matched against the training trace the
harness recorded (an unmatched history is drawn dashed and labelled "not matched");
models exported without a history (fashion-transfer's ``model_A``...) are drawn
from their traced ``fit`` calls. What is drawn behind them (instructor view only):
the rubric band of the metric the curve leads to (held-out accuracy, or the final
validation accuracy of each optimizer/schedule) and, when the calibration runs are
on disk, the per-epoch spread of the reference runs.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.evaluate.histories import canonical, matching_fit
from harness.models import Execution, TraceEvent
from harness.report.svg import Chart, Series
from harness.rubric import Band

MAX_POINTS = 1000
MAX_CHARTS = 10
MAX_SERIES = 12
SCHEDULES = {"power", "exponential", "piecewise", "performance", "1cycle"}
RefHistories = dict[str, dict[str, list[list[float]]]]


def numbers(values: Any) -> list[float | None]:
    """A history series as floats (anything else -> None), at most `MAX_POINTS` long."""
    if not isinstance(values, list):
        return []
    out: list[float | None] = []
    for v in values[:MAX_POINTS]:
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = None
        out.append(f if f is not None and math.isfinite(f) else None)
    return out


def series_of(hist: dict, key: str) -> list[float | None]:
    """``hist[key]`` as floats, accepting Keras 2's ``acc``/``val_acc`` names."""
    for k in (key, key.replace("accuracy", "acc")):
        if isinstance(hist.get(k), list):
            return numbers(hist[k])
    return []


def band_metric(label: str, bands: dict[str, Band]) -> str | None:
    """The banded metric a curve labelled `label` leads to, if the rubric has one.

    ``history`` -> ``accuracy``, ``history_no_dropout`` -> ``accuracy_no_dropout``,
    ``model_B_on_A`` -> ``accuracy_B_on_A``, a histories key (``"Adam"``) ->
    ``final_val_accuracy.adam``.
    """
    candidates = []
    for phase in ("_frozen", "_unfrozen"):  # a reference run's fine-tuning phases share the model's band
        if label.endswith(phase):
            label = label[: -len(phase)]
    canon = canonical(label)
    if canon:
        candidates.append(f"final_val_accuracy.{canon}")
    if label in ("history", "model"):
        candidates.append("accuracy")
    if label.startswith("history_"):
        candidates.append("accuracy" + label[len("history"):])
    if label.startswith("model_"):
        candidates.append("accuracy_" + label[len("model_"):])
    return next((c for c in candidates if c in bands), None)


def load_reference_histories(folder: Path | None) -> RefHistories:
    """Per-seed histories of the calibration runs in ``folder/seed-*/result.json``.

    Returns:
        history name -> metric -> one list per seed; empty when the folder is absent.
    """
    if folder is None or not Path(folder).is_dir():
        return {}
    return _load_reference(str(Path(folder).resolve()))


@lru_cache(maxsize=16)
def _load_reference(folder: str) -> RefHistories:
    out: RefHistories = {}
    for path in sorted(Path(folder).glob("seed-*/result.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for name, hist in (data.get("histories") or {}).items():
            for metric, values in (hist or {}).items():
                out.setdefault(name, {}).setdefault(metric, []).append([v for v in numbers(values) if v is not None])
    return out


def _reference_runs(ref: RefHistories, name: str, metric: str) -> list[list[float]]:
    """Seeds' series of `metric` for history `name`; phases (``name_frozen``, ``name_unfrozen``) joined."""
    if name in ref:
        return ref[name].get(metric, [])
    phases = [k for k in ref if k.startswith(name + "_")]
    if not phases:
        return []
    runs = [ref[k].get(metric, []) for k in phases]
    if not all(runs) or len({len(r) for r in runs}) != 1:
        return []
    return [sum((r[i] for r in runs), []) for i in range(len(runs[0]))]


def envelope(runs: list[list[float]]) -> list[tuple[float, float, float]] | None:
    """Per-epoch ``(epoch, min, max)`` over the reference runs (epochs counted from 1)."""
    if len(runs) < 2:
        return None
    n = max(len(r) for r in runs)
    out = []
    for i in range(n):
        vals = [r[i] for r in runs if i < len(r)]
        if len(vals) >= 2:
            out.append((float(i + 1), min(vals), max(vals)))
    return out or None


def _fit_history(fits: list[TraceEvent]) -> dict[str, list[float | None]]:
    """The traced per-epoch logs of consecutive fits of one model, as a history dict."""
    keys: list[str] = []
    for ev in fits:
        for e in ev.epoch_logs:
            keys += [k for k in e.logs if k not in keys]
    return {k: [e.logs.get(k) for ev in fits for e in ev.epoch_logs] for k in keys}


class _Builder:
    def __init__(self, exe: Execution, bands: dict[str, Band], ref: RefHistories, show_reference: bool, mode: str):
        self.exe, self.bands, self.ref, self.show, self.mode = exe, bands, ref, show_reference, mode
        self.charts: list[Chart] = []

    def band(self, label: str) -> tuple[float, float, str] | None:
        metric = band_metric(label, self.bands) if self.show else None
        if metric is None:
            return None
        b = self.bands[metric]
        return (b.low, b.high, f"reference band: {metric} ({self.mode})")

    def single(self, name: str, hist: dict, *, verified: bool, source: str) -> None:
        val, train = series_of(hist, "val_accuracy"), series_of(hist, "accuracy")
        note = "" if verified else " (not matched to a recorded training run)"
        if val or train:
            chart = Chart(title=f"{name}: accuracy{note}", xlabel="epoch", ylabel="accuracy",
                          caption=f"From {source}.")
            for label, ys, dashed in (("validation accuracy", val, False), ("training accuracy", train, True)):
                if ys:
                    chart.series.append(Series(label, list(range(1, len(ys) + 1)), ys, dashed=dashed or not verified,
                                               color=0 if not dashed else 1))
            chart.band = self.band(name)
            if self.show:
                chart.envelope = envelope(_reference_runs(self.ref, name, "val_accuracy"))
                chart.envelope_label = "reference runs (val. accuracy)"
            self.charts.append(chart)
        val_loss, loss = series_of(hist, "val_loss"), series_of(hist, "loss")
        if val_loss or loss:
            chart = Chart(title=f"{name}: loss{note}", xlabel="epoch", ylabel="loss", caption=f"From {source}.")
            for label, ys, dashed in (("validation loss", val_loss, False), ("training loss", loss, True)):
                if ys:
                    chart.series.append(Series(label, list(range(1, len(ys) + 1)), ys, dashed=dashed or not verified,
                                               color=0 if not dashed else 1))
            if self.show:
                chart.envelope = envelope(_reference_runs(self.ref, name, "val_loss"))
                chart.envelope_label = "reference runs (val. loss)"
            self.charts.append(chart)

    def many(self, histories: dict) -> None:
        chart = Chart(title="histories: validation accuracy per run", xlabel="epoch", ylabel="validation accuracy",
                      caption="Bars at the right edge: each run's reference band for its final value."
                      if self.show else "")
        lr_chart = Chart(title="learning rate actually used (training trace)", xlabel="epoch", ylabel="learning rate",
                         caption="Read from the optimizer during training, not from the submission's code.")
        for n, (name, hist) in enumerate(list(histories.items())[:MAX_SERIES]):
            if not isinstance(hist, dict):
                continue
            fit = matching_fit(hist, self.exe.trace)
            label = str(name) + ("" if fit else " (not matched)")
            ys = series_of(hist, "val_accuracy")
            if ys:
                chart.series.append(Series(label, list(range(1, len(ys) + 1)), ys, dashed=fit is None, color=n))
            band = self.band(str(name))
            if band:
                chart.marks.append((band[0], band[1], n, f"{name}: {band[2]}"))
            if fit is not None and canonical(str(name)) in SCHEDULES:
                lrs = [e.lr for e in fit.epoch_logs]
                if any(v is not None for v in lrs):
                    lr_chart.series.append(Series(str(name), list(range(1, len(lrs) + 1)), lrs, color=n))
        if chart.series:
            self.charts.append(chart)
        if lr_chart.series:
            self.charts.append(lr_chart)



def submission_charts(exe: Execution, *, bands: dict[str, Band], reference: RefHistories | None = None,
                      show_reference: bool = True, mode: str = "full") -> list[Chart]:
    """The training-curve charts of one submission.

    Args:
        exe: the execution (exports and training trace).
        bands: the rubric's bands for the execution's mode.
        reference: per-seed reference histories (`load_reference_histories`), or None.
        show_reference: False for the student view: no band, no reference spread.
        mode: ``quick`` or ``full`` (named in the band's legend).
    """
    b = _Builder(exe, bands, reference or {}, show_reference, mode)
    covered: set[int] = set()
    for name, exp in exe.exports.items():
        if not exp.found or not isinstance(exp.data, dict):
            continue
        if exp.kind == "history":
            fit = matching_fit(exp.data, exe.trace)
            if fit is not None:
                covered.update(ev.seq for ev in exe.trace if ev.kind == "fit" and ev.model_id == fit.model_id)
            b.single(name, exp.data, verified=fit is not None,
                     source=f"`{name}` (matched to the training trace)" if fit else f"`{name}` as exported")
        elif exp.kind == "histories":
            for hist in exp.data.values():
                fit = matching_fit(hist, exe.trace) if isinstance(hist, dict) else None
                if fit is not None:
                    covered.add(fit.seq)
            b.many(exp.data)
    fits = [ev for ev in exe.trace if ev.kind == "fit" and ev.epoch_logs and ev.seq not in covered]
    by_model: dict[str, list[TraceEvent]] = {}
    for ev in fits:
        by_model.setdefault(ev.model_id or ev.model_name, []).append(ev)
    names = {exp.data.get("model_id"): name for name, exp in exe.exports.items()
             if exp.kind == "model" and exp.found and isinstance(exp.data, dict)}
    for model_id, model_fits in by_model.items():
        label = names.get(model_id) or model_fits[0].model_name or "model"
        b.single(str(label), _fit_history(model_fits), verified=True,
                 source=f"{len(model_fits)} traced fit call(s) of `{label}`")
    return b.charts[:MAX_CHARTS]
