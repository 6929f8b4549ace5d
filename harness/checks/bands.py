"""Metrics inside the reference bands: measured by the grader, or read from trace-verified histories.

A held-out accuracy is only worth its evidence: the exported model's weights must be
what a recorded fit produced (`harness.evaluate.evidence`), and a result far above the
reference, or one that collapses on a private perturbation of the held-out images much
more than the reference does, is held for the instructor's review instead of earning
full credit silently (memorised public test sets look exactly like that).
"""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.context import CheckError, GradeContext, Verdict, item_param
from harness.evaluate.histories import by_canonical, final, matching_fit
from harness.i18n import msg
from harness.models import Metric
from harness.rubric import Band, Item

REVIEW = msg("This result is unusually far from what the reference achieves under the same conditions, so your "
             "instructor will review it before it counts.")
PERTURB_TOLERANCE = 0.05


def _direction(value: float, low: float, high: float) -> str:
    return "below" if value < low else "above" if value > high else "inside"


def shared_layers(ctx: GradeContext, name: str, other: str) -> list[str]:
    """Names of weighted layers that exported models `name` and `other` share as the same objects.

    Layer object ids are recorded at export: a model built on another model's layers
    (no ``clone_model``) shares them, and training it changes both models.
    """
    a, b = ctx.export(name), ctx.export(other)
    if a is None or b is None or not isinstance(a.data, dict) or not isinstance(b.data, dict):
        return []
    ids_b = {l.get("id") for l in b.data.get("layers", []) if isinstance(l, dict) and l.get("params") and l.get("id")}
    return [l["name"] for l in a.data.get("layers", []) if isinstance(l, dict) and l.get("params")
            and l.get("id") in ids_b]


def _trained_after_sharing(ctx: GradeContext, other: str) -> bool:
    return any(f.trainable_params > 0 for f in ctx.fits(ctx.model_id(other)))


def trusted_result(ctx: GradeContext, model: str) -> Verdict | None:
    """None when `model`'s measured results may be judged; else the verdict that replaces them.

    Results need a model whose weights a verified fit produced: an inconsistent record
    earns nothing (flagged); an untrained model has no result to judge.
    """
    ev = ctx.evidence(model)
    if ev.status in ("inconsistent", "unverified"):
        return Verdict.unverified(ev.detail, evidence_status=ev.status)
    if not ev.trained:
        why = (msg("its weights were not produced by any fit() the harness recorded") if ev.status == "untraced" else
               msg("no recorded fit() of it changed its weights"))
        return Verdict.failed(msg("`{model}` was not trained in this run ({why}), so there is no result to measure. "
                                  "Train it with fit() in the notebook and keep the trained model in the variable "
                                  "`{model}`.", model=model, why=why), evidence_status=ev.status)
    return None


def review_flags(ctx: GradeContext, metric: str, m: Metric, b: Band) -> list[str]:
    """Why a measured result needs a person: far above the band, or fragile under perturbation."""
    flags = []
    margin = ctx.band_margin()
    if m.value is not None and m.value > b.high + margin:
        flags.append(f"{m.value:.1%} is above the reference band [{b.low:.1%}, {b.high:.1%}] by more than its margin "
                     f"({margin:.0%})")
    gap_band = ctx.band_or_none(f"heldout_minus_valid.{metric}")
    if m.value is not None and m.validation is not None and gap_band is not None:
        gap = m.value - m.validation
        if gap > gap_band.high + PERTURB_TOLERANCE:
            flags.append(f"{m.value:.1%} on the held-out images but {m.validation:.1%} on the validation images it was "
                         f"developed on (+{gap:.1%}; the reference's held-out result exceeds its validation result by "
                         f"at most {gap_band.high:+.1%}): a model that memorised the public test images looks like this")
    drop_band = ctx.band_or_none(f"perturb_drop.{metric}")
    if m.value is not None and m.perturbed is not None and drop_band is not None:
        drop = m.value - m.perturbed
        if drop > drop_band.high + PERTURB_TOLERANCE:
            flags.append(f"accuracy drops by {drop:.1%} on a private perturbation of the held-out images; the "
                         f"reference drops by at most {drop_band.high:.1%} (memorised test images behave like this)")
    return flags


