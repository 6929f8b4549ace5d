"""Pass and fail cases of the check kinds not covered by test_checks_logic (synthetic executions)."""

from __future__ import annotations

import pytest

from harness.checks import REGISTRY
from harness.checks.context import CheckError, GradeContext
from harness.data import DataSource
from harness.labs import get_lab
from harness.models import (CallRecord, Cell, ErrorInfo, Execution, Export, Measurements, Metric, ModelEvidence,
                            ModelFacts, Submission, TraceEvent, TraceIntegrity)
from harness.rubric import Band, load_rubric


def _exe(lab, status="ok", cells=(), exports=None, trace=(), quick=True):
    sub = Submission(path="s.ipynb", lab=lab, student_id="s", sha256="0" * 64, kind="notebook")
    return Execution(submission=sub, status=status, cells=list(cells), exports=exports or {}, trace=list(trace),
                     quick=quick, integrity=TraceIntegrity(channel="ok", salt="s"))


def _ctx(exe, tmp_path, root=None, measurements=None):
    lab = exe.submission.lab
    return GradeContext(execution=exe, lab=get_lab(lab), rubric=load_rubric(lab),
                        source=DataSource(root=root or tmp_path), artifacts=tmp_path,
                        measurements=measurements or Measurements())


def _measured(name, task, value, *, trained=True, status="consistent", **metric):
    """Measurements of one exported model: a metric and the evidence of its weights."""
    return Measurements(status="ok", models={name: ModelFacts(name=name, loaded=True)},
                        metrics={f"{name}:{task}": Metric(value=value, n=1000, preprocessing="pixels/255", **metric)},
                        evidence={name: ModelEvidence(name=name, status=status, trained=trained)})


def _run(kind, ctx, item_id):
    return REGISTRY[kind](ctx, ctx.rubric.item(item_id))


def test_runs_full_partial_and_invalid(tmp_path):
    ok = [Cell(index=0, cell_type="code", source="x", status="ok")]
    assert _run("runs", _ctx(_exe("dropout", cells=ok), tmp_path), "runs").fraction == 1
    mixed = ok + [Cell(index=1, cell_type="code", source="1/0", status="error",
                       error=ErrorInfo("ZeroDivisionError", "division by zero"))]
    verdict = _run("runs", _ctx(_exe("dropout", "error", mixed), tmp_path), "runs")
    assert verdict.fraction == 0.5 and "cell 1 failed (ZeroDivisionError" in verdict.message
    assert _run("runs", _ctx(_exe("dropout", "invalid"), tmp_path), "runs").fraction == 0


def test_contract_names_what_is_missing(tmp_path):
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras"),
               "history": Export(name="history", kind="history", found=False, error="'history' is not defined")}
    verdict = _run("contract", _ctx(_exe("dropout", exports=exports), tmp_path), "contract")
    assert verdict.fraction == 0.5 and "`history`" in verdict.message and "training History" in verdict.message
    exports["history"] = Export(name="history", kind="history", found=True, data={"loss": [1.0]})
    assert _run("contract", _ctx(_exe("dropout", exports=exports), tmp_path), "contract").fraction == 1


def test_band_judges_the_graders_measurement_with_its_evidence(tmp_path):
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras", data={"model_id": "m"})}
    ctx = _ctx(_exe("dropout", exports=exports), tmp_path, measurements=_measured("model", "fashion10", 0.1))
    verdict = _run("band", ctx, "accuracy")  # about chance
    assert verdict.fraction == 0 and "below the reference range" in verdict.message
    assert "band" in verdict.evidence and str(round(verdict.evidence["band"][0], 4)) not in verdict.message
    b = ctx.rubric.band("accuracy", "quick")
    inside = _ctx(_exe("dropout", exports=exports), tmp_path, measurements=_measured("model", "fashion10", b.low))
    assert _run("band", inside, "accuracy").fraction == 1
    # the same value from weights the record cannot explain earns nothing, flagged for the instructor
    forged = _ctx(_exe("dropout", exports=exports), tmp_path,
                  measurements=_measured("model", "fashion10", b.low, status="inconsistent"))
    verdict = _run("band", forged, "accuracy")
    assert verdict.fraction == 0 and verdict.flag == "evidence" and "training record is inconsistent" in verdict.message
    # a model no fit trained has no result to judge
    untrained = _ctx(_exe("dropout", exports=exports), tmp_path,
                     measurements=_measured("model", "fashion10", b.low, trained=False, status="untraced"))
    verdict = _run("band", untrained, "accuracy")
    assert verdict.fraction == 0 and not verdict.flag and "was not trained in this run" in verdict.message


def test_band_holds_memorised_results_for_review(tmp_path):
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras", data={"model_id": "m"})}
    rubric_band = load_rubric("dropout").band("accuracy", "quick")
    perfect = _ctx(_exe("dropout", exports=exports), tmp_path,
                   measurements=_measured("model", "fashion10", 1.0, perturbed=0.6))
    verdict = _run("band", perfect, "accuracy")
    assert verdict.fraction == 0 and verdict.flag == "review" and "review" in verdict.message
    assert "1.0" not in verdict.message and "100" not in verdict.message  # the student sees no numbers
    # just above the band, within its margin: full credit, nothing flagged
    top = _ctx(_exe("dropout", exports=exports), tmp_path,
               measurements=_measured("model", "fashion10", rubric_band.high + 0.001))
    verdict = _run("band", top, "accuracy")
    assert verdict.fraction == 1 and not verdict.flag
    # inside the band but collapsing on the perturbed images far more than the reference does
    ctx = _ctx(_exe("dropout", exports=exports), tmp_path,
               measurements=_measured("model", "fashion10", rubric_band.high, perturbed=rubric_band.high - 0.5))
    ctx.rubric.bands["quick"]["perturb_drop.accuracy"] = Band(metric="perturb_drop.accuracy", low=0.0, high=0.08)
    verdict = _run("band", ctx, "accuracy")
    assert verdict.fraction == 0 and verdict.flag == "review" and "perturbation" in verdict.evidence["review"][-1]


