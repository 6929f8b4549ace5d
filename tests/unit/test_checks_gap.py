"""The dropout train/validation gap is read only from the History of the exported `model`'s own training."""

from __future__ import annotations

from harness.checks import REGISTRY
from harness.models import Measurements, ModelEvidence
from harness.rubric import Band
from tests.fixtures.grading_data import context, execution, fit, history, history_export, item, model_export, rubric

ACC = [0.70, 0.78, 0.82, 0.85, 0.87]
VAL = [0.72, 0.77, 0.80, 0.82, 0.83]
BANDS = {"full": {"train_val_gap": Band("train_val_gap", -0.02, 0.08)}}


def _check(tmp_path, *, trained: str, exported: str, no_dropout: tuple[str, str] | None = None):
    fits = [fit(trained, 1, accuracy=ACC, val_accuracy=VAL, loss=[1.0, 0.8, 0.6, 0.5, 0.45])]
    exports = {"model": model_export("model", exported), "history": history_export("history", history(fits[0]))}
    if no_dropout:
        nd_trained, nd_exported = no_dropout
        fits.append(fit(nd_trained, 2, accuracy=[0.8, 0.9, 0.95, 0.97, 0.99], val_accuracy=[0.8, 0.83, 0.84, 0.84, 0.84],
                        loss=[0.9, 0.5, 0.3, 0.2, 0.1]))
        exports["model_no_dropout"] = model_export("model_no_dropout", nd_exported)
        exports["history_no_dropout"] = history_export("history_no_dropout", history(fits[1]))
    measured = Measurements(status="ok", evidence={"model": ModelEvidence(name="model", status="consistent", trained=True)})
    ctx = context("dropout", execution("dropout", trace=fits, exports=exports), tmp_path, measurements=measured,
                  rubric_=rubric("dropout", bands=BANDS))
    return REGISTRY["train_val_gap"](ctx, item("train_val_gap")), ctx


def test_the_gap_of_the_exported_models_own_history_counts(tmp_path):
    verdict, ctx = _check(tmp_path, trained="model-a", exported="model-a", no_dropout=("model-b", "model-b"))
    assert verdict.fraction == 1.0 and not verdict.flag
    assert ctx.metrics["train_val_gap"] == round(ACC[-1] - VAL[-1], 4) and "train_val_gap_no_dropout" in ctx.metrics


def test_a_history_of_another_model_earns_nothing_and_is_flagged(tmp_path):
    verdict, _ = _check(tmp_path, trained="model-forged", exported="model-a")
    assert verdict.fraction == 0 and verdict.flag == "evidence"
    assert "different model" in str(verdict.message)


def test_a_no_dropout_history_of_another_model_is_not_used(tmp_path):
    _, ctx = _check(tmp_path, trained="model-a", exported="model-a", no_dropout=("model-x", "model-b"))
    assert "train_val_gap_no_dropout" not in ctx.metrics
