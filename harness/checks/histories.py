"""Histories exported by a submission, matched against the training trace.

A history is a dict the submission hands over; on its own it proves nothing. A
history counts only when some traced ``fit`` call logged the same values, epoch by
epoch (the trace is recorded by the harness, so a hand-written dict of good-looking
numbers does not match anything).
"""

from __future__ import annotations

import math
import re

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
    return math.isclose(float(a), float(b), rel_tol=1e-4, abs_tol=1e-6)


def matching_fit(history: dict, trace: list[TraceEvent]) -> TraceEvent | None:
    """The traced fit whose per-epoch losses equal the history's, or None.

    The history may be a concatenation of several fits of one model (fine-tuning in
    two phases); then the fit holding its last epochs is returned.
    """
    losses = history.get("loss")
    if not isinstance(losses, list) or not losses:
        return None
    tail = losses[-1]
    for ev in trace:
        if ev.kind != "fit" or not ev.epoch_logs:
            continue
        logged = [e.logs.get("loss") for e in ev.epoch_logs]
        n = min(len(logged), len(losses))
        if n and all(_close(a, b) for a, b in zip(logged[-n:], losses[-n:])) and _close(logged[-1], tail):
            return ev
    return None


def final(history: dict, key: str) -> float | None:
    """Last value of `key` (``val_acc`` accepted for ``val_accuracy``)."""
    for k in (key, key.replace("accuracy", "acc")):
        series = history.get(k)
        if isinstance(series, list) and series and series[-1] is not None:
            return float(series[-1])
    return None
