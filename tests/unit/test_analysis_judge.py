"""judge() and score(): verdicts per fact, the scoring policy, and hostile text.

The hostile inputs are bounded by construction (inputs capped before any work, linear
regexes with bounded repetitions, a fixed number of terms per sentence); the timeout
below is only a guard against a hang (catastrophic backtracking takes hours, not
seconds), not a speed target: speed is measured in tests/bench/test_analysis_bench.py.
"""

from __future__ import annotations

import pytest

from harness.analysis import extract_claims, facts_for, judge, score
from harness.analysis.judge import FULL_AT, PENALTY
from harness.analysis.normalize import MAX_ANALYSED_CHARS, MAX_SENTENCE_CHARS, clean, prepare

DROPOUT = {"accuracy": 0.8826, "train_accuracy": [0.80, 0.85, 0.871], "val_accuracy": [0.84, 0.87, 0.884],
           "accuracy_no_dropout": 0.8776, "train_accuracy_no_dropout": [0.85, 0.90, 0.944],
           "val_accuracy_no_dropout": [0.85, 0.87, 0.880]}
BROKEN = {"accuracy": 0.44, "train_accuracy": [0.11, 0.12, 0.126], "val_accuracy": [0.31, 0.40, 0.44]}
TRANSFER = {"accuracy_A": 0.9094, "accuracy_B": 0.9785, "accuracy_B_on_A": 0.98}


def verdicts(text, lab, measured):
    return {v.fact.id: v.verdict for v in judge(text, facts_for(lab, measured)).verdicts}


def test_the_measured_failures_of_the_old_check():
    # "no overfitting at all ... generalises better" on a run that learned nothing
    got = verdicts("There is no overfitting at all: the validation accuracy is much higher than the training accuracy. "
                   "The network generalises better than a model without regularisation would.", "dropout", BROKEN)
    assert got["fit_state"] == "contradicts"
    # a Korean number that was never checked
    assert verdicts("검증 정확도는 약 88%였다.", "dropout", BROKEN)["accuracy"] == "contradicts"
    assert verdicts("검증 정확도는 약 88%였다.", "dropout", DROPOUT)["accuracy"] == "agrees"
    # the book's "factor of 4.9" on a 1.1x run
    got = verdicts("The error rate dropped by a factor of 4.9!", "fashion-transfer", TRANSFER)
    assert got["error_reduction"] == "contradicts"
    # the same number attributed to the book is neither credited nor held against the student
    got = verdicts("The book reports a factor of 4.9, but my run cut the error rate only by about 1.1x.",
                   "fashion-transfer", TRANSFER)
    assert got["error_reduction"] == "agrees"


def test_tutorial_prose_earns_no_result_facts():
    prose = ("Dropout is one of the most popular regularization techniques for deep neural networks. At every "
             "training step, every neuron has a probability p of being temporarily dropped out. The hyperparameter "
             "p is called the dropout rate, and it is typically set between 10% and 50%. Neurons trained with "
             "dropout cannot co-adapt with their neighbors, so dropout usually reduces overfitting. ") * 12
    j = judge(prose, facts_for("dropout", DROPOUT))
    assert j.coverage == 0 and score(j, "full").fraction == 0


def test_score_policy_full_and_quick():
    text = "Validation accuracy 88.4%, training accuracy 87.1%. The model with dropout overfits badly."
    j = judge(text, facts_for("dropout", DROPOUT))
    by = j.by_id()
    assert by["accuracy"].verdict == "agrees" and by["fit_state"].verdict == "contradicts"
    full, quick = score(j, "full"), score(j, "quick")
    possible = full.possible
    assert full.fraction == pytest.approx(min(1, (2 - PENALTY) / (FULL_AT * possible)), abs=1e-3)
    assert quick.fraction == pytest.approx(min(1, 3 / (FULL_AT * possible)), abs=1e-3)
    assert full.contradicted == ["fit_state"] and "fit_state" not in full.missing
    assert "Does not match" in full.message and "not penalised" in quick.message
    with pytest.raises(ValueError, match="mode must be one of"):
        score(j, "fast")


def test_judgement_exposes_spans_for_the_instructor():
    j = judge("## Results\n\nThe validation accuracy was 88.4% after the last epoch.", facts_for("dropout", DROPOUT))
    v = j.by_id()["accuracy"]
    c = v.claims[0]
    assert j.text[c.start:c.end].strip() == c.text and "88.4%" in c.text
    d = j.to_dict()
    assert d["facts"][0]["id"] == "accuracy" and d["facts"][0]["quotes"]


def test_no_facts_and_empty_text():
    j = judge("", facts_for("dropout", DROPOUT))
    assert j.coverage == 0 and j.agreement is None and score(j).fraction == 0
    assert "Nothing was measured" in score(judge("anything", [])).message


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    "1" * 100_000,
    "%" * 200_000,
    "1% " * 40_000,
    "(" * 50_000 + ")" * 50_000,
    "<script>var accuracy = '99%';</script>" * 5_000 + "<script>" * 10_000,
    "a\u200bc\u200bc\u200bu\u200br\u200ba\u200bc\u200by 88% " * 20_000,
    "SGD보다 Adam이 빠르다 과대적합은 없었다 " * 20_000,
    ("Adam converged fastest and reached 89.2% accuracy after 10 epochs. " * 16_000),
    ".:;," * 100_000 + "e" * 100_000 + "1e" * 50_000,
    "\x00\x01\x02" * 50_000 + "\ud7a3" * 50_000,
])
def test_hostile_text_is_bounded_and_never_crashes(text):
    for lab, measured in (("dropout", DROPOUT), ("fashion-transfer", TRANSFER)):
        j = judge(text, facts_for(lab, measured))
        assert len(j.text) <= MAX_ANALYSED_CHARS + 2 * MAX_ANALYSED_CHARS // MAX_SENTENCE_CHARS + 2
        assert 0 <= j.coverage <= 1


def test_caps_and_cleaning():
    cleaned, truncated = clean("x" * (3 * MAX_ANALYSED_CHARS))
    assert truncated and len(cleaned) == MAX_ANALYSED_CHARS
    cleaned, _ = clean("<script>alert('accuracy 99%')</script><b>검증 정확도는</b> ８８％<!-- 99% -->이다\u200b.")
    assert cleaned.strip() == "검증 정확도는 88%이다."
    assert all(len(prepare("word " * 5000).text.split("\n")[i]) <= MAX_SENTENCE_CHARS for i in range(3))
    (c,) = [c for c in extract_claims("검증 정확도는 ８８．４％였다.", lab="dropout").claims if c.kind == "number"]
    assert c.value == pytest.approx(0.884)


def test_non_string_input_is_read_as_text():
    assert judge(None, facts_for("dropout", DROPOUT)).coverage == 0


def test_a_learning_rate_said_to_be_the_last_is_checked_against_the_last_epoch():
    lr = {"exponential": [0.01 * 0.1 ** (e / 20) for e in range(25)]}
    facts = facts_for("lr-schedules", {"learning_rate": lr})
    got = {v.fact.id: v.verdict for v in judge("Exponential scheduling fell to 0.0063 at the end of training.",
                                               facts).verdicts}
    assert got["shape_exponential"] == "contradicts"
    got = {v.fact.id: v.verdict for v in judge("Exponential scheduling fell to 0.00063 at the end of training.",
                                               facts).verdicts}
    assert got["shape_exponential"] == "agrees"
