"""Learning-rate schedules: the rate actually used per epoch, fitted against each schedule's shape.

The rate comes from the harness's trace (read from the optimizer at the start of every
epoch, schedules resolved), not from the history and not from the code: Keras 3
ignores ``decay=`` silently, and only the trace shows the rate stayed constant.
"""

from __future__ import annotations

import math

import numpy as np

from harness.checks.registry import register
from harness.checks.bands import verified_histories
from harness.checks.context import GradeContext, Verdict
from harness.evaluate.histories import by_canonical, matching_fit
from harness.i18n import Msg, msg
from harness.rubric import Item

R2_MIN = 0.995


def _r2(y: np.ndarray, fit: np.ndarray) -> float:
    ss_res = float(((y - fit) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0


def _decreasing(lr: np.ndarray, strict: bool) -> bool:
    d = np.diff(lr)
    return bool((d < 0).all()) if strict else bool((d <= 1e-12 * lr.max()).all())


def fit_power(lr: np.ndarray) -> tuple[bool, Msg]:
    """``eta0 / (1 + t/s)**c``: strictly decreasing, log-linear in log(1 + t/s) for some s."""
    if not _decreasing(lr, strict=True):
        return False, msg("is not strictly decreasing")
    t, y = np.arange(len(lr), dtype=float), np.log(lr)
    best = -1.0
    for s in np.geomspace(0.05, 1e5, 200):
        x = np.log1p(t / s)
        c, a = np.polyfit(x, y, 1)
        if c < 0:
            best = max(best, _r2(y, a + c * x))
    return bool(best >= R2_MIN), msg("fits eta0/(1+t/s)^c with R^2 = {r2:.4f}", r2=best)


def fit_exponential(lr: np.ndarray) -> tuple[bool, Msg]:
    """``eta0 * 0.1**(t/s)``: log(lr) linear in t with a negative slope."""
    if not _decreasing(lr, strict=True):
        return False, msg("is not strictly decreasing")
    t, y = np.arange(len(lr), dtype=float), np.log(lr)
    slope, a = np.polyfit(t, y, 1)
    r2 = _r2(y, a + slope * t)
    s = -math.log(10) / slope if slope < 0 else float("inf")
    return bool(slope < 0 and r2 >= R2_MIN), msg("log-linear with R^2 = {r2:.4f} (s = {s:.1f} epochs)", r2=r2, s=s)


def fit_piecewise(lr: np.ndarray) -> tuple[bool, Msg]:
    """Piecewise constant: a few levels, each held for several epochs, only stepping down."""
    levels = [lr[0]]
    for v in lr[1:]:
        if not math.isclose(v, levels[-1], rel_tol=1e-6):
            levels.append(v)
    down = all(b < a for a, b in zip(levels, levels[1:]))
    ok = bool(down and 2 <= len(levels) <= max(2, len(lr) // 2))
    return ok, msg("{n} level(s) {levels!r}", n=len(levels), levels=[float(f'{v:.3g}') for v in levels])


def fit_performance(lr: np.ndarray, callbacks: list[str]) -> tuple[bool, Msg]:
    """Reduce-on-plateau: ReduceLROnPlateau present; the rate only ever drops, by one factor."""
    if "ReduceLROnPlateau" not in callbacks:
        return False, msg("was trained without a ReduceLROnPlateau callback")
    if not _decreasing(lr, strict=False):
        return False, msg("increases at some epoch")
    ratios = [b / a for a, b in zip(lr, lr[1:]) if not math.isclose(a, b, rel_tol=1e-6)]
    if not ratios:
        return True, msg("never plateaued long enough to reduce the rate (constant, with the callback in place)")
    same = bool(max(ratios) - min(ratios) < 0.05)
    return same, msg("reduced {n} time(s) by factor(s) {factors!r}", n=len(ratios),
                     factors=sorted({float(round(r, 3)) for r in ratios}))


def fit_1cycle(lr: np.ndarray) -> tuple[bool, Msg]:
    """1cycle: rises to a peak inside the run, then falls below where it started."""
    peak = int(lr.argmax())
    if peak == 0:
        return False, msg("never rises")
    if peak == len(lr) - 1:
        return False, msg("never comes down after rising")
    up = _decreasing(-lr[: peak + 1], strict=False)
    down = _decreasing(lr[peak:], strict=False)
    ok = bool(up and down and lr[-1] < lr[0])
    return ok, msg("rises to {peak:.3g} at epoch {epoch}, ends at {end:.3g} (started at {start:.3g})",
                   peak=float(lr[peak]), epoch=peak, end=float(lr[-1]), start=float(lr[0]))


# Each schedule's shape as the feedback names it: formulas are code, the same in every language.
SHAPES = {
    "power": ("eta0 / (1 + t/s)**c", fit_power),
    "exponential": ("eta0 * 0.1**(t/s)", fit_exponential),
    "piecewise": (msg("piecewise constant"), fit_piecewise),
    "performance": (msg("reduce on plateau"), None),
    "1cycle": ("1cycle", fit_1cycle),
}


@register("schedule_shape")
def schedule_shape(ctx: GradeContext, item: Item) -> Verdict:
    """Each schedule's recorded per-epoch learning rate has the schedule's shape."""
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    exp = ctx.export("histories")
    found = by_canonical(exp.data if exp else {})
    good, notes, evidence = 0, [], {}
    for key, (formula, fn) in SHAPES.items():
        if key not in found:
            notes.append(msg("{name}: missing", name=key))
            continue
        name, hist = found[key]
        ev = matching_fit(hist, ctx.execution.trace, lab=ctx.lab)
        if ev is None:
            notes.append(msg("{name}: no recorded training run matches this history", name=str(name)))
            continue
        lr = np.array([e.lr for e in ev.epoch_logs if e.lr is not None], dtype=float)
        if len(lr) < 3 or (lr <= 0).any():
            notes.append(msg("{name}: fewer than 3 epochs with a learning rate recorded", name=str(name)))
            continue
        ok, why = fit_performance(lr, ev.callbacks) if key == "performance" else fn(lr)
        evidence[key] = {"lr": [float(f"{v:.6g}") for v in lr], "fit": str(why)}
        if np.allclose(lr, lr[0], rtol=1e-9) and key != "performance":
            why = (msg("constant at {lr:.3g} for all {n} epochs: no schedule was applied (Keras 3 ignores decay= on "
                       "optimizers)", lr=float(lr[0]), n=len(lr)) if ev.optimizer_config.get("ignored_decay") else
                   msg("constant at {lr:.3g} for all {n} epochs: no schedule was applied", lr=float(lr[0]), n=len(lr)))
            ok = False
        if ok:
            good += 1
        else:
            notes.append(msg("{name}: the learning rate {why}, not {formula}", name=str(name), why=why,
                             formula=formula))
    total = len(SHAPES)
    if good == total:
        return Verdict(1.0, msg("All five learning-rate trajectories have their schedule's shape."), evidence)
    return Verdict(good / total, msg("{good} of {total} schedules have the expected shape. {notes:; }.", good=good,
                                     total=total, notes=notes), evidence)


@register("same_epochs")
def same_epochs(ctx: GradeContext, item: Item) -> Verdict:
    """Every compared run trained for the same number of epochs (a fair comparison)."""
    exp = ctx.export("histories")
    if exp is None:
        return Verdict.failed(msg("`histories` is missing."))
    verified, _ = verified_histories(ctx)
    lengths = {name: len(h.get("loss", [])) for name, h in verified.values()}
    if not lengths:
        return Verdict.failed(msg("`histories` holds no history produced by a training run the harness recorded."))
    if len(set(lengths.values())) == 1:
        return Verdict.passed(msg("All {n} runs trained for {epochs} epochs.", n=len(lengths),
                                  epochs=next(iter(lengths.values()))))
    detail = [f"{n}: {k}" for n, k in lengths.items()]  # run name: epochs
    return Verdict.failed(msg("Runs trained for different numbers of epochs ({detail:, }): compare optimizers on the "
                              "same budget, or the comparison says nothing about convergence speed.", detail=detail),
                          epochs=lengths)