@register("band")
def band(ctx: GradeContext, item: Item) -> Verdict:
    """A held-out metric of an exported model, measured by the grader, inside the band.

    With ``shared_with``, the model must also not share layer objects with that model
    (model A must survive the transfer intact: B-on-A is built on a clone).
    """
    metric, model_name, task = item.params["metric"], item.params["model"], item.params["task"]
    b = ctx.band(metric)
    m = ctx.metric(model_name, task)
    if m.value is None:
        return Verdict.failed(msg("`{model}` could not be evaluated: {error}.", model=model_name,
                                  error=ctx.metric_problem(model_name, task)))
    untrusted = trusted_result(ctx, model_name)
    if untrusted is not None:
        untrusted.evidence.update(value=round(m.value, 4))
        return untrusted
    ctx.metrics[metric] = round(m.value, 4)
    evidence = {"value": round(m.value, 4), "band": [round(b.low, 4), round(b.high, 4)], "n": m.n,
                "preprocessing": m.preprocessing, "validation": m.validation, "perturbed": m.perturbed,
                **m.details}
    other = item.params.get("shared_with")
    shared = shared_layers(ctx, model_name, other) if other else []
    if shared and _trained_after_sharing(ctx, other):
        evidence["shared_layers"] = shared
        return Verdict.failed(msg(
            "`{other}` was built on `{model}`'s own layers ({n} shared: {layers:, }{more}), so training `{other}` "
            "changed `{model}` too (now {value:.1%} on held-out images). Build it on a copy: "
            "model_A_clone = keras.models.clone_model(model_A); model_A_clone.set_weights(model_A.get_weights()).",
            other=other, model=model_name, n=len(shared), layers=shared[:4], more="..." if len(shared) > 4 else "",
            value=m.value), **evidence)
    flags = review_flags(ctx, metric, m, b)
    if flags:
        evidence["review"] = flags
        return Verdict(0.0, REVIEW, evidence, flag="review")
    where = _direction(m.value, b.low, b.high)
    if where == "inside":
        return Verdict(1.0, msg("`{model}`: {value:.1%} on held-out images, within the reference range.",
                                model=model_name, value=m.value), evidence)
    if where == "above":
        return Verdict(1.0, msg("`{model}`: {value:.1%} on held-out images, at the top of the reference range.",
                                model=model_name, value=m.value), evidence)
    hint = ""
    if model_name == "model_A":
        hint = msg(" If model B-on-A was built from model A's layers without cloning (keras.models.clone_model + "
                   "set_weights), training B-on-A changed model A as well.")
    return Verdict.failed(msg("`{model}`: {value:.1%} on held-out images, below the reference range for this lab "
                              "(inputs prepared as {preprocessing}).{hint}", model=model_name, value=m.value,
                              preprocessing=m.preprocessing, hint=hint), **evidence)


def verified_histories(ctx: GradeContext) -> tuple[dict[str, tuple[str, dict]], list[str]]:
    """Canonical key -> (name, history) for histories a traced fit produced; and the names that no fit produced."""
    exp = ctx.export("histories")
    found = by_canonical(exp.data if exp else {})
    verified = {k: v for k, v in found.items() if matching_fit(v[1], ctx.execution.trace, lab=ctx.lab) is not None}
    return verified, [v[0] for k, v in found.items() if k not in verified]


@register("histories_present")
def histories_present(ctx: GradeContext, item: Item) -> Verdict:
    """Every expected key (optimizer or schedule) present in ``histories``, produced by a real training run."""
    keys = list(item.params["keys"])
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    exp = ctx.export("histories")
    found = by_canonical(exp.data if exp else {})
    verified, forged = verified_histories(ctx)
    missing = [k for k in keys if k not in found]
    unknown = [n for n in (exp.data or {}) if n not in {v[0] for v in found.values()}] if exp else []
    ok = [k for k in keys if k in verified]
    if len(ok) == len(keys):
        return Verdict.passed(msg("All {n} present: {names:, }.", n=len(keys),
                                  names=[str(verified[k][0]) for k in keys]))
    notes = []
    if missing:
        notes.append(msg("missing from `histories`: {names:, }", names=missing))
    if forged:
        notes.append(msg("not produced by any training run the harness recorded: {names:, }",
                         names=[str(n) for n in forged]))
    if unknown:
        notes.append(msg("names not recognised: {names:, } (use names like {keys:, })",
                         names=[str(n) for n in unknown], keys=keys))
    verdict = Verdict(len(ok) / len(keys), msg("{ok} of {n} present and trained; {notes:; }.", ok=len(ok), n=len(keys),
                                               notes=notes),
                      {"missing": missing, "unverified": forged})
    if forged:
        verdict.flag = "evidence"
    return verdict


