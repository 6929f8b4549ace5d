"""The written analysis, graded on substance: what it says about THIS run, against what was measured.

The lecture's rule: "analyse in detail every result value and every graph produced"
(반드시 결과 값 및 결과로 나온 모든 그래프에 대해 자세한 분석을 하시오). Two parts:

* substance (`harness.analysis`): the facts each lab's analysis must address, built here
  from the grader's trusted measurements (held-out accuracies, verified histories, the
  trace), are compared with the claims an English or Korean text makes: coverage earns,
  contradictions cost (in full mode; in quick mode the grader re-ran on smaller data);
  text copied from the lecture that mentions no result of this run earns nothing;
* every figure that shows data is discussed in the markdown after it.

The instructor sees each extracted claim, the fact it was compared with and the verdict;
a person can still override the item.
"""

from __future__ import annotations

from harness.analysis import facts_for, judge, score
from harness.checks.registry import register
from harness.checks.bands import verified_histories
from harness.checks.context import GradeContext, Verdict, item_param
from harness.evaluate.histories import matching_fit
from harness.checks.predictions import models_per_call
from harness.evaluate.catsdogs import mapping_from_order
from harness.i18n import msg
from harness.rubric import Item

SUBSTANCE = 0.7
FIGURE_DISCUSSION = 0.3


def _series(history: dict, key: str) -> list[float] | None:
    for k in (key, key.replace("accuracy", "acc")):
        values = history.get(k)
        if isinstance(values, list) and values and all(isinstance(v, (int, float)) for v in values):
            return [float(v) for v in values]
    return None


def _verified(ctx: GradeContext, name: str) -> dict | None:
    exp = ctx.export(name)
    if exp is None or not isinstance(exp.data, dict) or not ctx.execution.integrity.ok:
        return None
    return exp.data if matching_fit(exp.data, ctx.execution.trace, lab=ctx.lab) is not None else None


def _trusted_value(ctx: GradeContext, model: str, task: str) -> float | None:
    m = ctx.measurements.metric(model, task)
    ev = ctx.evidence(model)
    return m.value if m is not None and m.value is not None and ev.status == "consistent" and ev.trained else None


def measured_for(ctx: GradeContext) -> dict:
    """The trusted measurements of this run, keyed as `harness.analysis.MEASURED_KEYS` documents."""
    lab, out = ctx.lab.id, {}
    if lab == "dropout":
        out["accuracy"] = _trusted_value(ctx, "model", "fashion10")
        out["accuracy_no_dropout"] = _trusted_value(ctx, "model_no_dropout", "fashion10")
        for name, suffix in (("history", ""), ("history_no_dropout", "_no_dropout")):
            hist = _verified(ctx, name)
            if hist:
                out[f"val_accuracy{suffix}"] = _series(hist, "val_accuracy")
                out[f"train_accuracy{suffix}"] = _series(hist, "accuracy")
                if not suffix:
                    out["val_loss"] = _series(hist, "val_loss")
    elif lab == "fashion-transfer":
        for model, task, key in (("model_A", "A", "accuracy_A"), ("model_B", "B", "accuracy_B"),
                                 ("model_B_on_A", "B", "accuracy_B_on_A")):
            out[key] = _trusted_value(ctx, model, task)
    elif lab == "cats-dogs":
        hist = _verified(ctx, "history")
        if hist:
            out["val_accuracy"] = _series(hist, "val_accuracy")
            out["train_accuracy"] = _series(hist, "accuracy")
            out["val_loss"] = _series(hist, "val_loss")
        out.update(_sample(ctx))
    elif lab in ("optimizers", "lr-schedules"):
        verified, _ = verified_histories(ctx)
        curves = {key: _series(hist, "val_accuracy") for key, (_, hist) in verified.items()}
        out["val_accuracy"] = {k: v for k, v in curves.items() if v}
        if lab == "lr-schedules":
            rates = {}
            for key, (_, hist) in verified.items():
                fit = matching_fit(hist, ctx.execution.trace, lab=ctx.lab)
                lrs = [e.lr for e in fit.epoch_logs] if fit else []
                if lrs and all(v is not None and v > 0 for v in lrs):
                    rates[key] = lrs
            out["learning_rate"] = rates
    elif lab == "resnet50-top3":
        ref = ctx.measurements.reference.get("top3", {}) if isinstance(ctx.measurements.reference, dict) else {}
        sample = next((v for k, v in ref.items() if "#" not in k and not k.startswith("hidden")), None)
        if sample:
            out["top3"] = [[row[1], row[2]] for row in sample if isinstance(row, list) and len(row) == 3]
        exp = ctx.export("classify")
        calls = list(exp.calls if exp else [])
        second = next((c for c in calls if c.input.endswith("#2") and not c.error), None)
        first = next((c for c in calls if "#" not in c.input and not c.input.startswith("hidden") and not c.error),
                     None)
        if second is not None and second.seconds is not None:
            out["second_call_s"] = second.seconds
        if first is not None and first.seconds is not None:
            out["first_call_s"] = first.seconds
        ids = models_per_call(ctx, len([c for c in calls if not c.error]))
        if ids is not None and calls:
            out["model_per_call"] = len(set(ids)) > 1
    return {k: v for k, v in out.items() if v not in (None, {}, [])}


