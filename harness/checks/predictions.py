"""Predictions: ResNet50 top-3 against the reference, call latency, the sample dog, preprocessing."""

from __future__ import annotations

import ast
import math
import re

import numpy as np

from harness.checks.registry import register
from harness.checks.context import CheckError, GradeContext, Verdict, item_param
from harness.evaluate.catsdogs import RANGES, mapping_from_order
from harness.i18n import msg
from harness.models import CallRecord
from harness.rubric import Item

_TRIPLE = re.compile(r"\(\s*'(n\d{8})'\s*,\s*'([^']+)'\s*,\s*(?:np\.float\d*\()?([0-9.eE+-]+)\)?\s*\)")


def parse_top3(call: CallRecord) -> list[tuple[str, str, float]] | None:
    """The (wnid, label, probability) triples a call returned, or printed when it returned nothing."""
    value = call.returned
    if isinstance(value, list) and value and isinstance(value[0], list) and len(value) == 1:
        value = value[0]  # decode_predictions(...) without [0]
    if isinstance(value, list) and value and all(isinstance(t, list) and len(t) == 3 for t in value):
        try:
            return [(str(w), str(lbl), float(p)) for w, lbl, p in value]
        except (TypeError, ValueError):
            return None
    found = _TRIPLE.findall(call.printed or "")
    if found:
        return [(w, lbl, float(p)) for w, lbl, p in found[:3]]
    try:
        literal = ast.literal_eval((call.printed or "").strip())
        if isinstance(literal, list):
            return parse_top3(CallRecord(input=call.input, returned=[list(t) for t in literal]))
    except (ValueError, SyntaxError, TypeError):
        pass
    return None


def reference_outputs(ctx: GradeContext) -> dict:
    """Top-3 and latencies of the grader's pipeline on the same inputs, with the same weights (evaluate stage).

    Raises:
        CheckError: when the evaluate stage could not compute them (weights or images missing).
    """
    ref = ctx.measurements.reference
    if not ref or "top3" not in ref:
        why = ref.get("error") if isinstance(ref, dict) and ref.get("error") else (
            ctx.measurements.detail or "the ResNet50 weights or the sample images are not available to the grader")
        raise CheckError(f"reference ResNet50 outputs could not be computed: {why}")
    return ref


@register("top3_equivalence")
def top3_equivalence(ctx: GradeContext, item: Item) -> Verdict:
    """classify() agrees with the reference: top-1, top-3 set, probabilities within tolerance."""
    which, what = item.params["inputs"], item.params["what"]
    tol = float(item_param(item, "prob_tolerance", 0.02))
    exp = ctx.export("classify")
    if exp is None or not exp.calls:
        return Verdict.failed(msg("`classify(img_path)` was not defined or could not be called."))
    ref = reference_outputs(ctx)["top3"]
    calls = [c for c in exp.calls if (c.input.startswith("hidden-") == (which == "hidden")) and "#" not in c.input]
    if not calls:
        raise CheckError(f"no {which} inputs were available to call classify() on")
    agree, notes, evidence = 0, [], {}
    for call in calls:
        got = parse_top3(call)
        want = ref.get(call.input)
        label = call.input if which == "sample" else msg("a hidden image")
        if call.error:
            notes.append(msg("{image}: classify raised {error}", image=label,
                             error=f"{call.error.ename}: {call.error.evalue[:120]}"))
            continue
        if got is None:
            notes.append(msg("{image}: no (wnid, label, probability) list returned or printed", image=label))
            continue
        evidence[call.input] = {"got": [list(t) for t in got], "reference": [list(t) for t in want]}
        if what == "top1":
            ok = got[0][1] == want[0][1]
            if not ok:
                notes.append(msg("{image}: top-1 is {got!r}, the reference predicts {want!r}", image=label,
                                 got=got[0][1], want=want[0][1]))
        else:
            same_set = {t[1] for t in got} == {t[1] for t in want}
            probs = {t[1]: t[2] for t in got}
            close = same_set and all(abs(probs[lbl] - p) <= tol for _, lbl, p in want)
            ok = same_set and close
            if not same_set:
                notes.append(msg("{image}: top-3 labels {got!r} differ from the reference's {want!r}", image=label,
                                 got=[t[1] for t in got], want=[t[1] for t in want]))
            elif not close:
                notes.append(msg("{image}: same labels, probabilities differ by more than {tol}", image=label,
                                 tol=tol))
        agree += ok
    fraction = agree / len(calls)
    if fraction == 1:
        return Verdict(1.0, msg("Matches the reference on {n} image(s).", n=len(calls)), evidence)
    if which == "hidden":
        notes = [msg("{n} of {total} hidden images disagree with the reference", n=len(calls) - agree,
                     total=len(calls))]
    return Verdict(fraction, msg("{notes:; }. Check the pipeline: load the image at 224x224, expand to a batch, apply "
                                 "keras.applications.resnet50.preprocess_input, then predict and "
                                 "decode_predictions(top=3).", notes=notes), evidence)


