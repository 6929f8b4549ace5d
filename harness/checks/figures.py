"""The graphs a lab requires, judged as data: a curve counts when it is the run's history, not pixels.

The trace records the structure of every figure rendered (axes, labels, each line's
data, images). A required plot is found when some figure has lines whose values equal
what a verified training run logged (accuracy or loss per epoch, or the learning rate
per epoch), or an image for the sample. Empty axes, decorative images and curves of
invented numbers never count. Requirements are declared per lab in the rubric::

    params = { require = [
        { kind = "curves", metrics = ["accuracy", "val_accuracy", "loss", "val_loss"], label = "..." },
        { kind = "comparison", metrics = ["val_accuracy", "accuracy", "val_loss", "loss"], runs = 8, label = "..." },
        { kind = "lr", runs = 5, label = "..." },
        { kind = "models", models = ["model_A", "model_B", "model_B_on_A"], label = "..." },
        { kind = "image", label = "..." } ] }
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.checks.registry import register
from harness.checks.context import GradeContext, Verdict, item_param
from harness.i18n import Msg, msg
from harness.models import FigureData, TraceEvent
from harness.rubric import Item

REL_TOL = 1e-3
ABS_TOL = 1e-6
CURVE_METRICS = ("accuracy", "val_accuracy", "loss", "val_loss")


@dataclass(frozen=True)
class Series:
    """One verified per-epoch series: which fit, which quantity, the values."""

    fit: TraceEvent
    metric: str
    values: tuple[float, ...]


LR_KEYS = ("lr", "lr_end", "learning_rate")


def verified_series(ctx: GradeContext) -> list[Series]:
    """Every per-epoch series recorded by complete fits: each logged metric, the learning rate at the
    start (``lr``) and end (``lr_end``) of each epoch, and the same series of consecutive fits of one
    model joined end to end (fine-tuning in two phases plotted as one curve)."""
    fits = [f for f in ctx.fits() if f.complete and f.epoch_logs]
    out = []
    for fit in fits:
        out += _series_of(fit, fit.epoch_logs)
    by_model: dict[str, list[TraceEvent]] = {}
    for fit in fits:
        by_model.setdefault(fit.model_id, []).append(fit)
    for chain in by_model.values():
        if len(chain) > 1:
            out += _series_of(chain[-1], [e for f in chain for e in f.epoch_logs])
    return out


def _series_of(fit: TraceEvent, epochs: list) -> list[Series]:
    out = []
    for key in sorted({k for e in epochs for k in e.logs}):
        vals = [e.logs.get(key) for e in epochs]
        if all(v is not None for v in vals):
            out.append(Series(fit, key, tuple(float(v) for v in vals)))
    for key, attr in (("lr", "lr"), ("lr_end", "lr_end")):
        vals = [getattr(e, attr) for e in epochs]
        if all(v is not None for v in vals):
            out.append(Series(fit, key, tuple(float(v) for v in vals)))
    return out


def _number(y) -> bool:
    return isinstance(y, (int, float)) and not isinstance(y, bool) and math.isfinite(y)


def _same(ys: list, values: tuple[float, ...]) -> bool:
    """True when plotted `ys` are `values` (as fractions or as percentages), point for point.

    The plotted values come from the submission's process: anything that is not a finite
    number makes the line not match (never an error)."""
    if len(ys) != len(values) or not values or not all(_number(y) for y in ys):
        return False
    for scale in (1.0, 100.0):
        if all(math.isclose(y, v * scale, rel_tol=REL_TOL, abs_tol=ABS_TOL * scale)
               for y, v in zip(ys, values)):
            return True
    return False


def matched_lines(fig: FigureData, series: list[Series]) -> list[tuple[int, dict, Series]]:
    """(axes index, line, the verified series it plots) for every line of `fig` that is a recorded series."""
    out = []
    for a, axes in enumerate(fig.axes):
        for line in axes.get("lines", []) if isinstance(axes.get("lines"), list) else []:
            if not isinstance(line, dict) or not isinstance(line.get("y"), list):
                continue
            ys = line["y"]
            if line.get("n") not in (None, len(ys)):  # down-sampled: too long to be a per-epoch curve here
                continue
            hit = next((s for s in series if _same(ys, s.values)), None)
            if hit is not None:
                out.append((a, line, hit))
    return out


def _needed(req: dict, pool: list[Series], *, floor: int) -> int:
    """How many runs a plot must show: the rubric's `runs`, or every run there is when fewer were trained."""
    return max(floor, min(int(req.get("runs", floor)), len({id(s.fit) for s in pool})))