@register("history_bands")
def history_bands(ctx: GradeContext, item: Item) -> Verdict:
    """Final validation accuracy of each history inside its band; only histories the trace confirms count."""
    prefix, log = item_param(item, "metric_prefix", "final_val_accuracy"), item_param(item, "log", "val_accuracy")
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    exp = ctx.export("histories")
    found = by_canonical(exp.data if exp else {})
    names = {m for m in ctx.rubric.bands.get(ctx.mode, {}) if m.startswith(prefix + ".")} | {
        m for m in ctx.measurements.bands if m.startswith(prefix + ".")}
    bands = {m.split(".", 1)[1]: ctx.band(m) for m in sorted(names)}
    if not bands:
        raise CheckError(f"no {ctx.mode}-mode bands named {prefix}.* in {ctx.rubric.path}; run "
                         f"`labgrade reference calibrate {ctx.lab.id}`")
    inside, notes, evidence = 0, [], {}
    present = {k: b for k, b in bands.items() if k in found}
    if not present:
        return Verdict.failed(msg("No history with a recognised name: nothing to compare with the reference bands."))
    for key, b in present.items():
        name, hist = found[key]
        value = final(hist, log)
        if value is None:
            notes.append(msg("{name}: no {log} in the history (pass validation data to fit)", name=str(name), log=log))
            continue
        if matching_fit(hist, ctx.execution.trace, lab=ctx.lab) is None:
            notes.append(msg("{name}: the history does not match any training run the harness recorded",
                             name=str(name)))
            evidence[key] = {"value": value, "verified": False}
            continue
        ctx.metrics[f"{prefix}.{key}"] = round(value, 4)
        evidence[key] = {"value": round(value, 4), "band": [round(b.low, 4), round(b.high, 4)]}
        if b.low <= value:
            inside += 1
        else:
            notes.append(msg("{name}: final {log} {value:.1%} is below the reference range", name=str(name), log=log,
                             value=value))
    # Missing runs are all_present's concern; this item judges the runs that are there.
    fraction = inside / len(present)
    if fraction == 1:
        return Verdict(1.0, msg("All {n} final {log} values within their reference ranges.", n=len(present), log=log),
                       evidence)
    return Verdict(fraction, msg("{inside} of {n} within range. {notes:; }.", inside=inside, n=len(present),
                                 notes=notes), evidence)


@register("train_val_gap")
def train_val_gap(ctx: GradeContext, item: Item) -> Verdict:
    """The train/validation accuracy gap of ``history``: in band, or smaller than without dropout."""
    hist_exp = ctx.export("history")
    if hist_exp is None:
        return Verdict.failed(msg("`history` is missing: the gap between training and validation accuracy cannot be "
                                  "read."))
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    hist = hist_exp.data
    fit = matching_fit(hist, ctx.execution.trace, lab=ctx.lab) if isinstance(hist, dict) else None
    if fit is None:
        return Verdict(0.0, msg("`history` does not match any training run the harness recorded: keep the History "
                                "that fit() returned."), {"unverified": "history matches no recorded fit"},
                       flag="evidence")
    model_ev = ctx.evidence("model")
    if model_ev.status in ("inconsistent", "unverified"):
        return Verdict.unverified(model_ev.detail)
    model_id = ctx.model_id("model")
    if model_id is not None and fit.model_id != model_id:
        # A history of some other model (a second, forged or throw-away one) says nothing about `model`.
        return Verdict(0.0, msg("`history` comes from training a different model than the exported `model`: keep "
                                "the History that model.fit() returned for `model`."),
                       {"unverified": f"history's fit trained {fit.model_id}, the exported model is {model_id}"},
                       flag="evidence")
    acc, val = final(hist, "accuracy"), final(hist, "val_accuracy")
    if acc is None or val is None:
        return Verdict.failed(msg("`history` needs both accuracy and val_accuracy (compile with metrics=['accuracy'] "
                                  "and pass validation data)."))
    gap = acc - val
    ctx.metrics["train_val_gap"] = round(gap, 4)
    evidence = {"gap": round(gap, 4)}
    no_drop = ctx.export("history_no_dropout")
    gap_nd = None
    nd_fit = matching_fit(no_drop.data, ctx.execution.trace, lab=ctx.lab) \
        if no_drop is not None and isinstance(no_drop.data, dict) else None
    nd_model = ctx.model_id("model_no_dropout")
    if nd_fit is not None and (nd_model is None or nd_fit.model_id == nd_model):
        a2, v2 = final(no_drop.data, "accuracy"), final(no_drop.data, "val_accuracy")
        if a2 is not None and v2 is not None:
            gap_nd = a2 - v2
            evidence["gap_no_dropout"] = round(gap_nd, 4)
            ctx.metrics["train_val_gap_no_dropout"] = round(gap_nd, 4)
    b = ctx.band("train_val_gap")
    evidence["band"] = [round(b.low, 4), round(b.high, 4)]
    text = (msg("training accuracy {acc:.1%} vs validation {val:.1%} (gap {gap:+.1%})", acc=acc, val=val, gap=gap)
            if gap_nd is None else
            msg("training accuracy {acc:.1%} vs validation {val:.1%} (gap {gap:+.1%}); without dropout the gap is "
                "{gap_nd:+.1%}", acc=acc, val=val, gap=gap, gap_nd=gap_nd))
    if b.contains(gap) or (gap_nd is not None and gap < gap_nd):
        return Verdict(1.0, msg("Final epoch: {text}.", text=text), evidence)
    if gap > b.high:
        return Verdict.failed(msg("Final epoch: {text}: the model overfits more than the reference does with dropout "
                                  "0.2; check the Dropout layers and rates.", text=text), **evidence)
    return Verdict.failed(msg("Final epoch: {text}: validation accuracy is far above training accuracy, more than "
                              "dropout 0.2 explains (is the dropout rate much higher?).", text=text), **evidence)