def models_per_call(ctx: GradeContext, n_calls: int) -> list[str] | None:
    """Model ids used by the last `n_calls` predict() calls (the grader's calls of the export step)."""
    predicts = [t for t in ctx.execution.trace if t.kind == "predict"]
    if len(predicts) < n_calls:
        return None
    return [t.model_id for t in predicts[-n_calls:]]


@register("call_latency")
def call_latency(ctx: GradeContext, item: Item) -> Verdict:
    """The model is built once, not on every call; the second call's latency is reported against the reference.

    Whether each call built a new model comes from the trace (the model object each
    predict() ran on), which does not depend on how loaded the machine was; the
    latency ratio (measured in two different processes) is evidence only, unless the
    trace saw no predict() calls.
    """
    max_ratio = float(item_param(item, "max_ratio", 3.0))
    exp = ctx.export("classify")
    calls = list(exp.calls if exp else [])
    first = next((c for c in calls if "#" not in c.input and not c.input.startswith("hidden")), None)
    second = next((c for c in calls if c.input.endswith("#2")), None)
    if first is None or second is None or second.seconds is None or second.error:
        return Verdict.failed(msg("classify() could not be called twice on the sample image."))
    ref = reference_outputs(ctx)
    ref_s = ref.get("second_call_s") or 0.0
    ratio = second.seconds / ref_s if ref_s else None
    evidence = {"first_s": first.seconds, "second_s": second.seconds, "reference_second_s": ref_s, "ratio": ratio,
                "reference_build_s": ref.get("build_s")}
    if ratio is not None:
        ctx.metrics["latency_ratio"] = round(ratio, 2)
    ids = models_per_call(ctx, len([c for c in calls if not c.error]))
    timing = (msg("second call {second:.2f} s vs the reference's {reference:.2f} s ({ratio:.1f}x)",
                  second=second.seconds, reference=ref_s, ratio=ratio) if ratio else
              msg("second call {second:.2f} s vs the reference's {reference:.2f} s", second=second.seconds,
                  reference=ref_s))
    if ids is not None:
        evidence["models_used"] = len(set(ids))
        if len(set(ids)) == 1:
            return Verdict(1.0, msg("The model is built once and reused across calls; {timing}.", timing=timing),
                           evidence)
        return Verdict.failed(msg(
            "classify() builds a new model on every call ({models} models for {calls} calls): first call "
            "{first:.2f} s, {timing}. Build ResNet50 once, outside classify(), and reuse it.", models=len(set(ids)),
            calls=len(ids), first=first.seconds, timing=timing), **evidence)
    if ratio is not None and ratio <= max_ratio:
        return Verdict(1.0, msg("Second call fast enough: {timing}.", timing=timing), evidence)
    fraction = 0.5 if ratio is not None and ratio <= 2 * max_ratio else 0.0
    return Verdict(fraction, msg("Slow second call: {timing}. If the model is rebuilt on every call, build it once "
                                 "outside classify().", timing=timing), evidence)


