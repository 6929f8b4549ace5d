"""Check logic on synthetic executions: schedules, histories, analysis, transfer, structure, top-3 parsing."""

from __future__ import annotations

import numpy as np
import pytest

from harness.checks import REGISTRY
from harness.checks.context import GradeContext
from harness.evaluate.histories import by_canonical, canonical, matching_fit
from harness.checks.predictions import parse_top3
from harness.checks.schedules import fit_1cycle, fit_exponential, fit_performance, fit_piecewise, fit_power
from harness.data import DataSource
from harness.labs import get_lab
from harness.models import (CallRecord, Cell, EpochLog, Execution, Export, Measurements, ModelEvidence, ModelFacts,
                            Submission, TraceEvent, TraceIntegrity)
from harness.checks import load_rubric
from harness.rubric import Item

T = np.arange(25, dtype=float)


@pytest.mark.parametrize("fn, lr, ok", [
    (fit_power, 0.01 / (1 + T / 10), True),
    (fit_power, 0.01 / (1 + T / 3) ** 2, True),
    (fit_power, np.full(25, 0.01), False),
    (fit_exponential, 0.01 * 0.1 ** (T / 20), True),
    (fit_exponential, 0.01 / (1 + T / 2), False),
    (fit_piecewise, np.array([0.01] * 5 + [0.005] * 10 + [0.001] * 10), True),
    (fit_piecewise, 0.01 * 0.1 ** (T / 20), False),
    (fit_1cycle, np.concatenate([np.linspace(0.005, 0.05, 12), np.linspace(0.05, 0.0005, 13)]), True),
    (fit_1cycle, np.linspace(0.005, 0.05, 25), False),
])
def test_schedule_shapes(fn, lr, ok):
    assert fn(np.asarray(lr, dtype=float))[0] is ok


def test_performance_schedule_needs_the_callback():
    lr = np.array([0.02] * 10 + [0.01] * 10 + [0.005] * 5)
    assert fit_performance(lr, ["ReduceLROnPlateau"])[0]
    assert not fit_performance(lr, [])[0]
    assert not fit_performance(np.array([0.02, 0.01, 0.02]), ["ReduceLROnPlateau"])[0]


@pytest.mark.parametrize("name, key", [("SGD", "sgd"), ("Momentum optimization", "momentum"),
                                       ("Nesterov Accelerated Gradient", "nesterov"), ("RMSProp", "rmsprop"),
                                       ("1Cycle", "1cycle"), ("power scheduling", "power"), ("adamw", None)])
def test_canonical_names(name, key):
    assert canonical(name) == key


def _fit(losses, model_id="m1", lrs=None, **kw):
    lrs = lrs or [0.01] * len(losses)
    return TraceEvent(kind="fit", seq=kw.pop("seq", 0), model_id=model_id,
                      epoch_logs=[EpochLog(epoch=i, lr=lr, logs={"loss": l, "val_accuracy": 0.8})
                                  for i, (l, lr) in enumerate(zip(losses, lrs))], **kw)


def test_histories_must_match_a_traced_fit():
    trace = [_fit([1.0, 0.5, 0.25])]
    assert matching_fit({"loss": [1.0, 0.5, 0.25]}, trace) is trace[0]
    assert matching_fit({"loss": [1.0, 0.5, 0.25], "val_accuracy": [0.8] * 3}, trace) is trace[0]
    assert matching_fit({"loss": [1.0, 0.5, 0.2]}, trace) is None  # forged or edited history
    assert matching_fit({"loss": [9.0, 1.0, 0.5, 0.25]}, trace) is None  # an epoch no fit recorded
    assert matching_fit({"loss": [0.5, 0.25]}, trace) is None  # a history of another length
    # every metric of every epoch must match, not only the loss: invented accuracies do not count
    assert matching_fit({"loss": [1.0, 0.5, 0.25], "val_accuracy": [0.8, 0.9, 0.97]}, trace) is None
    assert matching_fit({"loss": [1.0, 0.5, 0.25], "accuracy": [0.7, 0.8, 0.9]}, trace) is None
    # two fits of one model (fine-tuning in two phases) may make one history
    phases = [_fit([1.0, 0.8], model_id="ba", seq=1), _fit([0.5, 0.4, 0.3], model_id="ba", seq=3)]
    assert matching_fit({"loss": [1.0, 0.8, 0.5, 0.4, 0.3]}, phases) is phases[1]
    assert matching_fit({"loss": [0.5, 0.4, 0.3]}, phases) is phases[1]
    assert by_canonical({"Adam": {"loss": []}, "??": {}}) == {"adam": ("Adam", {"loss": []})}


