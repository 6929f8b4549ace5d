"""Derived facts: the documented thresholds that turn measurements into categories.

A derived fact (fit state, whether transfer or dropout helped, a learning-rate shape) is
judged by category: the claim's category must be one the measurement accepts. The
acceptable sets overlap on purpose near each boundary, so an honest description of a
borderline run is never called wrong: a train/validation gap of +0.02 accepts both "no
overfitting" and "slight overfitting"; an error-rate factor of 1.2 accepts both "barely
helped" and "helped a little".
"""

from __future__ import annotations

import math

# Fit state, from gap = final training accuracy - final validation accuracy.
GAP_OVERFIT = 0.03        # at or above: overfitting
GAP_SLIGHT = 0.01         # [0.01, 0.08): "slight overfitting" is also acceptable
GAP_SLIGHT_MAX = 0.08
GAP_STRONG = 0.06         # at or above: "strong/severe overfitting" acceptable
GAP_NEGATIVE_OK = -0.05   # dropout / augmentation lower the training accuracy: down to here is normal
VAL_LOSS_RISE = 0.10      # last val_loss this much above its minimum (relative) also signals overfitting
UNDERFIT_TRAIN = {"dropout": 0.80, "cats-dogs": 0.85}  # final training accuracy below: underfitting

# Transfer: f = error rate of B / error rate of B-on-A; a claim category is acceptable in its interval.
TRANSFER_ACCEPT = {"hurt": (0.0, 1.0), "no_gain": (0.0, 1.3), "gain_slight": (1.0, 2.0),
                   "gain": (1.15, math.inf), "gain_big": (1.8, math.inf)}
# Dropout vs no dropout: d = gap without dropout - gap with dropout (positive: dropout narrowed it).
DROPOUT_ACCEPT = {"hurt": (-math.inf, -0.015), "no_gain": (-math.inf, 0.03), "gain_slight": (0.0, 0.06),
                  "gain": (0.015, math.inf), "gain_big": (0.05, math.inf)}
# Rankings: subjects within this much of the best count as tied for best.
TIE_SPEED = 0.01          # mean validation accuracy over the first quarter of the epochs
TIE_FINAL = 0.005         # final validation accuracy
SGD_MARGIN = 0.01         # SGD vs the adaptive optimizers' median: beyond this it is worse/better


def accept(intervals: dict[str, tuple[float, float]], x: float) -> list[str]:
    """The categories whose interval contains `x`."""
    return [k for k, (lo, hi) in intervals.items() if lo <= x < hi]


def fit_state(train: float, val: float, *, lab: str, val_loss: list[float] | None = None) -> tuple[str, list[str]]:
    """The fit state and the claim categories it accepts (thresholds at the top of this module).

    Categories: ``overfit``, ``overfit_slight``, ``overfit_strong``, ``no_overfit``, ``underfit``,
    ``no_underfit``, ``good_fit``.
    """
    gap = train - val
    rising = bool(val_loss and len(val_loss) >= 3 and min(val_loss) > 0
                  and val_loss[-1] >= (1 + VAL_LOSS_RISE) * min(val_loss) and gap >= GAP_SLIGHT)
    underfit = train < UNDERFIT_TRAIN.get(lab, 0.8)
    accept = []
    if gap >= GAP_OVERFIT or rising:
        accept.append("overfit")
    if GAP_SLIGHT <= gap < GAP_SLIGHT_MAX or rising:
        accept.append("overfit_slight")
    if gap >= GAP_STRONG:
        accept.append("overfit_strong")
    if gap < GAP_OVERFIT and not rising:
        accept.append("no_overfit")
    accept.append("underfit" if underfit else "no_underfit")
    if "no_overfit" in accept and not underfit and gap >= GAP_NEGATIVE_OK:
        accept.append("good_fit")
    state = ("underfitting" if underfit else "overfitting" if "overfit" in accept
             else "good fit" if "good_fit" in accept else "unclear")
    return state, accept


def lr_shape(lr: list[float]) -> str:
    """Shape class of a per-epoch learning-rate trace.

    ``constant`` (max/min <= 1.05), ``up_down`` (peak inside the run, at least 1.5x both ends),
    ``increasing``, ``decreasing_steps`` (non-increasing, few distinct levels),
    ``decreasing_smooth`` (non-increasing, many levels), ``irregular``.
    """
    lo, hi = min(lr), max(lr)
    if lo <= 0 or hi / lo <= 1.05:
        return "constant"
    peak = lr.index(hi)
    if 0 < peak < len(lr) - 1 and hi >= 1.5 * lr[0] and hi >= 1.5 * lr[-1]:
        return "up_down"
    steps = [b / a for a, b in zip(lr, lr[1:])]
    if all(s >= 1 - 1e-6 for s in steps):
        return "increasing"
    if all(s <= 1 + 1e-6 for s in steps):
        levels = 1 + sum(1 for s in steps if s < 0.99)
        return "decreasing_steps" if levels <= max(3, len(lr) // 3) else "decreasing_smooth"
    return "irregular"


# Claim descriptors that agree with / contradict each shape class (see rules.shape).
SHAPE_ACCEPT = {
    "constant": ({"constant"}, {"increase", "decrease", "steps", "smooth", "up_down"}),
    "up_down": ({"up_down"}, {"constant"}),
    "increasing": ({"increase"}, {"constant", "decrease"}),
    "decreasing_steps": ({"decrease", "steps", "plateau"}, {"constant", "increase", "up_down"}),
    "decreasing_smooth": ({"decrease", "smooth"}, {"constant", "increase", "up_down"}),
    "irregular": (set(), {"constant"}),
}
SHAPE_WORDS = {"constant": "stayed constant", "up_down": "rose then fell", "increasing": "increased",
               "decreasing_steps": "decreased in steps", "decreasing_smooth": "decreased smoothly",
               "irregular": "changed irregularly"}