def _sample_prediction(ctx: GradeContext, image_key: str, model: str = "model"):
    """The held-out measurement of `model` and its output probabilities on one sample image, per preprocessing.

    Raises:
        CheckError: when the sample image was not available to the grader.
    """
    m = ctx.metric(model, "catsdogs")
    sample = ctx.measurements.samples.get(f"{model}:{image_key}")
    if m.value is None:
        return m, None
    if not sample or "probs" not in sample:
        raise CheckError(f"the grader could not predict the sample image {image_key!r}: "
                         f"{(sample or {}).get('error', 'image not available')}")
    return m, {k: np.asarray(v, dtype=float) for k, v in sample["probs"].items()}


@register("sample_prediction")
def sample_prediction(ctx: GradeContext, item: Item) -> Verdict:
    """The model, fed the training preprocessing, predicts the sample image's class."""
    expected = item.params["expected"]
    m, probs = _sample_prediction(ctx, item.params["image"], item.params.get("model", "model"))
    if probs is None:
        return Verdict.failed(msg("The model could not be evaluated: {error}.",
                                  error=ctx.metric_problem(item.params.get("model", "model"), "catsdogs")))
    exported = ctx.export("class_indices")
    order = mapping_from_order(exported.data) if exported is not None else None
    mapping = order or m.details["mapping"]
    p = probs[m.preprocessing]
    column = mapping.index(expected)
    predicted = mapping[int(p.argmax())]
    evidence = {"preprocessing": m.preprocessing, "class_order": mapping, "probabilities": [round(float(v), 4) for v in p]}
    name = item.params.get("model", "model")
    if ctx.never_fit(name):  # an untrained head answers at random: a right answer is luck, not a result
        return Verdict.failed(msg("`{model}` was never trained with fit(), so its answer on the sample {expected} "
                                  "(p({expected}) = {p:.2f}) is its random initial head's, not a result. Train the "
                                  "model, then predict the sample.", model=name, expected=expected,
                                  p=float(p[column])), **evidence)
    if predicted == expected:
        return Verdict(1.0, msg("The sample {expected} is predicted as a {expected} (p = {p:.2f}) with the training "
                                "preprocessing and your class order.", expected=expected, p=float(p[column])),
                       evidence)
    why = (msg(" The model itself recognises it, but your class order reads its output backwards: take the order "
               "from the training data (class_indices / class_names).") if order and order != m.details["mapping"]
           else "")
    text = (msg("The sample {expected} is predicted as a {predicted} (p({expected}) = {p:.2f}) with the training "
                "preprocessing and your class order {mapping!r}.{why}", expected=expected, predicted=predicted,
                p=float(p[column]), mapping=mapping, why=why) if order else
            msg("The sample {expected} is predicted as a {predicted} (p({expected}) = {p:.2f}) with the training "
                "preprocessing and the class order {mapping!r}.{why}", expected=expected, predicted=predicted,
                p=float(p[column]), mapping=mapping, why=why))
    return Verdict.failed(text, **evidence)


def _indistinguishable(m, name: str) -> bool:
    """True when the training preprocessing was only guessed (the fit saw a dataset, not arrays) and `name`
    scores within sampling noise of the guess on the validation images (two standard errors of the
    difference of two accuracies on n images: about 8.5 points near 96% on the 40 images of quick mode)."""
    details = m.details or {}
    tried = details.get("candidates_on_validation") or {}
    if details.get("chosen_by") != "validation accuracy" or name not in tried or m.preprocessing not in tried:
        return False
    n = details.get("n_validation") or m.n
    best, other = tried[m.preprocessing], tried[name]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (n, best, other)) \
            or n <= 0:
        return False  # an evaluation record of an unexpected shape excuses nothing
    p = min(max((best + other) / 2, 1 / n), 1 - 1 / n)
    return best - other <= 2 * math.sqrt(2 * p * (1 - p) / n)


