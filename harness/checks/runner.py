"""The checks stage: every rubric item judged on the execution and the grader's measurements -> LabResult.

A check that cannot run (no band calibrated, data missing) scores 0 with status
``error`` and says why; an unexpected exception in a check is reported the same way, so
one bug never loses the other items. Items that discuss results (``requires =
"trained"``) score 0 with the reason when no model or history of the run comes from a
verified training run (results before words).
"""

from __future__ import annotations

import time

from harness.checks.bands import verified_histories
from harness.checks.context import CheckError, GradeContext, Verdict
from harness.checks.registry import REGISTRY
from harness.evaluate.histories import matching_fit
from harness.i18n import Msg, msg, render
from harness.i18n.message import encode_args
from harness.models import CheckResult, LabResult
from harness.rubric import Item, Rubric

NO_RESULTS = msg("This item discusses the results of training, but no model or history in this run comes from a "
                 "training run the grader could verify, so there is nothing to discuss yet. Train the model in the "
                 "notebook, keep the trained model and its History, and run the notebook from top to bottom.")


def verified_training(ctx: GradeContext) -> bool:
    """True when some exported model or history of the run was produced by a verified fit."""
    if any(ev.status == "consistent" and ev.trained for ev in ctx.measurements.evidence.values()):
        return True
    if not ctx.execution.integrity.ok:
        return False
    for name in ("history", "history_no_dropout"):
        exp = ctx.export(name)
        if exp is not None and isinstance(exp.data, dict) and \
                matching_fit(exp.data, ctx.execution.trace, lab=ctx.lab) is not None:
            return True
    return bool(ctx.export("histories")) and bool(verified_histories(ctx)[0])


def no_results(ctx: GradeContext) -> Verdict:
    """The verdict of an item that discusses results when no verified training produced any.

    A run that simply never trained gets the plain reason; a run whose training record
    contradicts itself or the exported weights gets the neutral "inconsistent record"
    message and the instructor's evidence flag, as the checks themselves would give.
    """
    if not ctx.execution.integrity.ok:
        return Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace",
                                  requires="trained")
    bad = [f"{name}: {ev.detail}" for name, ev in sorted(ctx.measurements.evidence.items())
           if ev.status in ("inconsistent", "unverified")]
    if bad:
        return Verdict.unverified("; ".join(bad[:3]), requires="trained")
    return Verdict(0.0, NO_RESULTS, {"requires": "trained"})


def check_result(item: Item, verdict: Verdict) -> CheckResult:
    """Attaches points to a verdict; the status follows the fraction earned.

    The message is stored in English (``message``: grade.json, grades and the instructor's
    report read it) and, when it is a `harness.i18n.Msg`, as its id and arguments too, so the
    student's view can be rendered in the student's language.
    """
    fraction = min(1.0, max(0.0, float(verdict.fraction)))
    if verdict.error:
        status = "error"
    elif fraction >= 1.0:
        status = "passed"
    elif fraction <= 0.0:
        status = "failed"
    else:
        status = "partial"
    message = verdict.message
    message_id, message_args = (message.msgid, encode_args(message.args)) if isinstance(message, Msg) else ("", {})
    return CheckResult(item=item.id, name=item.name, status=status, score=round(item.points * fraction, 3),
                       max_score=item.points, message=render(message, "en"), evidence=verdict.evidence,
                       visibility=item.visibility, flag=verdict.flag, message_id=message_id,
                       message_args=message_args)




def run_checks(ctx: GradeContext, rubric: Rubric) -> LabResult:
    """One CheckResult per rubric item, in rubric order, and the values measured along the way."""
    t0 = time.monotonic()
    results = []
    trained = verified_training(ctx)
    for item in rubric.items:
        try:
            if item.requires == "trained" and not trained:
                verdict = no_results(ctx)
            else:
                verdict = REGISTRY[item.check](ctx, item)
        except CheckError as exc:
            verdict = Verdict(0.0, msg("Not graded automatically: {reason}.", reason=str(exc)), error=True)
        except Exception as exc:  # a bug in a check must not lose the other items
            verdict = Verdict(0.0, msg("Not graded automatically: internal check error ({error}).",
                                       error=f"{type(exc).__name__}: {str(exc)[:300]}"), error=True)
        results.append(check_result(item, verdict))
    return LabResult(lab=ctx.lab.id, rubric_version=rubric.version, checks=results, metrics=ctx.metrics,
                     seconds=round(time.monotonic() - t0, 3))
