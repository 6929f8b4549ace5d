"""facts_for: the facts each lab's analysis must address, and the thresholds of derived facts."""

from __future__ import annotations

import pytest

from harness.analysis.derived import TRANSFER_ACCEPT, fit_state, lr_shape
from harness.analysis.facts import LABS, MEASURED_KEYS, facts_for

CURVE = [0.80, 0.85, 0.87, 0.88, 0.885]
OFFSETS = (("sgd", 0.06), ("momentum", 0.005), ("nesterov", 0.004), ("adagrad", 0.05), ("rmsprop", 0.01),
           ("adam", 0.0), ("adamax", 0.002), ("nadam", 0.003))
OPT = {k: [v - d for v in CURVE] for k, d in OFFSETS}


def ids(lab, measured):
    return [f.id for f in facts_for(lab, measured)]


def test_every_lab_documents_its_measured_keys():
    assert set(MEASURED_KEYS) == set(LABS)


def test_resnet50():
    facts = {f.id: f for f in facts_for("resnet50-top3", {
        "top3": [["n1", "tabby", 0.568], ["n2", "Egyptian_cat", 0.222], ["n3", "tiger_cat", 0.061]],
        "model_per_call": True, "first_call_s": 4.3, "second_call_s": 3.9})}
    assert list(facts) == ["top3_labels", "top3_probabilities", "preprocessing", "second_call"]
    assert facts["top3_labels"].value == ["tabby", "Egyptian_cat", "tiger_cat"]
    assert facts["top3_probabilities"].value == {"tabby": 0.568, "Egyptian_cat": 0.222, "tiger_cat": 0.061}
    assert facts["second_call"].value == "per_call" and "3.90 s" in facts["second_call"].sentence
    assert facts["preprocessing"].weight == 0.5 and not facts["preprocessing"].needs_grounding
    assert ids("resnet50-top3", {}) == ["preprocessing"]


def test_fashion_transfer_error_reduction_and_effect():
    facts = {f.id: f for f in facts_for("fashion-transfer", {"accuracy_A": 0.907, "accuracy_B": 0.973,
                                                             "accuracy_B_on_A": 0.9825, "val_accuracy_B": 0.97})}
    assert facts["error_reduction"].value == pytest.approx(0.027 / 0.0175)
    assert facts["accuracy_B"].params["alternatives"] == [0.97] and facts["accuracy_B"].subject == "B"
    assert set(facts["transfer_effect"].params["accept"]) == {"gain_slight", "gain"}
    barely = {f.id: f for f in facts_for("fashion-transfer", {"accuracy_B": 0.9785, "accuracy_B_on_A": 0.98})}
    assert set(barely["transfer_effect"].params["accept"]) == {"no_gain", "gain_slight"}
    assert "4x" not in barely["error_reduction"].sentence and "1.07x" in barely["error_reduction"].sentence
    hurt = facts_for("fashion-transfer", {"accuracy_B": 0.978, "accuracy_B_on_A": 0.977})
    assert set(hurt[-2].params["accept"]) == {"hurt", "no_gain"}
    assert ids("fashion-transfer", {"accuracy_A": 0.9}) == ["accuracy_A"]


@pytest.mark.parametrize("f, accepted", [(0.9, {"hurt", "no_gain"}), (1.1, {"no_gain", "gain_slight"}),
                                         (1.5, {"gain_slight", "gain"}), (4.0, {"gain", "gain_big"})])
def test_transfer_thresholds(f, accepted):
    assert {k for k, (lo, hi) in TRANSFER_ACCEPT.items() if lo <= f < hi} == accepted


def test_cats_dogs():
    facts = {f.id: f for f in facts_for("cats-dogs", {"val_accuracy": [0.88, 0.93, 0.95],
                                                      "train_accuracy": [0.8, 0.9, 0.94], "sample_label": "dog"})}
    assert list(facts) == ["val_accuracy_first", "val_accuracy_last", "fit_state", "sample_prediction",
                           "preprocessing_match"]
    assert (facts["val_accuracy_first"].value, facts["val_accuracy_first"].epoch) == (0.88, "first")
    assert (facts["val_accuracy_last"].value, facts["val_accuracy_last"].params["epochs"]) == (0.95, 3)
    assert facts["fit_state"].value == "good fit"


