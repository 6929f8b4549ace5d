"""Trace queries: histories exported by a submission, matched against the training trace.

A history is a dict the submission hands over; on its own it proves nothing. A
history counts only when some traced ``fit`` call logged the same values, epoch by
epoch (the trace is recorded by the harness, so a hand-written dict of good-looking
numbers does not match anything).
"""

from __future__ import annotations

import math
import re

from harness.labs import LabSpec
from harness.models import TraceEvent

# Normalised key -> canonical key, for the names students give optimizers and schedules.
SYNONYMS = {
    "sgd": "sgd", "plainsgd": "sgd", "vanillasgd": "sgd", "gradientdescent": "sgd",
    "momentum": "momentum", "sgdmomentum": "momentum", "momentumoptimization": "momentum",
    "momentumsgd": "momentum", "sgdwithmomentum": "momentum",
    "nesterov": "nesterov", "nag": "nesterov", "sgdnesterov": "nesterov", "nesterovmomentum": "nesterov",
    "nesterovacceleratedgradient": "nesterov", "nesterovsgd": "nesterov",
    "adagrad": "adagrad", "rmsprop": "rmsprop", "adam": "adam", "adamax": "adamax", "nadam": "nadam",
    "power": "power", "powerscheduling": "power", "powerdecay": "power", "inversetimedecay": "power",
    "exponential": "exponential", "exponentialscheduling": "exponential", "exponentialdecay": "exponential",
    "exp": "exponential",
    "piecewise": "piecewise", "piecewiseconstant": "piecewise", "piecewiseconstantscheduling": "piecewise",
    "performance": "performance", "performancescheduling": "performance", "reducelronplateau": "performance",
    "plateau": "performance",
    "1cycle": "1cycle", "onecycle": "1cycle", "1cyclescheduling": "1cycle", "onecyclescheduling": "1cycle",
}


def canonical(name: str) -> str | None:
    """Canonical key for a student's optimizer/schedule name, or None when unknown."""
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    return SYNONYMS.get(key)


def by_canonical(histories: dict) -> dict[str, tuple[str, dict]]:
    """canonical key -> (the student's name, history dict); unknown names are dropped."""
    out: dict[str, tuple[str, dict]] = {}
    for name, hist in (histories or {}).items():
        key = canonical(name)
        if key and key not in out and isinstance(hist, dict):
            out[key] = (name, hist)
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return math.isclose(float(a), float(b), rel_tol=1e-5, abs_tol=1e-7)


_IGNORED = ("lr", "learning_rate")  # logged by schedulers, not by every fit


def _epochs_match(history: dict, logs: list[dict]) -> bool:
    """Every metric of every epoch of `history` equals what the trace logged."""
    keys = [k for k in history if k not in _IGNORED]
    if not keys or "loss" not in keys:
        return False
    for key in keys:
        series = history[key]
        if not isinstance(series, list) or len(series) != len(logs):
            return False
        if not all(_close(value, log.get(key)) for value, log in zip(series, logs)):
            return False
    return True


def plausible(fit: TraceEvent, lab: LabSpec | None) -> bool:
    """True when `fit` saw enough training data for its history to be a lab result (samples per epoch)."""
    if lab is None:
        return True
    seen = fit.samples
    if seen is None and fit.batch_size and fit.epoch_logs:
        seen = fit.batch_size * max((e.steps or 0) for e in fit.epoch_logs)
    return seen is None or seen >= lab.min_train_samples


def matching_fit(history: dict, trace: list[TraceEvent], *, lab: LabSpec | None = None) -> TraceEvent | None:
    """The traced fit that produced `history`, or None.

    A history counts only when every metric of every epoch equals what a recorded fit
    logged, for a fit of exactly that length on a plausible amount of data; it may be
    the concatenation of consecutive fits of one model (fine-tuning in two phases), in
    which case the last of them is returned.
    """
    if not isinstance(history, dict) or not isinstance(history.get("loss"), list) or not history["loss"]:
        return None
    n = len(history["loss"])
    fits = [t for t in trace if t.kind == "fit" and t.complete and t.epoch_logs]
    for i, ev in enumerate(fits):
        chain, covered = [], 0
        for prev in reversed(fits[: i + 1]):
            if prev.model_id != ev.model_id:
                continue
            chain.insert(0, prev)
            covered += len(prev.epoch_logs)
            if covered >= n:
                break
        if covered != n:
            continue
        logs = [e.logs for f in chain for e in f.epoch_logs]
        if _epochs_match(history, logs) and all(plausible(f, lab) for f in chain):
            return ev
    return None


def final(history: dict, key: str) -> float | None:
    """Last value of `key` (``val_acc`` accepted for ``val_accuracy``)."""
    for k in (key, key.replace("accuracy", "acc")):
        series = history.get(k)
        if isinstance(series, list) and series and series[-1] is not None:
            return float(series[-1])
    return None