def test_histories_from_a_token_amount_of_data_do_not_count():
    tiny = [_fit([1.0, 0.5], samples=64, batch_size=32)]
    assert matching_fit({"loss": [1.0, 0.5]}, tiny, lab=get_lab("dropout")) is None
    real = [_fit([1.0, 0.5], samples=3000, batch_size=32)]
    assert matching_fit({"loss": [1.0, 0.5]}, real, lab=get_lab("dropout")) is real[0]


@pytest.mark.parametrize("call, top1", [
    (CallRecord(input="cat.jpg", returned=[["n1", "tabby", 0.5], ["n2", "tiger_cat", 0.2], ["n3", "x", 0.1]]), "tabby"),
    (CallRecord(input="cat.jpg", returned=[[["n1", "tabby", 0.5], ["n2", "b", 0.2], ["n3", "c", 0.1]]]), "tabby"),
    (CallRecord(input="cat.jpg", printed="[('n02123045', 'tabby', 0.50), ('n02124075', 'Egyptian_cat', 0.217), "
                                         "('n02123159', 'tiger_cat', np.float32(0.206))]"), "tabby"),
])
def test_parse_top3(call, top1):
    got = parse_top3(call)
    assert got[0][1] == top1 and len(got) == 3


def test_parse_top3_nothing():
    assert parse_top3(CallRecord(input="x", printed="hello")) is None


def _ctx(lab: str, exe: Execution, tmp_path, measurements: Measurements | None = None) -> GradeContext:
    return GradeContext(execution=exe, lab=get_lab(lab), rubric=load_rubric(lab), source=DataSource(root=tmp_path),
                        artifacts=tmp_path, measurements=measurements or Measurements())


def _exe(lab, trace, exports):
    sub = Submission(path="s.ipynb", lab=lab, student_id="s", sha256="0" * 64, kind="notebook")
    return Execution(submission=sub, status="ok", trace=trace, exports=exports,
                     integrity=TraceIntegrity(channel="ok", salt="s"))


def _weights(frozen: bool, before: str, after: str):
    """Fingerprints of two reused layers (frozen or not) and the new output, before and after a fit."""
    reused = [["var-d1", before if not frozen else "d1", 0 if frozen else 1],
              ["var-d2", before if not frozen else "d2", 0 if frozen else 1]]
    return [*reused, ["var-out", before, 1]], [[v, after if t else fp, t] for v, fp, t in reused] + [["var-out", after, 1]]


def _transfer(first_frozen: bool, recompile: bool, lr2: float):
    start1, end1 = _weights(first_frozen, "a", "b")
    start2, end2 = _weights(False, "b", "c")
    e1 = _fit([1.0, 0.8], model_id="ba", seq=1, lrs=[0.01, 0.01], frozen_layers=["d1", "d2"] if first_frozen else [],
              trainable_layers=["out"] if first_frozen else ["d1", "d2", "out"], compile_count=1,
              weights_start=start1, weights_end=end1)
    e2 = _fit([0.5, 0.4], model_id="ba", seq=3, lrs=[lr2, lr2], frozen_layers=[],
              trainable_layers=["d1", "d2", "out"], compile_count=2 if recompile else 1,
              stale_trainable=not recompile, weights_start=start2, weights_end=end2)
    return [e1, e2], {"model_B_on_A": Export(name="model_B_on_A", kind="model", found=True, data={"model_id": "ba"})}


TRAINED = Measurements(status="ok", evidence={"model_B_on_A": ModelEvidence(name="model_B_on_A", status="consistent",
                                                                             trained=True)})


@pytest.mark.parametrize("args, expect", [
    ((True, True, 1e-4), {"transfer_frozen_first_fit": 1, "transfer_recompiled": 1, "transfer_lower_lr": 1}),
    ((False, True, 1e-4), {"transfer_frozen_first_fit": 0}),
    ((True, False, 1e-4), {"transfer_recompiled": 0, "transfer_lower_lr": 1}),
    ((True, True, 0.01), {"transfer_lower_lr": 0, "transfer_recompiled": 1}),
])
def test_transfer_process_checks(tmp_path, args, expect):
    trace, exports = _transfer(*args)
    ctx = _ctx("fashion-transfer", _exe("fashion-transfer", trace, exports), tmp_path, TRAINED)
    for kind, fraction in expect.items():
        verdict = REGISTRY[kind](ctx, Item(id=kind, name=kind, points=10, check=kind, params={"model": "model_B_on_A"}))
        assert verdict.fraction == fraction, (kind, verdict.message)
        assert verdict.message