@register("ranking")
def ranking(ctx: GradeContext, item: Item) -> Verdict:
    """The comparison under the student's own conditions: orderings the reference always shows are kept.

    For this run's configuration (batch size, scaling, epochs), the reference's per-seed
    final values of ``<prefix>.<key>`` say which runs beat which in every seed (a robust
    ordering, e.g. Adam ahead of plain SGD after 10 epochs). The student's verified
    histories must keep those orderings (within a small tolerance); pairs the seeds do not
    order robustly are not judged. This is what the lab is about, whatever the exact recipe.
    """
    prefix, log = item_param(item, "metric_prefix", "final_val_accuracy"), item_param(item, "log", "val_accuracy")
    tolerance = float(item_param(item, "tolerance", 0.005))
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    verified, _ = verified_histories(ctx)
    student = {key: final(hist, log) for key, (_, hist) in verified.items()}
    student = {k: v for k, v in student.items() if v is not None}
    reference = {}
    for key in student:
        b = ctx.band_or_none(f"{prefix}.{key}")
        if b is not None and len(b.values) >= 3:
            reference[key] = b.values
    names = {key: verified[key][0] for key in student}
    pairs = [(a, b) for a in reference for b in reference if a != b and min(reference[a]) > max(reference[b])]
    evidence = {"student": {k: round(v, 4) for k, v in student.items()}, "robust_pairs": len(pairs),
                "configuration": ctx.measurements.config, "bands_source": ctx.measurements.bands_source}
    if len(student) < 2:
        return Verdict.failed(msg("At least two verified runs are needed to compare them."), **evidence)
    if not pairs:
        return Verdict(1.0, msg("{n} runs compared; under this configuration the reference's runs are too close to "
                                "each other for any ordering to be required.", n=len(student)), evidence)
    broken = [(a, b) for a, b in pairs if student[a] < student[b] - tolerance]
    evidence["broken"] = [f"{a}<{b}" for a, b in broken]
    if not broken:
        return Verdict(1.0, msg("The comparison holds: all {n} orderings the reference shows in every seed under your "
                                "configuration appear in your runs too.", n=len(pairs)), evidence)
    shown = [msg("{a} ended at {a_value:.1%}, below {b} ({b_value:.1%})", a=str(names[a]), a_value=student[a],
                 b=str(names[b]), b_value=student[b]) for a, b in broken[:4]]
    return Verdict(1 - len(broken) / len(pairs),
                   msg("{broken} of {n} orderings that the reference shows in every seed under your configuration are "
                       "reversed in your runs: {shown:; }. Check that each run uses the same model, data and number of "
                       "epochs, and the optimizer or schedule settings the lab asks for.", broken=len(broken),
                       n=len(pairs), shown=shown), evidence)
