"""What a lab's written analysis must address, built from trusted measurements.

`facts_for(lab, measured)` turns a plain dict of values the grader measured itself
(held-out accuracies, verified histories, the learning rate from the trace...) into
`Fact` values: one thing the analysis should say about THIS run, the measured value
behind it, and what a claim must look like to agree. Which keys each lab reads is
documented in `MEASURED_KEYS`; a fact whose measurement is absent is left out (an
analysis is never asked about something the grader did not measure).

Derived facts (fit state, whether transfer or dropout helped, schedule shape, rankings) are
decided with the documented thresholds of `derived`, so the judge only compares a
claim's category with the categories the measurement accepts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from harness.analysis.derived import (DROPOUT_ACCEPT, SGD_MARGIN, SHAPE_ACCEPT, TIE_FINAL, TIE_SPEED,
                                      TRANSFER_ACCEPT, accept, fit_state, lr_shape)
from harness.i18n import Msg, msg, render

LABS = ("resnet50-top3", "fashion-transfer", "cats-dogs", "optimizers", "lr-schedules", "dropout")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax", "nadam")
ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamax", "nadam")
SCHEDULES = ("power", "exponential", "piecewise", "performance", "1cycle")

# Absolute tolerance for accuracies and probabilities quoted in the text: the grader's re-run
# differs from the student's by nondeterminism (a few images of the validation set).
ACCURACY_TOL = 0.02
PROBABILITY_TOL = 0.02
# Relative tolerances: the error-rate reduction factor, learning rates read off a plot.
RATIO_REL_TOL = 0.25
LR_REL_TOL = 0.15
# Seconds on the student's machine and on the grader's differ: within this factor agrees.
TIME_FACTOR = 3.0
# A fit state this clear (train/validation gap, or training accuracy this low) is decisive: it
# holds on the grader's smaller quick-mode re-run as well.
DECISIVE_GAP = 0.15
DECISIVE_UNDERFIT = 0.5

# Every lab also reads "accuracy_tolerance" (optional): the absolute tolerance for quoted accuracies,
# e.g. from the spread of the lab's calibration runs; default ACCURACY_TOL.
MEASURED_KEYS: dict[str, dict[str, str]] = {
    "resnet50-top3": {
        "top3": "list of [label, probability] (or [wnid, label, probability]) for the sample image, best first",
        "model_per_call": "bool: classify() built a new model on every call (from the trace)",
        "first_call_s": "seconds of the first classify() call (optional)",
        "second_call_s": "seconds of the second classify() call",
    },
    "fashion-transfer": {
        "accuracy_A": "held-out accuracy of model_A on test-A",
        "accuracy_B": "held-out accuracy of model_B on test-B",
        "accuracy_B_on_A": "held-out accuracy of model_B_on_A on test-B",
        "val_accuracy_A / _B / _B_on_A": "final validation accuracy of each model's verified history (optional; "
                                         "quoting it instead of the held-out value also agrees)",
    },
    "cats-dogs": {
        "val_accuracy": "list: validation accuracy per epoch of the verified history",
        "train_accuracy": "list: training accuracy per epoch (augmentation and dropout on)",
        "val_loss": "list: validation loss per epoch (optional; a rising tail signals overfitting)",
        "sample_label": "'dog' or 'cat': the model's prediction on the sample dog with the training preprocessing",
        "sample_probability": "probability of that label (optional)",
    },
    "optimizers": {
        "val_accuracy": "dict canonical optimizer name (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamax, "
                        "nadam; see harness.evaluate.histories.canonical) -> list of validation accuracy per epoch",
    },
    "lr-schedules": {
        "val_accuracy": "dict canonical schedule name (power, exponential, piecewise, performance, 1cycle) -> list "
                        "of validation accuracy per epoch",
        "learning_rate": "dict schedule -> list of the learning rate used per epoch (from the trace)",
    },
    "dropout": {
        "accuracy": "held-out accuracy of `model`",
        "val_accuracy": "list: validation accuracy per epoch of `history`",
        "train_accuracy": "list: training accuracy per epoch of `history` (measured with dropout on)",
        "val_loss": "list: validation loss per epoch (optional)",
        "accuracy_no_dropout": "held-out accuracy of `model_no_dropout` (optional)",
        "val_accuracy_no_dropout / train_accuracy_no_dropout": "lists for `history_no_dropout` (optional)",
    },
}


@dataclass(frozen=True)
class Fact:
    """One thing the analysis should say about this run, with the measurement behind it.

    Attributes:
        id: stable id within the lab, e.g. ``"accuracy_B_on_A"``, ``"fit_state"``, ``"shape_1cycle"``.
        lab: lab id.
        kind: how the judge compares claims with it: ``value`` (one number), ``values`` (a number per
            subject), ``ranking`` (which subject is best), ``comparison`` (SGD vs adaptive),
            ``fit_state``, ``effect`` (did transfer/dropout help), ``ratio`` (error-rate reduction
            factor), ``shape`` (a learning-rate trajectory), ``labels`` (top-3 classes),
            ``prediction`` (a sample's class), ``call_cost`` (model built per call or once),
            ``concept`` (an explanation: no measurement, no grounding needed).
        value: the measured value: a float, ``{subject: float}``, a category name, or a list of labels.
        tolerance: for numbers: absolute (accuracies, probabilities) or relative (ratio, learning
            rates, as documented per kind); None where categories are compared.
        measured: what was measured, e.g. ``held-out accuracy of model B 0.961``: shown to the student
            next to a statement that contradicts it, and to the instructor (`sentence`, in English).
        topic: what the analysis should address, shown to the student, e.g. ``the accuracy of model B``.
        subject: the run/model/optimizer/schedule/class the fact is about (None: the lab's main model).
        metric: ``accuracy``, ``probability``, ``ratio``, ``lr``...; None for categorical facts.
        splits: accepted data splits for a quoted number (``val``, ``test``, ``train``); empty: any.
        epoch: ``"first"`` or ``"last"`` when the number belongs to one epoch; None: the final result.
        params: kind-specific details: alternative accepted values, accepted claim categories
            (``accept``), per-subject scores of a ranking, the learning-rate trace of a shape.
        weight: share of the coverage score (result facts 1.0, explanations 0.5).
        needs_grounding: True when only claims about this run count (a definition copied from the
            lecture does not address a result).
    """

    id: str
    lab: str
    kind: str
    value: Any
    tolerance: float | None
    measured: Msg
    topic: Msg
    subject: str | None = None
    metric: str | None = None
    splits: tuple[str, ...] = ()
    epoch: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    needs_grounding: bool = True

    @property
    def sentence(self) -> str:
        """What was measured, in English (the instructor's view and the judgement's evidence)."""
        return render(self.measured, "en")


def facts_for(lab: str, measured: dict) -> list[Fact]:
    """The facts an analysis of `lab` must address, from the grader's trusted measurements.

    Args:
        lab: one of `LABS`.
        measured: plain values keyed as documented in `MEASURED_KEYS[lab]`; absent keys leave
            their facts out.

    Returns:
        The facts, in the order the lab asks for them.

    Raises:
        ValueError: unknown lab, or a measurement of the wrong type or range (the message names
            the key and what was received).
    """
    if lab not in _BUILDERS:
        raise ValueError(f"unknown lab {lab!r}; expected one of {', '.join(LABS)}")
    if not isinstance(measured, dict):
        raise ValueError(f"measured must be a dict of measurements; received {type(measured).__name__}")
    return _BUILDERS[lab](measured)


# ---- reading measurements -------------------------------------------------------------------------

def _num(measured: dict, key: str, *, unit: bool = False) -> float | None:
    v = measured.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (unit and not 0 <= v <= 1):
        raise ValueError(f"measured[{key!r}] must be a finite number{' in [0, 1]' if unit else ''}; received {v!r}")
    return float(v)


def _curve(value: Any, key: str) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value):
        raise ValueError(f"measured[{key!r}] must be a non-empty list of numbers (one per epoch); received {value!r}")
    return [float(x) for x in value]


def _curves(measured: dict, key: str, names: tuple[str, ...]) -> dict[str, list[float]]:
    raw = measured.get(key) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"measured[{key!r}] must be a dict name -> list per epoch; received {type(raw).__name__}")
    unknown = [k for k in raw if k not in names]
    if unknown:
        raise ValueError(f"measured[{key!r}] has unknown names {unknown}; use the canonical names {', '.join(names)} "
                         "(harness.evaluate.histories.canonical)")
    return {k: _curve(v, f"{key}.{k}") for k, v in raw.items() if v is not None}


def _acc_tol(measured: dict) -> float:
    """`ACCURACY_TOL`, or the lab's own from ``measured["accuracy_tolerance"]`` (e.g. derived from its band)."""
    tol = _num(measured, "accuracy_tolerance")
    if tol is not None and not 0 < tol < 0.5:
        raise ValueError(f"measured['accuracy_tolerance'] must be in (0, 0.5); received {tol!r}")
    return ACCURACY_TOL if tol is None else tol


# The words of derived categories in sentences shown to the student (the categories themselves are the
# values the judge compares; these only put them into words).
_SHAPE_TEXT = {"constant": msg("stayed constant"), "up_down": msg("rose then fell"), "increasing": msg("increased"),
               "decreasing_steps": msg("decreased in steps"), "decreasing_smooth": msg("decreased smoothly"),
               "irregular": msg("changed irregularly")}
_STATE_TEXT = {"underfitting": msg("underfitting"), "overfitting": msg("overfitting"), "good fit": msg("good fit"),
               "unclear": msg("unclear")}
_TRANSFER_TEXT = {"made B worse": msg("made B worse"), "barely helped": msg("barely helped"),
                  "helped modestly": msg("helped modestly"), "helped clearly": msg("helped clearly")}
_SGD_TEXT = {"worse": msg("worse"), "better": msg("better"), "similar": msg("similar")}
_DROPOUT_TEXT = {"narrowed the gap": msg("narrowed the gap"), "widened the gap": msg("widened the gap"),
                 "changed the gap little": msg("changed the gap little")}


def _early(curve: list[float]) -> float:
    """Mean over the first quarter of the epochs (at least one): how fast a curve rose."""
    n = max(1, math.ceil(len(curve) / 4))
    return sum(curve[:n]) / n


# ---- per lab ------------------------------------------------------------------------------------

def _resnet(m: dict) -> list[Fact]:
    lab, facts = "resnet50-top3", []
    top3 = m.get("top3")
    if top3 is not None:
        rows = []
        for row in top3 if isinstance(top3, (list, tuple)) else [None]:
            if not isinstance(row, (list, tuple)) or len(row) not in (2, 3):
                raise ValueError(f"measured['top3'] must be a list of [label, probability]; received {top3!r}")
            label, p = row[-2], row[-1]
            if not isinstance(label, str) or isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                raise ValueError(f"measured['top3'] entries must be [label, probability in [0, 1]]; received {row!r}")
            rows.append((label, float(p)))
        labels = [r[0] for r in rows]
        listing = [f"{lab_} {p:.3f}" for lab_, p in rows]
        facts.append(Fact("top3_labels", lab, "labels", labels, None, msg("top-3 classes: {labels:, }", labels=labels),
                          msg("the three predicted classes of the sample image"), metric="label"))
        facts.append(Fact("top3_probabilities", lab, "values", dict(rows), PROBABILITY_TOL,
                          msg("top-3 probabilities: {listing:, }", listing=listing),
                          msg("the probabilities of the top-3 classes"), metric="probability"))
    facts.append(Fact("preprocessing", lab, "concept", "preprocessing_resnet", None,
                      msg("explains why preprocess_input matters (the network was trained on inputs prepared that "
                          "way)"),
                      msg("why the image must be prepared with preprocess_input"), weight=0.5,
                      needs_grounding=False))
    per_call, second = m.get("model_per_call"), _num(m, "second_call_s")
    if per_call is not None or second is not None:
        if per_call is not None and not isinstance(per_call, bool):
            raise ValueError(f"measured['model_per_call'] must be true or false; received {per_call!r}")
        first = _num(m, "first_call_s")
        how = (msg("classify() builds the model on every call") if per_call else
               msg("the model is built once and reused") if per_call is not None else msg("model reuse not traced"))
        times = ([msg("first call {s:.2f} s", s=first)] if first is not None else []) + \
            ([msg("second call {s:.2f} s", s=second)] if second is not None else [])
        facts.append(Fact("second_call", lab, "call_cost", "per_call" if per_call else "once", TIME_FACTOR,
                          msg("{how}; {times:, }", how=how, times=times),
                          msg("what a second call of classify() costs and why"), metric="seconds",
                          params={"first_s": first, "second_s": second, "traced": per_call is not None}))
    return facts


def _transfer(m: dict) -> list[Fact]:
    lab, facts = "fashion-transfer", []
    acc = {k: _num(m, f"accuracy_{k}", unit=True) for k in ("A", "B", "B_on_A")}
    names = {"A": msg("model A"), "B": msg("model B"), "B_on_A": msg("model B-on-A")}
    for k, v in acc.items():
        if v is None:
            continue
        alt = _num(m, f"val_accuracy_{k}", unit=True)
        facts.append(Fact(f"accuracy_{k}", lab, "value", v, _acc_tol(m),
                          msg("held-out accuracy of {model} {value:.3f}", model=names[k], value=v) if alt is None else
                          msg("held-out accuracy of {model} {value:.3f} (final validation {alt:.3f})", model=names[k],
                              value=v, alt=alt),
                          msg("the accuracy of {model}", model=names[k]), subject=k, metric="accuracy",
                          splits=("val", "test"), params={"alternatives": [alt] if alt is not None else []}))
    b, ba = acc["B"], acc["B_on_A"]
    if b is not None and ba is not None:
        err_b, err_ba = 1 - b, 1 - ba
        f = err_b / err_ba if err_ba > 0 else (1.0 if err_b == 0 else 100.0)
        accepted = accept(TRANSFER_ACCEPT, f)
        verdict = ("made B worse" if f < 1 else "barely helped" if f < 1.3 else "helped modestly" if f < 2
                   else "helped clearly")
        facts.append(Fact("transfer_effect", lab, "effect", verdict, None,
                          msg("transfer {verdict}: error rate {err_b:.2%} (B) -> {err_ba:.2%} (B-on-A), {factor:.2f}x",
                              verdict=_TRANSFER_TEXT[verdict], err_b=err_b, err_ba=err_ba, factor=f),
                          msg("whether transfer from model A helped model B"), subject="transfer",
                          params={"accept": accepted, "measure": f}))
        if err_b > 0 and err_ba > 0:  # a factor is undefined when either model makes no error
            change = (msg("errors cut by {change:.0%}", change=1 - 1 / f) if f >= 1 else
                      msg("errors up by {change:.0%}", change=1 / f - 1))
            facts.append(Fact("error_reduction", lab, "ratio", f, RATIO_REL_TOL,
                              msg("error-rate reduction factor {factor:.2f}x ({change})", factor=f, change=change),
                              msg("by how much transfer reduced the error rate"), metric="ratio",
                              params={"reduction": 1 - 1 / f, "errors": {"B": err_b, "B_on_A": err_ba}}))
    return facts


def _fit_fact(lab: str, train: list[float], val: list[float], val_loss: list[float] | None) -> Fact:
    state, accepted = fit_state(train[-1], val[-1], lab=lab, val_loss=val_loss)
    gap = train[-1] - val[-1]
    # Far from every threshold, the state survives the grader's quick re-run on smaller data: a
    # contradiction of it is penalised in quick mode too (see judge.score).
    decisive = abs(gap) >= DECISIVE_GAP or train[-1] < DECISIVE_UNDERFIT
    return Fact("fit_state", lab, "fit_state", state, None,
                msg("{state}: train {train:.3f} vs val {val:.3f}, gap {gap:+.3f}", state=_STATE_TEXT[state],
                    train=train[-1], val=val[-1], gap=gap),
                msg("over- or underfitting, read from the training and validation curves"),
                params={"accept": accepted, "gap": gap, "train": train[-1], "val": val[-1], "decisive": decisive})


def _catsdogs(m: dict) -> list[Fact]:
    lab, facts = "cats-dogs", []
    val, train = _curve(m.get("val_accuracy"), "val_accuracy"), _curve(m.get("train_accuracy"), "train_accuracy")
    if val:
        n = len(val)
        facts.append(Fact("val_accuracy_first", lab, "value", val[0], _acc_tol(m),
                          msg("validation accuracy after epoch 1: {value:.3f}", value=val[0]),
                          msg("the validation accuracy after the first epoch"), metric="accuracy", splits=("val",),
                          epoch="first", params={"epochs": n}))
        facts.append(Fact("val_accuracy_last", lab, "value", val[-1], _acc_tol(m),
                          msg("validation accuracy after the last epoch ({n}): {value:.3f}", n=n, value=val[-1]),
                          msg("the validation accuracy after the last epoch"), metric="accuracy", splits=("val",),
                          epoch="last", params={"epochs": n}))
        if train:
            facts.append(_fit_fact(lab, train, val, _curve(m.get("val_loss"), "val_loss")))
    label = m.get("sample_label")
    if label is not None:
        if label not in ("dog", "cat"):
            raise ValueError(f"measured['sample_label'] must be 'dog' or 'cat'; received {label!r}")
        p = _num(m, "sample_probability", unit=True)
        facts.append(Fact("sample_prediction", lab, "prediction", label, PROBABILITY_TOL,
                          msg("the sample dog is predicted as {label}", label=label) if p is None else
                          msg("the sample dog is predicted as {label} (p = {p:.3f})", label=label, p=p),
                          msg("what the model predicts for the sample image"), metric="label",
                          params={"probability": p}))
    facts.append(Fact("preprocessing_match", lab, "concept", "preprocessing_match", None,
                      msg("explains that prediction inputs must be preprocessed exactly as in training "
                          "(preprocess_input, not /255)"), msg("why the sample must be preprocessed as in training"),
                      weight=0.5, needs_grounding=False))
    return facts


def _ranking(lab: str, fid: str, scores: dict[str, float], tie: float, what: Msg, topic: Msg, dim: str) -> Fact:
    best = max(scores.values())
    tied = sorted((k for k, v in scores.items() if v >= best - tie), key=lambda k: -scores[k])
    listing = [f"{k} {scores[k]:.3f}" for k in sorted(scores, key=lambda k: -scores[k])[:3]]
    return Fact(fid, lab, "ranking", tied, tie, msg("{what}: {tied: / } ({listing:, })", what=what, tied=tied,
                                                    listing=listing), topic,
                params={"dimension": dim, "scores": scores})


def _final_values(lab: str, curves: dict[str, list[float]], tol: float) -> Fact:
    finals = {k: c[-1] for k, c in curves.items()}
    return Fact("final_accuracies", lab, "values", finals, tol,
                msg("final validation accuracy: {listing:, }", listing=[f"{k} {v:.3f}" for k, v in finals.items()]),
                msg("the final validation accuracy of each run"), metric="accuracy", splits=("val", "test"),
                params={"alternatives": {k: [max(c)] for k, c in curves.items()},
                        "epochs": max(len(c) for c in curves.values())})


def _optimizers(m: dict) -> list[Fact]:
    lab = "optimizers"
    curves = _curves(m, "val_accuracy", OPTIMIZERS)
    if not curves:
        return []
    facts = [_ranking(lab, "fastest", {k: _early(c) for k, c in curves.items()}, TIE_SPEED,
                      msg("fastest to converge (mean val accuracy over the first quarter of the epochs)"),
                      msg("which optimizer converged fastest"), "speed"),
             _ranking(lab, "best_final", {k: c[-1] for k, c in curves.items()}, TIE_FINAL,
                      msg("best final validation accuracy"), msg("which optimizer ended best"), "final")]
    adaptive = [k for k in ADAPTIVE if k in curves]
    if "sgd" in curves and adaptive:
        sgd_final, med_final = curves["sgd"][-1], median(curves[k][-1] for k in adaptive)
        sgd_early, med_early = _early(curves["sgd"]), median(_early(curves[k]) for k in adaptive)
        diff = sgd_final - med_final
        verdict = "worse" if diff < -SGD_MARGIN else "better" if diff > SGD_MARGIN else "similar"
        facts.append(Fact("sgd_vs_adaptive", lab, "comparison", verdict, SGD_MARGIN,
                          msg("SGD {verdict} than the adaptive optimizers: final {sgd_final:.3f} vs median "
                              "{median_final:.3f}; early {sgd_early:.3f} vs {median_early:.3f}",
                              verdict=_SGD_TEXT[verdict], sgd_final=sgd_final, median_final=med_final,
                              sgd_early=sgd_early, median_early=med_early),
                          msg("how plain SGD compares with the adaptive optimizers"),
                          subject="sgd", params={"group": adaptive, "final": {k: c[-1] for k, c in curves.items()},
                                                 "speed": {k: _early(c) for k, c in curves.items()}}))
    facts.append(_final_values(lab, curves, _acc_tol(m)))
    return facts


def _schedules(m: dict) -> list[Fact]:
    lab, facts = "lr-schedules", []
    lrs = _curves(m, "learning_rate", SCHEDULES)
    for name in SCHEDULES:
        lr = lrs.get(name)
        if not lr:
            continue
        shape = lr_shape(lr)
        agree, contra = SHAPE_ACCEPT[shape]
        peak = max(lr)
        facts.append(Fact(f"shape_{name}", lab, "shape", shape, LR_REL_TOL,
                          msg("{name}: learning rate {shape}, {start:.3g} -> {end:.3g} (peak {peak:.3g})", name=name,
                              shape=_SHAPE_TEXT[shape], start=lr[0], end=lr[-1], peak=peak) if shape == "up_down" else
                          msg("{name}: learning rate {shape}, {start:.3g} -> {end:.3g}", name=name,
                              shape=_SHAPE_TEXT[shape], start=lr[0], end=lr[-1]),
                          msg("the shape of the {name} schedule's learning rate in this run", name=name), subject=name,
                          metric="lr",
                          params={"lr": lr, "agree": sorted(agree), "contradict": sorted(contra)}))
    curves = _curves(m, "val_accuracy", SCHEDULES)
    if curves:
        facts.append(_ranking(lab, "best_final", {k: c[-1] for k, c in curves.items()}, TIE_FINAL,
                              msg("best final validation accuracy"), msg("which schedule ended best"), "final"))
        facts.append(_final_values(lab, curves, _acc_tol(m)))
    facts.append(Fact("onecycle_concept", lab, "concept", "onecycle", None,
                      msg("explains 1cycle: the rate rises to a maximum, then falls (below the start)"),
                      msg("what the 1cycle schedule does"), subject="1cycle", weight=0.5, needs_grounding=False))
    return facts


def _dropout(m: dict) -> list[Fact]:
    lab, facts = "dropout", []
    acc = _num(m, "accuracy", unit=True)
    val, train = _curve(m.get("val_accuracy"), "val_accuracy"), _curve(m.get("train_accuracy"), "train_accuracy")
    if acc is not None or val:
        main = acc if acc is not None else val[-1]
        alts = [val[-1]] if val and acc is not None else []
        facts.append(Fact("accuracy", lab, "value", main, _acc_tol(m),
                          msg("held-out accuracy {value:.3f} (final validation {val:.3f})", value=main, val=val[-1])
                          if alts else msg("held-out accuracy {value:.3f}", value=main),
                          msg("the accuracy of the model with dropout"), metric="accuracy", splits=("val", "test"),
                          epoch="last", params={"alternatives": alts, "epochs": len(val) if val else None}))
    if train:
        facts.append(Fact("train_accuracy", lab, "value", train[-1], _acc_tol(m),
                          msg("final training accuracy {value:.3f} (measured with dropout on)", value=train[-1]),
                          msg("the training accuracy"), metric="accuracy", splits=("train",), epoch="last",
                          params={"epochs": len(train)}))
    if train and val:
        facts.append(_fit_fact(lab, train, val, _curve(m.get("val_loss"), "val_loss")))
    acc_nd = _num(m, "accuracy_no_dropout", unit=True)
    val_nd = _curve(m.get("val_accuracy_no_dropout"), "val_accuracy_no_dropout")
    train_nd = _curve(m.get("train_accuracy_no_dropout"), "train_accuracy_no_dropout")
    if acc_nd is not None or val_nd:
        main = acc_nd if acc_nd is not None else val_nd[-1]
        facts.append(Fact("accuracy_no_dropout", lab, "value", main, _acc_tol(m),
                          msg("held-out accuracy without dropout {value:.3f}", value=main),
                          msg("the accuracy of the run without dropout"),
                          subject="no_dropout", metric="accuracy", splits=("val", "test"), epoch="last",
                          params={"alternatives": [val_nd[-1]] if val_nd and acc_nd is not None else [],
                                  "epochs": len(val_nd) if val_nd else None}))
    if train and val and train_nd and val_nd:
        gap, gap_nd = train[-1] - val[-1], train_nd[-1] - val_nd[-1]
        d = gap_nd - gap
        verdict = ("narrowed the gap" if d >= 0.015 else "widened the gap" if d <= -0.015 else "changed the gap little")
        facts.append(Fact("vs_no_dropout", lab, "effect", verdict, None,
                          msg("dropout {verdict}: gap {gap:+.3f} with dropout vs {gap_nd:+.3f} without",
                              verdict=_DROPOUT_TEXT[verdict], gap=gap, gap_nd=gap_nd),
                          msg("how the run compares with the run without dropout (train/validation gap)"),
                          subject="dropout", params={"accept": accept(DROPOUT_ACCEPT, d), "measure": d}))
    return facts


_BUILDERS = {"resnet50-top3": _resnet, "fashion-transfer": _transfer, "cats-dogs": _catsdogs,
             "optimizers": _optimizers, "lr-schedules": _schedules, "dropout": _dropout}