def test_transfer_claims_must_agree_with_the_weights(tmp_path):
    """A first fit recorded as frozen whose frozen weights changed: the record contradicts itself."""
    trace, exports = _transfer(True, True, 1e-4)
    trace[0].weights_end[0][1] = "moved"  # a 'frozen' reused layer changed during the fit
    ctx = _ctx("fashion-transfer", _exe("fashion-transfer", trace, exports), tmp_path, TRAINED)
    item = Item(id="f", name="f", points=10, check="transfer_frozen_first_fit", params={"model": "model_B_on_A"})
    verdict = REGISTRY["transfer_frozen_first_fit"](ctx, item)
    assert verdict.fraction == 0 and verdict.flag == "evidence"
    # the same fits with a broken channel (a forged line) are not used at all
    trace, exports = _transfer(True, True, 1e-4)
    exe = _exe("fashion-transfer", trace, exports)
    exe.integrity.problems.append("a trace line with a wrong MAC was ignored")
    verdict = REGISTRY["transfer_frozen_first_fit"](_ctx("fashion-transfer", exe, tmp_path, TRAINED), item)
    assert verdict.fraction == 0 and verdict.flag == "evidence" and "inconsistent" in verdict.message


def _dropout_model(spec) -> tuple[dict, Measurements]:
    """An exported model as the grader's evaluate stage describes it after loading it safely."""
    rows = []
    for i, (kind, arg) in enumerate(spec):
        row = {"name": f"{kind.lower()}_{i}", "class": kind, "trainable": True, "params": 0, "trainable_params": 0}
        if kind == "Dropout":
            row["rate"] = arg
        elif kind == "Dense":
            row["units"] = arg
        rows.append(row)
    exports = {"model": Export(name="model", kind="model", found=True, path="exports/model.keras",
                               data={"model_id": "m"})}
    return exports, Measurements(status="ok", models={"model": ModelFacts(name="model", loaded=True, layers=rows)})


@pytest.mark.parametrize("layers, fraction", [
    ([("Flatten", 0), ("Dropout", 0.2), ("Dense", 8), ("Dropout", 0.2), ("Dense", 8), ("Dropout", 0.2), ("Dense", 10)], 1),
    ([("Flatten", 0), ("Dropout", 0.9), ("Dense", 8), ("Dropout", 0.9), ("Dense", 8), ("Dropout", 0.9), ("Dense", 10)], 0),
    ([("Flatten", 0), ("Dropout", 0.2), ("Dense", 8), ("Dropout", 0.2), ("Dense", 8), ("Dense", 10), ("Dropout", 0.2)], 0.5),
])
def test_dropout_structure(tmp_path, layers, fraction):
    exports, measured = _dropout_model(layers)
    ctx = _ctx("dropout", _exe("dropout", [], exports), tmp_path, measured)
    item = load_rubric("dropout").item("dropout_layers")
    assert REGISTRY["dropout_structure"](ctx, item).fraction == fraction


def test_structure_comes_from_the_grader_loaded_model_not_the_kernel_summary(tmp_path):
    exports, measured = _dropout_model([("Flatten", 0), ("Dense", 10)])
    exports["model"].data["layers"] = [{"class": "Dropout", "rate": 0.2}] * 3  # forged in-kernel summary
    ctx = _ctx("dropout", _exe("dropout", [], exports), tmp_path, measured)
    verdict = REGISTRY["dropout_structure"](ctx, load_rubric("dropout").item("dropout_layers"))
    assert verdict.fraction == 0 and "0 Dropout layer(s)" in verdict.message


def test_figures_without_data_and_analysis_without_measurements_earn_little(tmp_path):
    """Two rendered images with no recorded plot data are not learning curves; an analysis of a
    run with nothing measured cannot be checked against results (only its coverage counts)."""
    from harness.models import Figure

    exe = _exe("dropout", [], {})
    exe.cells = [Cell(index=0, cell_type="code", source="plot", status="ok"),
                 Cell(index=1, cell_type="markdown", source="word " * 50 + "overfitting accuracy 80%"),
                 Cell(index=2, cell_type="code", source="plot", status="ok")]
    exe.figures = [Figure(cell_index=0, path="a.png", sha256="x"), Figure(cell_index=2, path="b.png", sha256="y")]
    ctx = _ctx("dropout", exe, tmp_path)
    rubric = load_rubric("dropout")
    figures = REGISTRY["figures"](ctx, rubric.item("figures"))
    assert figures.fraction == 0 and "history.history" in figures.message
    verdict = REGISTRY["analysis"](ctx, rubric.item("analysis"))
    assert 0 < verdict.fraction < 0.5
    assert "could not be checked" in verdict.message
    assert "1 of 2 figure(s) have no comment" in verdict.message