@register("preprocessing_consistency")
def preprocessing_consistency(ctx: GradeContext, item: Item) -> Verdict:
    """The submission's own prediction inputs have the value range the model was trained on.

    The lecture's test code divides by 255 although training used ``preprocess_input``
    ([-1, 1]); the trace records the range of every ``predict`` input, and the grader
    measures what that mismatch does to the sample dog.
    """
    m, probs = _sample_prediction(ctx, "sample-image:dog")
    if probs is None:
        return Verdict.failed(msg("The model could not be evaluated: {error}.",
                                  error=ctx.metric_problem("model", "catsdogs")))
    if ctx.never_fit("model"):  # which scaling an untrained model "prefers" is chance: nothing to compare
        return Verdict.failed(msg("`model` was never trained with fit(), so the preprocessing it was trained on "
                                  "cannot be compared with the one your prediction code uses. Train the model, then "
                                  "predict the sample dog with the same preprocessing as training."))
    mid = ctx.model_id("model")
    last_fit = max((t.seq for t in ctx.fits(mid)), default=-1)
    predicts = [t for t in ctx.execution.trace if t.kind == "predict" and t.seq > last_fit and t.input_stats
                and t.input_stats.get("shape", [0])[0] <= 8]
    if not predicts:
        return Verdict.failed(msg("No prediction on a single image was found after training: predict the sample dog "
                                  "(data/sample-images/dog.jpg) with the same preprocessing as training."))
    lo, hi = RANGES[m.preprocessing]
    used = predicts[-1].input_stats
    span = hi - lo
    # Inside the trained range and spanning most of it (a photo has near-black and near-white pixels).
    ok = (lo - 0.05 * span <= used["min"] <= lo + 0.25 * span) and (hi - 0.25 * span <= used["max"] <= hi + 0.05 * span)
    mapping = m.details["mapping"]
    dog = mapping.index("dog")
    evidence = {"trained_on": m.preprocessing, "predict_input_range": [used["min"], used["max"]],
                "p_dog": {k: round(float(v[dog]), 4) for k, v in probs.items()}}
    if ok:
        return Verdict(1.0, msg("Prediction inputs are in [{low:.2f}, {high:.2f}], the range the model was trained on "
                                "({preprocessing}).", low=used["min"], high=used["max"],
                                preprocessing=m.preprocessing), evidence)
    guess = next((name for name, (a, b) in RANGES.items()
                  if (a - 0.05 * (b - a) <= used["min"] <= a + 0.25 * (b - a))
                  and (b - 0.25 * (b - a) <= used["max"] <= b + 0.05 * (b - a))), None)
    if guess is not None and _indistinguishable(m, guess):
        return Verdict(1.0, msg("Prediction inputs are in [{low:.2f}, {high:.2f}] ({guess}); on the validation images "
                                "the model does as well with that preprocessing as with any other, so it is taken "
                                "as the one used in training.", low=used["min"], high=used["max"], guess=guess),
                       {**evidence, "trained_on_undecided": True})
    p_right, p_wrong = float(probs[m.preprocessing][dog]), float(probs.get(guess, probs[m.preprocessing])[dog])
    return Verdict.failed(msg(
        "Your prediction code feeds pixels in [{low:.2f}, {high:.2f}] ({guess}), but the model was trained on "
        "{preprocessing}: on the sample dog the model gives P(dog) = {p_wrong:.2f} that way versus {p_right:.2f} with "
        "the training preprocessing. Apply the backbone's preprocess_input (not /255) before predict.",
        low=used["min"], high=used["max"], guess=guess or msg("another scaling"), preprocessing=m.preprocessing,
        p_wrong=p_wrong, p_right=p_right), **evidence)