def test_band_without_calibration_is_a_grader_error(tmp_path):
    ctx = _ctx(_exe("dropout", exports={}), tmp_path)
    ctx.rubric.bands.pop("quick", None)
    with pytest.raises(CheckError, match="labgrade reference calibrate dropout --quick"):
        _run("band", ctx, "accuracy")


def test_timing_is_report_only(tmp_path):
    fit = TraceEvent(kind="fit", seq=0, samples=1000, seconds=2.0,
                     epoch_logs=[__import__("harness.models", fromlist=["EpochLog"]).EpochLog(epoch=0)] * 3)
    verdict = _run("timing", _ctx(_exe("dropout", trace=[fit]), tmp_path), "timing")
    assert verdict.fraction == 1 and "1,500 samples/s" in verdict.message


def test_call_latency_uses_the_models_the_trace_saw(tmp_path, monkeypatch):
    import harness.checks.predictions as predictions

    monkeypatch.setattr(predictions, "reference_outputs", lambda ctx: {"second_call_s": 0.2, "build_s": 3.0})
    calls = [CallRecord(input="cat.jpg", seconds=3.5), CallRecord(input="cat.jpg#2", seconds=3.4)]
    exports = {"classify": Export(name="classify", kind="callable", found=True, calls=calls)}
    rebuilt = [TraceEvent(kind="predict", seq=i, model_id=f"m{i}") for i in range(2)]
    verdict = _run("call_latency", _ctx(_exe("resnet50-top3", exports=exports, trace=rebuilt), tmp_path), "latency")
    assert verdict.fraction == 0 and "builds a new model on every call (2 models for 2 calls)" in verdict.message
    once = [TraceEvent(kind="predict", seq=i, model_id="m") for i in range(2)]
    assert _run("call_latency", _ctx(_exe("resnet50-top3", exports=exports, trace=once), tmp_path),
                "latency").fraction == 1


def _sample_ctx(tmp_path, trace, dog_probability):
    """A cats-dogs context whose sample-image prediction is fixed (no Keras needed)."""
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras",
                               data={"model_id": "m1"})}
    measurements = _measured("model", "catsdogs", 0.9, details={"mapping": ["cat", "dog"]})
    measurements.metrics["model:catsdogs"].preprocessing = "preprocess_input ([-1, 1])"
    measurements.samples["model:sample-image:dog"] = {
        "probs": {"preprocess_input ([-1, 1])": [1 - dog_probability, dog_probability]}}
    return _ctx(_exe("cats-dogs", exports=exports, trace=trace), tmp_path, measurements=measurements)


def test_sample_prediction_credits_a_trained_model_only(tmp_path):
    fit = TraceEvent(kind="fit", seq=1, model_id="m1", model_name="model")
    verdict = _run("sample_prediction", _sample_ctx(tmp_path, [fit], 0.96), "sample_dog")
    assert verdict.fraction == 1 and "predicted as a dog" in verdict.message
    wrong = _run("sample_prediction", _sample_ctx(tmp_path, [fit], 0.2), "sample_dog")
    assert wrong.fraction == 0 and "predicted as a cat" in wrong.message
    # the same right answer from a model no fit() ever trained is its random head's luck
    other = TraceEvent(kind="fit", seq=1, model_id="another", model_name="model_2")
    lucky = _run("sample_prediction", _sample_ctx(tmp_path, [other], 0.96), "sample_dog")
    assert lucky.fraction == 0 and "never trained with fit()" in lucky.message


@pytest.mark.parametrize("exported, trained, behaviour, passes", [
    (["cat", "dog"], True, ["cat", "dog"], True),
    (["dog", "cat"], True, ["cat", "dog"], False),   # reversed by hand: the trained model says otherwise
    (["cat", "dog"], False, ["dog", "cat"], True),   # untrained: its outputs are chance, the folders decide
    (["dog", "cat"], False, ["dog", "cat"], False),  # untrained and not the folders' order, whatever chance says
])
def test_class_order_judges_an_untrained_model_by_the_folders(tmp_path, exported, trained, behaviour, passes):
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras",
                               data={"model_id": "m1"}),
               "class_indices": Export(name="class_indices", kind="value", found=True,
                                       data={name: i for i, name in enumerate(exported)})}
    trace = [TraceEvent(kind="fit", seq=1, model_id="m1", model_name="model")] if trained else []
    measurements = _measured("model", "catsdogs", 0.9, details={"mapping": behaviour})
    verdict = _run("class_order", _ctx(_exe("cats-dogs", exports=exports, trace=trace), tmp_path,
                                       measurements=measurements), "class_order")
    assert (verdict.fraction == 1) is passes, verdict.message