def _sample(ctx: GradeContext) -> dict:
    m = ctx.measurements.metric("model", "catsdogs")
    sample = ctx.measurements.samples.get("model:sample-image:dog")
    ev = ctx.evidence("model")
    if m is None or m.value is None or not sample or "probs" not in sample or not ev.trained:
        return {}
    probs = sample["probs"].get(m.preprocessing)
    exported = ctx.export("class_indices")
    mapping = (mapping_from_order(exported.data) if exported is not None else None) or m.details.get("mapping")
    if not probs or not mapping or len(probs) != len(mapping):
        return {}
    best = max(range(len(probs)), key=lambda i: probs[i])
    return {"sample_label": mapping[best], "sample_probability": float(probs[best])}


def _figure_coverage(ctx: GradeContext, per_figure: int) -> tuple[int, int]:
    """(figures with data that have a comment of `per_figure` words after them, figures with data)."""
    cells = ctx.execution.cells
    with_data = {f.cell_index for f in ctx.execution.figure_data
                 if f.cell_index >= 0 and any(a.get("lines") or a.get("images") for a in f.axes)}
    if not ctx.execution.figure_data:  # no structure recorded: fall back to the captured images
        with_data = {f.cell_index for f in ctx.execution.figures if not f.blank}
    fig_cells = sorted(with_data)
    covered = 0
    for n, idx in enumerate(fig_cells):
        stop = fig_cells[n + 1] if n + 1 < len(fig_cells) else len(cells)
        words = sum(len(c.source.split()) for c in cells[idx + 1: stop + 1] if c.cell_type == "markdown")
        covered += words >= per_figure
    return covered, len(fig_cells)


@register("analysis")
def analysis(ctx: GradeContext, item: Item) -> Verdict:
    """Written analysis: the facts of this run addressed and agreed with; every figure discussed."""
    per_figure = int(item_param(item, "per_figure_words", 30))
    text = "\n\n".join(c.source for c in ctx.execution.markdown_cells)
    measured = measured_for(ctx)
    try:
        facts = facts_for(ctx.lab.id, measured)
    except ValueError as exc:  # a measurement of an unexpected shape: grade what can be graded
        facts = []
        measured["problem"] = str(exc)[:300]
    judgement = judge(text, facts)
    substance = score(judgement, ctx.mode)
    covered, n_figs = _figure_coverage(ctx, per_figure)
    figure_part = covered / n_figs if per_figure and n_figs else None
    fraction = substance.fraction if figure_part is None else (SUBSTANCE * substance.fraction
                                                                + FIGURE_DISCUSSION * figure_part)
    message = substance.message
    if figure_part is not None and covered < n_figs:
        message = msg("{analysis} {missing} of {n} figure(s) have no comment of at least {words} words in a markdown "
                      "cell after them: say what each graph shows about this run.", analysis=substance.message,
                      missing=n_figs - covered, n=n_figs, words=per_figure)
    evidence = {"analysis": judgement.to_dict(), "substance": substance.fraction, "contradicted": substance.contradicted,
                "missing": substance.missing, "figures": n_figs, "figures_commented": covered, "words": len(text.split()),
                "measured": {k: v for k, v in measured.items() if not isinstance(v, (list, dict))}}
    return Verdict(round(fraction, 4), message, evidence)
