"""Items that discuss results need a verified training run; without one the reason depends on why.

A run that never trained gets the plain reason and no flag; a run whose training record
contradicts itself or the exported weights gets the neutral "inconsistent record" message
and the instructor's evidence flag (the gate must not hide a forgery behind "not trained").
"""

from __future__ import annotations

from harness.checks.context import INCONSISTENT_RECORD
from harness.checks.runner import NO_RESULTS, no_results
from harness.models import Measurements, ModelEvidence
from tests.fixtures.grading_data import context, execution


def _ctx(tmp_path, *, problems=(), evidence=None):
    measured = Measurements(status="ok", evidence=evidence or {})
    return context("dropout", execution("dropout", problems=list(problems)), tmp_path, measurements=measured)


def test_a_run_that_never_trained_gets_the_reason_and_no_flag(tmp_path):
    ctx = _ctx(tmp_path, evidence={"model": ModelEvidence(name="model", status="consistent", trained=False)})
    verdict = no_results(ctx)
    assert verdict.fraction == 0 and not verdict.flag and verdict.message == NO_RESULTS


def test_a_trace_that_contradicts_itself_is_flagged(tmp_path):
    verdict = no_results(_ctx(tmp_path, problems=["fit 2 ended with weights nothing recorded produced"]))
    assert verdict.fraction == 0 and verdict.flag == "evidence" and verdict.message == INCONSISTENT_RECORD
    assert "nothing recorded produced" in verdict.evidence["unverified"]


def test_exported_weights_the_record_does_not_explain_are_flagged(tmp_path):
    ev = {"model": ModelEvidence(name="model", status="inconsistent", trained=False,
                                 detail="the exported weights differ from the end of the last traced fit")}
    verdict = no_results(_ctx(tmp_path, evidence=ev))
    assert verdict.flag == "evidence" and "differ from the end" in verdict.evidence["unverified"]