def _requirement(req: dict, ctx: GradeContext, figures: list[FigureData],
                 series: list[Series]) -> tuple[bool, Msg | None]:
    kind = req.get("kind")
    # A requirement's label is rubric text (extracted into the catalogue with the item names); the kind is a code word.
    label = Msg(str(req["label"])) if req.get("label") else str(kind)
    metrics = tuple(req.get("metrics") or CURVE_METRICS)
    if kind == "image":
        ok = any(axes.get("images") for fig in figures for axes in fig.axes)
        return ok, None if ok else msg("{label}: no figure shows an image", label=label)
    if kind == "lr":
        pool = [s for s in series if s.metric in LR_KEYS]
        # A constant learning rate is not a schedule's curve: only varying ones count as the lr plot.
        pool = [s for s in pool if len(set(s.values)) > 1] or pool
        # The plot shows the runs there are: a run that is missing (or a schedule that was not applied) is
        # judged by the items about the runs, not a second time here.
        need = _needed(req, pool, floor=1)
        best = max((len({id(s.fit) for _, _, s in matched_lines(f, pool)}) for f in figures), default=0)
        ok = best >= need
        return ok, None if ok else msg("{label}: a plot of the learning rate per epoch of {need} runs was expected; "
                                       "the best figure shows {best}", label=label, need=need, best=best)
    pool = [s for s in series if s.metric in metrics]
    if kind == "curves":
        ok = any(matched_lines(f, pool) for f in figures)
        return ok, None if ok else msg("{label}: no curve equals a training history of this run ({metrics:, } per "
                                       "epoch); plot history.history[...] after training", label=label,
                                       metrics=list(metrics))
    if kind == "comparison":
        # All the verified runs in one plot (at least two: one run is no comparison); a missing run is judged
        # by the items about the runs (all present, same epochs), not a second time here.
        need = _needed(req, pool, floor=2)
        best = 0
        for fig in figures:
            per_axes: dict[int, set[int]] = {}
            for a, _, s in matched_lines(fig, pool):
                per_axes.setdefault(a, set()).add(id(s.fit))
            best = max([best, *(len(v) for v in per_axes.values())])
        ok = best >= need
        return ok, None if ok else msg("{label}: one plot comparing the curves of {need} runs was expected; the best "
                                       "plot compares {best}", label=label, need=need, best=best)
    if kind == "models":
        wanted = [m for m in req.get("models", []) if isinstance(m, str)]
        ids = {m: ctx.model_id(m) for m in wanted}
        shown = {s.fit.model_id for f in figures for _, _, s in matched_lines(f, pool)}
        missing = [m for m in wanted if ids[m] is None or ids[m] not in shown]
        ok = not missing
        return ok, None if ok else msg("{label}: no curve of the training of {models:, }", label=label, models=missing)
    return False, msg("{label}: unknown requirement kind {kind!r} in the rubric", label=label, kind=kind)


@register("figures")
def figures(ctx: GradeContext, item: Item) -> Verdict:
    """The plots the lab requires, each showing data a verified training run produced."""
    required = [r for r in item_param(item, "require", []) if isinstance(r, dict)]
    data = ctx.execution.figure_data
    shown = [f for f in data if any(a.get("lines") or a.get("images") for a in f.axes)]
    evidence = {"figures_rendered": len(data), "with_data": len(shown)}
    if not required:
        want = int(item_param(item, "min_figures", 1))
        ok = len(shown) >= want
        return Verdict(1.0 if ok else len(shown) / want,
                       msg("{n} figure(s) with data.", n=len(shown)) if ok else
                       msg("Expected at least {want} figure(s) showing data; found {n}.", want=want, n=len(shown)),
                       evidence)
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace", **evidence)
    series = verified_series(ctx)
    results = [_requirement(r, ctx, shown, series) for r in required]
    evidence["requirements"] = [{"label": r.get("label", r.get("kind")), "found": ok} for r, (ok, _) in
                                zip(required, results)]
    done = sum(ok for ok, _ in results)
    if done == len(results):
        return Verdict(1.0, msg("All {n} required plot(s) show this run's data.", n=len(results)), evidence)
    problems = [why for ok, why in results if not ok]
    blank = len(data) - len(shown)
    note = msg(" ({n} figure(s) were empty)", n=blank) if blank else ""
    return Verdict(done / len(results), msg("Missing or not matching: {problems:; }{note}. Plot the values the "
                                            "training returned (history.history[...]) and show the figure "
                                            "(plt.show()).", problems=problems, note=note), evidence)
