"""Pass and fail cases of the check kinds not covered by test_checks_logic (synthetic executions)."""

from __future__ import annotations

import pytest

from harness.checks import REGISTRY
from harness.checks.context import CheckError, GradeContext
from harness.data import DataSource
from harness.labs import get_lab
from harness.models import CallRecord, Cell, ErrorInfo, Execution, Export, Submission, TraceEvent
from harness.rubric import Band, load_rubric


def _exe(lab, status="ok", cells=(), exports=None, trace=(), quick=True):
    sub = Submission(path="s.ipynb", lab=lab, student_id="s", sha256="0" * 64, kind="notebook")
    return Execution(submission=sub, status=status, cells=list(cells), exports=exports or {}, trace=list(trace),
                     quick=quick)


def _ctx(exe, tmp_path, root=None):
    lab = exe.submission.lab
    return GradeContext(execution=exe, lab=get_lab(lab), rubric=load_rubric(lab),
                        source=DataSource(root=root or tmp_path), artifacts=tmp_path)


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


def test_band_measures_the_exported_model_itself(tmp_path, synthetic_root):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    (tmp_path / "exports").mkdir()
    model.save(tmp_path / "exports" / "model.keras")
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras", data={"model_id": "m"})}
    ctx = _ctx(_exe("dropout", exports=exports), tmp_path, synthetic_root)
    verdict = _run("band", ctx, "accuracy")  # an untrained model: about chance
    assert verdict.fraction == 0 and "below the reference range" in verdict.message
    assert "band" in verdict.evidence and str(round(verdict.evidence["band"][0], 4)) not in verdict.message
    ctx = _ctx(_exe("dropout", exports=exports), tmp_path, synthetic_root)
    ctx.rubric.bands["quick"]["accuracy"] = Band(metric="accuracy", low=0.0, high=1.0)
    assert _run("band", ctx, "accuracy").fraction == 1


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


def _sample_ctx(tmp_path, monkeypatch, trace, dog_probability):
    """A cats-dogs context whose sample-image prediction is fixed (no Keras needed)."""
    import types

    import numpy as np

    from harness.checks import predictions

    measured = types.SimpleNamespace(preprocessing="preprocess_input", details={"mapping": ["cat", "dog"]})
    monkeypatch.setattr(predictions, "_sample_prediction",
                        lambda ctx, key: (measured, {"preprocess_input": np.array([1 - dog_probability, dog_probability])}))
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras",
                               data={"model_id": "m1"})}
    return _ctx(_exe("cats-dogs", exports=exports, trace=trace), tmp_path)


def test_sample_prediction_credits_a_trained_model_only(tmp_path, monkeypatch):
    fit = TraceEvent(kind="fit", seq=1, model_id="m1", model_name="model")
    verdict = _run("sample_prediction", _sample_ctx(tmp_path, monkeypatch, [fit], 0.96), "sample_dog")
    assert verdict.fraction == 1 and "predicted as a dog" in verdict.message
    wrong = _run("sample_prediction", _sample_ctx(tmp_path, monkeypatch, [fit], 0.2), "sample_dog")
    assert wrong.fraction == 0 and "predicted as a cat" in wrong.message
    # the same right answer from a model no fit() ever trained is its random head's luck
    other = TraceEvent(kind="fit", seq=1, model_id="another", model_name="model_2")
    lucky = _run("sample_prediction", _sample_ctx(tmp_path, monkeypatch, [other], 0.96), "sample_dog")
    assert lucky.fraction == 0 and "never trained with fit()" in lucky.message


@pytest.mark.parametrize("exported, trained, behaviour, passes", [
    (["cat", "dog"], True, ["cat", "dog"], True),
    (["dog", "cat"], True, ["cat", "dog"], False),   # reversed by hand: the trained model says otherwise
    (["cat", "dog"], False, ["dog", "cat"], True),   # untrained: its outputs are chance, the folders decide
    (["dog", "cat"], False, ["dog", "cat"], False),  # untrained and not the folders' order, whatever chance says
])
def test_class_order_judges_an_untrained_model_by_the_folders(tmp_path, monkeypatch, exported, trained, behaviour,
                                                              passes):
    import types

    from harness.checks import bands

    monkeypatch.setattr(bands, "measure", lambda ctx, name, task: types.SimpleNamespace(details={"mapping": behaviour}))
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras",
                               data={"model_id": "m1"}),
               "class_indices": Export(name="class_indices", kind="value", found=True,
                                       data={name: i for i, name in enumerate(exported)})}
    trace = [TraceEvent(kind="fit", seq=1, model_id="m1", model_name="model")] if trained else []
    verdict = _run("class_order", _ctx(_exe("cats-dogs", exports=exports, trace=trace), tmp_path), "class_order")
    assert (verdict.fraction == 1) is passes, verdict.message
