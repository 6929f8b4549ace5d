"""The `analysis` check: a written analysis judged against the grader's own measurements of the run.

A dropout run is built with a verified history (train 83.5%, validation 83.0%: a tiny gap)
and a held-out accuracy the grader measured (83%). English and Korean analyses of it are
graded: correct ones score high, a wrong number or a wrong fit state is a named
contradiction, and nothing the student printed or exported unverified is ever used as the
measurement.
"""

from __future__ import annotations

import pytest


from harness.checks import REGISTRY
from harness.i18n import render
from harness.checks.analysis import FIGURE_DISCUSSION, SUBSTANCE, measured_for
from harness.models import Cell, Measurements, Metric, ModelEvidence
from tests.fixtures.grading_data import (context, execution, figure, fit, history, history_export, item, line,
                                         model_export)

TRAIN = [0.78, 0.81, 0.82, 0.83, 0.835]
VAL = [0.80, 0.815, 0.82, 0.825, 0.83]
LOSS = [0.62, 0.52, 0.49, 0.47, 0.46]
VAL_LOSS = [0.55, 0.50, 0.48, 0.47, 0.465]
HELDOUT = 0.83

EN_OK = ("## Results\n\nThe model reached 83% accuracy on the held-out test set. The final training accuracy was "
         "83.5%, almost the same as the validation accuracy of 83%, so there is no overfitting.")
EN_WRONG = ("## Results\n\nThe model reached 95% accuracy on the held-out test set. The final training accuracy was "
            "83.5%, so there is no overfitting.")
EN_OVERFIT = ("## Results\n\nThe model reached 83% accuracy on the held-out test set. The final training accuracy "
              "was 83.5%. The model overfits badly: this is severe overfitting.")
KO_OK = "## 결과 분석\n\n검증 정확도는 약 83%이며 과대적합은 거의 없습니다. 훈련 정확도는 83.5%입니다."
KO_WRONG = "## 결과 분석\n\n검증 정확도는 약 95%이며 과대적합은 거의 없습니다. 훈련 정확도는 83.5%입니다."
KO_OVERFIT = "## 결과 분석\n\n검증 정확도는 약 83%입니다. 훈련 정확도는 83.5%입니다. 모델이 심하게 과대적합되었습니다."

SUBSTANCE_ONLY = item("analysis", per_figure_words=0)


def _trusted(value=HELDOUT, *, status="consistent", trained=True) -> Measurements:
    return Measurements(status="ok", metrics={"model:fashion10": Metric(value=value, n=5000)},
                        evidence={"model": ModelEvidence(name="model", status=status, trained=trained)})


def _dropout(tmp_path, text="", *, train=TRAIN, val=VAL, measurements=None, quick=False, channel="ok",
             exported_history=None, cells=None, figures=(), stdout=""):
    run = fit("m", 1, accuracy=train, val_accuracy=val, loss=LOSS, val_loss=VAL_LOSS)
    exports = {"model": model_export("model", "m"),
               "history": history_export("history", exported_history or history(run))}
    exe = execution("dropout", trace=[run], exports=exports, quick=quick, channel=channel, figures=figures,
                    cells=cells if cells is not None else [Cell(index=0, cell_type="markdown", source=text)])
    exe.stdout = stdout
    return context("dropout", exe, tmp_path, measurements=measurements if measurements is not None else _trusted())


def _grade(ctx, it=SUBSTANCE_ONLY):
    return REGISTRY["analysis"](ctx, it)


def _verdicts(verdict) -> dict[str, str]:
    return {f["id"]: f["verdict"] for f in verdict.evidence["analysis"]["facts"]}


# ---- the measurements the analysis is compared with -------------------------------------------------

def test_measured_for_reads_the_grader_measurement_and_the_verified_history(tmp_path):
    measured = measured_for(_dropout(tmp_path))
    assert measured == {"accuracy": HELDOUT, "val_accuracy": VAL, "train_accuracy": TRAIN, "val_loss": VAL_LOSS}


def test_numbers_the_student_printed_or_exported_unverified_are_never_the_measurement(tmp_path):
    """A printed 'Test accuracy: 0.95' and a hand-written history of 95% are not measurements."""
    forged = {"loss": LOSS, "accuracy": [0.9, 0.92, 0.94, 0.95, 0.95], "val_accuracy": [0.9, 0.93, 0.94, 0.95, 0.95]}
    printed = [Cell(index=0, cell_type="code", source="print(acc)", output="Test accuracy: 0.95\n"),
               Cell(index=1, cell_type="markdown", source="The model reached 95% accuracy on the held-out test set.")]
    ctx = _dropout(tmp_path, exported_history=forged, cells=printed, stdout="Test accuracy: 0.95\n")
    assert measured_for(ctx) == {"accuracy": HELDOUT}
    verdict = _grade(ctx)
    assert _verdicts(verdict) == {"accuracy": "contradicts"}
    assert verdict.evidence["measured"] == {"accuracy": HELDOUT}


@pytest.mark.parametrize("status, trained", [("inconsistent", True), ("unverified", True), ("consistent", False),
                                             ("untraced", False)])