@pytest.mark.parametrize("train, val, loss, lab, state, accepts, rejects", [
    (0.871, 0.884, None, "dropout", "good fit", {"no_overfit", "good_fit", "no_underfit"}, {"overfit", "underfit"}),
    (0.944, 0.880, None, "dropout", "overfitting", {"overfit", "overfit_strong", "overfit_slight"}, {"no_overfit"}),
    (0.900, 0.880, None, "dropout", "good fit", {"no_overfit", "overfit_slight", "good_fit"}, {"overfit"}),
    (0.126, 0.440, None, "dropout", "underfitting", {"no_overfit", "underfit"}, {"good_fit", "no_underfit"}),
    (0.950, 0.935, [0.3, 0.2, 0.25, 0.3], "cats-dogs", "overfitting", {"overfit", "overfit_slight"}, {"no_overfit"}),
    (0.700, 0.750, None, "cats-dogs", "underfitting", {"underfit"}, {"good_fit"}),
])
def test_fit_state_thresholds(train, val, loss, lab, state, accepts, rejects):
    got, accept = fit_state(train, val, lab=lab, val_loss=loss)
    assert got == state and accepts <= set(accept) and not rejects & set(accept)


def test_optimizers_rankings_and_sgd():
    facts = {f.id: f for f in facts_for("optimizers", {"val_accuracy": OPT})}
    assert list(facts) == ["fastest", "best_final", "sgd_vs_adaptive", "final_accuracies"]
    assert facts["best_final"].value[0] == "adam" and "sgd" not in facts["best_final"].value
    assert set(facts["best_final"].value) <= {"adam", "adamax", "nadam", "nesterov", "momentum"}
    assert facts["sgd_vs_adaptive"].value == "worse"
    assert facts["final_accuracies"].value["sgd"] == pytest.approx(0.825)
    with pytest.raises(ValueError, match="canonical names"):
        facts_for("optimizers", {"val_accuracy": {"Adam (lr=1e-3)": CURVE}})
    assert facts_for("optimizers", {}) == []


@pytest.mark.parametrize("lr, shape", [
    ([0.01] * 10, "constant"),
    ([0.01 * 0.1 ** (e / 20) for e in range(25)], "decreasing_smooth"),
    ([0.01] * 5 + [0.005] * 10 + [0.001] * 10, "decreasing_steps"),
    ([0.005, 0.02, 0.035, 0.05, 0.035, 0.02, 0.005, 0.0005], "up_down"),
    ([0.001, 0.002, 0.004], "increasing"),
])
def test_learning_rate_shapes(lr, shape):
    assert lr_shape(lr) == shape


def test_lr_schedules():
    lrs = {"power": [0.01 / (1 + e / 5) for e in range(10)], "1cycle": [0.005, 0.03, 0.05, 0.03, 0.005, 0.0005]}
    facts = {f.id: f for f in facts_for("lr-schedules", {"learning_rate": lrs,
                                                         "val_accuracy": {"power": CURVE, "1cycle": CURVE[::-1]}})}
    assert list(facts) == ["shape_power", "shape_1cycle", "best_final", "final_accuracies", "onecycle_concept"]
    assert facts["shape_1cycle"].value == "up_down" and "up_down" in facts["shape_1cycle"].params["agree"]
    assert facts["best_final"].value == ["power"]


def test_dropout_with_and_without_the_no_dropout_run():
    base = {"accuracy": 0.8826, "train_accuracy": [0.85, 0.871], "val_accuracy": [0.87, 0.884]}
    assert ids("dropout", base) == ["accuracy", "train_accuracy", "fit_state"]
    full = {**base, "accuracy_no_dropout": 0.8776, "train_accuracy_no_dropout": [0.9, 0.944],
            "val_accuracy_no_dropout": [0.87, 0.880]}
    facts = {f.id: f for f in facts_for("dropout", full)}
    assert facts["vs_no_dropout"].value == "narrowed the gap"
    assert set(facts["vs_no_dropout"].params["accept"]) == {"gain", "gain_big"}
    assert facts["accuracy"].params["alternatives"] == [0.884]


@pytest.mark.parametrize("lab, measured, match", [
    ("nope", {}, "unknown lab"),
    ("dropout", {"accuracy": "high"}, "measured\\['accuracy'\\]"),
    ("dropout", {"accuracy": 1.5}, "in \\[0, 1\\]"),
    ("dropout", {"val_accuracy": [0.8, float("nan")]}, "list of numbers"),
    ("cats-dogs", {"sample_label": "horse"}, "'dog' or 'cat'"),
    ("resnet50-top3", {"top3": [["tabby"]]}, "label, probability"),
    ("resnet50-top3", {"model_per_call": "yes"}, "true or false"),
])
def test_bad_measurements_are_named_in_the_error(lab, measured, match):
    with pytest.raises(ValueError, match=match):
        facts_for(lab, measured)