def test_a_held_out_value_without_trustworthy_evidence_is_not_used(tmp_path, status, trained):
    measured = measured_for(_dropout(tmp_path, measurements=_trusted(status=status, trained=trained)))
    assert "accuracy" not in measured and measured["val_accuracy"] == VAL


def test_an_untrusted_trace_channel_verifies_no_history(tmp_path):
    measured = measured_for(_dropout(tmp_path, channel="unauthenticated"))
    assert measured == {"accuracy": HELDOUT}


# ---- English ---------------------------------------------------------------------------------------

def test_a_correct_english_analysis_scores_full(tmp_path):
    verdict = _grade(_dropout(tmp_path, EN_OK))
    assert verdict.fraction == 1.0, verdict.message
    assert _verdicts(verdict) == {"accuracy": "agrees", "train_accuracy": "agrees", "fit_state": "agrees"}
    assert verdict.evidence["contradicted"] == [] and verdict.evidence["analysis"]["lang"] == "en"


def test_a_wrong_english_number_is_a_named_contradiction(tmp_path):
    good, bad = _grade(_dropout(tmp_path, EN_OK)), _grade(_dropout(tmp_path, EN_WRONG))
    assert bad.fraction < good.fraction - 0.3
    assert bad.evidence["contradicted"] == ["accuracy"]
    assert "Does not match the grader's measurement" in bad.message
    assert "95%" in bad.message and "0.830" in bad.message  # the student's words and what was measured


def test_a_wrong_held_out_number_is_not_masked_by_a_right_validation_number(tmp_path):
    text = EN_OK.replace("reached 83% accuracy", "reached 95% accuracy")
    assert _verdicts(_grade(_dropout(tmp_path, text)))["accuracy"] == "contradicts"


def test_a_number_within_tolerance_is_not_a_contradiction(tmp_path):
    """The grader's re-run differs from the student's by a few images: 84% for a measured 83% agrees."""
    verdict = _grade(_dropout(tmp_path, EN_OK.replace("reached 83% accuracy", "reached 84% accuracy")))
    assert _verdicts(verdict)["accuracy"] == "agrees"


def test_claiming_overfitting_on_a_tiny_gap_is_penalised(tmp_path):
    good, bad = _grade(_dropout(tmp_path, EN_OK)), _grade(_dropout(tmp_path, EN_OVERFIT))
    assert _verdicts(bad)["fit_state"] == "contradicts" and bad.evidence["contradicted"] == ["fit_state"]
    assert bad.fraction < good.fraction - 0.3
    assert "overfits badly" in bad.message and "gap +0.005" in bad.message


# ---- Korean ----------------------------------------------------------------------------------------

def test_a_correct_korean_analysis_is_judged_like_an_english_one(tmp_path):
    verdict = _grade(_dropout(tmp_path, KO_OK))
    assert verdict.evidence["analysis"]["lang"] == "ko"
    assert _verdicts(verdict) == {"accuracy": "agrees", "train_accuracy": "agrees", "fit_state": "agrees"}
    assert verdict.fraction == 1.0


def test_a_wrong_korean_number_is_caught(tmp_path):
    good, bad = _grade(_dropout(tmp_path, KO_OK)), _grade(_dropout(tmp_path, KO_WRONG))
    assert _verdicts(bad)["accuracy"] == "contradicts"
    assert bad.fraction < good.fraction - 0.3
    assert "검증 정확도는 약 95%" in bad.message


def test_a_korean_claim_of_strong_overfitting_on_a_tiny_gap_is_penalised(tmp_path):
    verdict = _grade(_dropout(tmp_path, KO_OVERFIT))
    assert _verdicts(verdict)["fit_state"] == "contradicts"
    assert "심하게 과대적합" in verdict.message and verdict.fraction < 0.7


def test_a_korean_training_accuracy_compared_with_validation_is_read_as_training(tmp_path):
    train, val = [0.80, 0.88, 0.92, 0.94, 0.95], [0.80, 0.82, 0.83, 0.83, 0.83]
    text = "## 결과 분석\n\n훈련 정확도는 95%로 검증 정확도보다 12%p 높아 과대적합이 뚜렷합니다."
    verdict = _grade(_dropout(tmp_path, text, train=train, val=val))
    # the English sentence with the same content: accuracy not addressed, training accuracy agrees
    assert _verdicts(verdict) == {"accuracy": "not_addressed", "train_accuracy": "agrees", "fit_state": "agrees"}


# ---- quick mode and decisive fit states ------------------------------------------------------------

def test_quick_mode_reports_a_borderline_contradiction_without_penalty(tmp_path):
    """The quick re-run trains on less data: a fit state near the thresholds may differ, so it costs nothing."""
    full, quick = _grade(_dropout(tmp_path, EN_OVERFIT)), _grade(_dropout(tmp_path, EN_OVERFIT, quick=True))
    assert quick.fraction > full.fraction
    assert "(not penalised)" in quick.message and "Does not match" not in quick.message


def test_quick_mode_still_penalises_denying_a_decisive_overfit(tmp_path):
    """A gap of 0.19 (>= DECISIVE_GAP) holds on any re-run: denying it costs points in quick mode too."""
    train, val = [0.85, 0.92, 0.96, 0.98, 0.99], [0.82, 0.81, 0.80, 0.80, 0.80]
    text = ("## Results\n\nThe model reached 80% accuracy on the held-out test set and the final training accuracy "
            "was 99%. The model does not overfit.")
    verdict = _grade(_dropout(tmp_path, text, train=train, val=val, measurements=_trusted(0.80), quick=True))
    assert _verdicts(verdict)["fit_state"] == "contradicts"
    assert "Does not match the grader's measurement" in verdict.message and "(not penalised)" not in verdict.message
    honest = _grade(_dropout(tmp_path, text.replace("The model does not overfit.", "The model clearly overfits."),
                             train=train, val=val, measurements=_trusted(0.80), quick=True))
    assert verdict.fraction < honest.fraction


# ---- nothing measured, malformed measurements, figures ----------------------------------------------

def test_nothing_measured_gives_the_explanatory_message(tmp_path):
    exe = execution("dropout", cells=[Cell(index=0, cell_type="markdown", source=EN_OK)])
    verdict = _grade(context("dropout", exe, tmp_path))
    assert verdict.fraction == 0.0
    assert render(verdict.message, "en") == ("Nothing was measured for this run, so the analysis could not be "
                                             "checked against results.")
    assert verdict.evidence["measured"] == {}


def test_a_measurement_of_an_impossible_value_is_reported_not_a_crash(tmp_path):
    verdict = _grade(_dropout(tmp_path, EN_OK, measurements=_trusted(1.5)))
    assert verdict.evidence["measured"]["problem"].startswith("measured['accuracy'] must be a finite number in [0, 1]")
    assert verdict.fraction == 0.0


def test_every_figure_with_data_needs_a_comment_after_it(tmp_path):
    cells = [Cell(index=0, cell_type="code", source="plot"), Cell(index=1, cell_type="markdown", source=EN_OK),
             Cell(index=2, cell_type="code", source="plot")]
    figs = [figure({"lines": [line(VAL)]}, cell_index=0), figure({"lines": [line(LOSS)]}, cell_index=2),
            figure({}, cell_index=2)]
    verdict = _grade(_dropout(tmp_path, cells=cells, figures=figs), item("analysis", per_figure_words=10))
    assert verdict.evidence["figures"] == 2 and verdict.evidence["figures_commented"] == 1
    assert "1 of 2 figure(s) have no comment of at least 10 words" in verdict.message
    assert verdict.fraction == pytest.approx(SUBSTANCE * 1.0 + FIGURE_DISCUSSION * 0.5)


# ---- other labs: what is trusted ---------------------------------------------------------------------

def test_fashion_transfer_uses_only_trained_consistent_models(tmp_path):
    evidence = {n: ModelEvidence(name=n, status="consistent", trained=True) for n in ("model_A", "model_B_on_A")}
    evidence["model_B"] = ModelEvidence(name="model_B", status="consistent", trained=False)
    measurements = Measurements(status="ok", evidence=evidence, metrics={
        "model_A:A": Metric(value=0.92), "model_B:B": Metric(value=0.97), "model_B_on_A:B": Metric(value=0.985)})
    ctx = context("fashion-transfer", execution("fashion-transfer"), tmp_path, measurements=measurements)
    assert measured_for(ctx) == {"accuracy_A": 0.92, "accuracy_B_on_A": 0.985}


def test_optimizers_and_schedules_use_only_verified_histories(tmp_path):
    sgd = fit("s", 1, lrs=[0.01, 0.008, 0.006], loss=[1.0, 0.8, 0.7], val_accuracy=[0.70, 0.75, 0.78])
    adam = fit("a", 2, lrs=[0.01, 0.01, 0.005], loss=[0.8, 0.6, 0.5], val_accuracy=[0.80, 0.84, 0.86])
    forged = {"loss": [0.5, 0.4, 0.3], "val_accuracy": [0.9, 0.95, 0.99]}
    exports = {"histories": history_export("histories", {"SGD": history(sgd), "Adam": history(adam),
                                                         "RMSProp": forged})}
    ctx = context("optimizers", execution("optimizers", trace=[sgd, adam], exports=exports), tmp_path)
    assert measured_for(ctx) == {"val_accuracy": {"sgd": [0.70, 0.75, 0.78], "adam": [0.80, 0.84, 0.86]}}
    power = fit("p", 1, lrs=[0.01, 0.008, 0.006], loss=[1.0, 0.8, 0.7], val_accuracy=[0.70, 0.75, 0.78])
    exports = {"histories": history_export("histories", {"power": history(power)})}
    ctx = context("lr-schedules", execution("lr-schedules", trace=[power], exports=exports), tmp_path)
    assert measured_for(ctx) == {"val_accuracy": {"power": [0.70, 0.75, 0.78]},
                                 "learning_rate": {"power": [0.01, 0.008, 0.006]}}
