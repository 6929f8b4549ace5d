"""The claim extractor, one phrasing class at a time: Korean particles, negation, percent forms, comparisons."""

from __future__ import annotations

import pytest

from harness.analysis import lexicon
from harness.analysis.claims import detect_language, extract_claims
from harness.analysis.normalize import Sentence
from harness.analysis.numbers import scan
from harness.analysis.sentence import build_context


def numbers(text: str, lab: str | None = None):
    return [c for c in extract_claims(text, lab=lab).claims if c.kind == "number"]


def kinds(text: str, kind: str, lab: str | None = None):
    return [c for c in extract_claims(text, lab=lab).claims if c.kind == kind]


@pytest.mark.parametrize("text, value", [
    ("검증 정확도는 88%였다.", 0.88), ("검증 정확도가 88.4%로 가장 높았다.", 0.884), ("검증 정확도를 0.88까지 올렸다.", 0.88),
    ("검증 정확도는 약 88 %였다.", 0.88), ("검증 정확도는 88퍼센트였다.", 0.88), ("검증 정확도는 ８８％였다.", 0.88),
    ("validation accuracy reached 88%.", 0.88), ("val_accuracy: 0.884", 0.884),
    ("The accuracy was 88.4 on validation.", 0.884),
])
def test_percent_and_fraction_forms_with_korean_particles(text, value):
    (c,) = numbers(text, "cats-dogs")
    assert c.key == "accuracy" and c.split == "val" and c.value == pytest.approx(value)


def test_metrics_in_both_languages():
    keys = [c.key for c in numbers("손실은 0.25, 오차율은 2.7%, 학습률은 0.001, 확률은 0.57이었다.")]
    assert keys == ["loss", "error_rate", "lr", "probability"]
    keys = [c.key for c in numbers("loss 0.25, error rate 2.7%, learning rate 1e-3, probability 0.57.")]
    assert keys == ["loss", "error_rate", "lr", "probability"]


def test_number_units():
    units = [(n.unit, round(n.value, 4)) for n in scan("1.45%p, 4.9x, 4배, 네 배, a factor of four, 3.87 s, 1.12초, "
                                                       "10 epochs, 200 images, 1e-3")]
    assert units == [("pp", 0.0145), ("ratio", 4.9), ("ratio", 4.0), ("ratio", 4.0), ("ratio", 4.0), ("sec", 3.87),
                     ("sec", 1.12), ("epoch", 10.0), ("count", 200.0), ("sci", 0.001)]
    assert scan("ResNet50 1cycle 224x224 model_B2") == []


def test_split_and_epoch_attribution():
    cs = numbers("첫 에포크 후 검증 정확도는 88.4%였고, 마지막 에포크에서는 94.8%였다. 훈련 정확도는 93.7%였다.", "cats-dogs")
    assert [(c.value, c.split, c.epoch) for c in cs] == [(0.884, "val", "first"), (0.948, "val", "last"),
                                                         (0.937, "train", None)]
    cs = numbers("The validation accuracy went from 90% after the first epoch to 92.7% after the last one.",
                 "cats-dogs")
    assert [c.epoch for c in cs] == ["first", "last"]
    cs = numbers("- 1 에포크 후 검증 정확도: 81.2%\n- 10 에포크 후 검증 정확도: 98.4%", "cats-dogs")
    assert [c.epoch for c in cs] == ["1", "10"]


def test_subject_attribution_models_optimizers_schedules():
    cs = numbers("A는 90.7%, B는 97.3%, B_on_A는 98.25%의 정확도를 보였다.", "fashion-transfer")
    assert [(c.subject, c.key) for c in cs] == [("A", "accuracy"), ("B", "accuracy"), ("B_on_A", "accuracy")]
    cs = numbers("The accuracy was 88% for Adam and 86.5% for SGD.", "optimizers")
    assert [c.subject for c in cs] == ["adam", "sgd"]
    cs = numbers("아담(Adam)은 89.2%, 나담은 88.5%였고 확률적 경사 하강법은 86.5%였다.", "optimizers")
    assert [c.subject for c in cs] == ["adam", "nadam", "sgd"]
    cs = numbers("1사이클 스케줄링은 학습률이 0.005에서 0.05까지 올라갔다.", "lr-schedules")
    assert {(c.subject, c.key) for c in cs} == {("1cycle", "lr")}


def test_table_rows_take_meaning_from_the_header():
    cs = numbers("| 옵티마이저 | 최종 검증 정확도 |\n|---|---|\n| SGD | 86.5% |\n| Adam | 89.2% |", "optimizers")
    assert [(c.subject, c.key, c.split, c.epoch) for c in cs] == [("sgd", "accuracy", "val", "last"),
                                                                   ("adam", "accuracy", "val", "last")]


@pytest.mark.parametrize("text, key, negated", [
    ("There is no overfitting.", "overfit", True), ("The model did not overfit.", "overfit", True),
    ("Overfitting did not occur in my run.", "overfit", True), ("The model overfits after epoch 4.", "overfit", False),
    ("과대적합은 나타나지 않았다.", "overfit", True), ("과적합이 없었다.", "overfit", True), ("과대적합이 발생했다.", "overfit", False),
    ("과소적합이라고 보기는 어렵다고 판단했다.", "underfit", True), ("과대적합은 아니었다.", "overfit", True),
    ("오버피팅이 확인되었다.", "overfit", False), ("언더피팅은 못 봤다.", "underfit", True),
])
def test_stances_with_negation(text, key, negated):
    (c,) = kinds(text, "stance", "dropout")
    assert (c.key, c.negated) == (key, negated)


def test_negation_inside_a_subject_name_is_not_a_negation():
    (c,) = kinds("드롭아웃을 사용하지 않은 모델은 과대적합이 뚜렷했다.", "stance", "dropout")
    assert c.subject == "no_dropout" and not c.negated
    (c,) = kinds("Without dropout the model overfitted badly.", "stance", "dropout")
    assert c.subject == "no_dropout" and not c.negated and c.degree == "strong"


def test_degree_and_good_fit():
    (c,) = kinds("The model overfits slightly after epoch 4.", "stance", "cats-dogs")
    assert c.degree == "slight"
    (c,) = kinds("검증 곡선을 보면 모델이 잘 일반화되었다.", "stance", "cats-dogs")
    assert c.key == "good_fit" and c.grounded


def test_reducing_overfitting_is_an_effect_not_a_stance():
    cs = extract_claims("드롭아웃을 넣으니 과대적합이 줄었다.", lab="dropout").claims
    assert [(c.kind, c.key, c.subject) for c in cs] == [("effect", "gain", "dropout")]
    (c,) = extract_claims("Dropout made overfitting worse.", lab="dropout").claims
    assert (c.kind, c.key) == ("effect", "hurt")


@pytest.mark.parametrize("text, subject, key", [
    ("Nadam converged fastest.", "nadam", "speed_best"), ("Nadam이 가장 빠르게 수렴했다.", "nadam", "speed_best"),
    ("The fastest was Nadam.", "nadam", "speed_best"), ("Adam이 최종 정확도가 가장 높았다.", "adam", "final_best"),
    ("SGD was the slowest.", "sgd", "speed_worst"), ("수렴은 SGD가 가장 느렸다.", "sgd", "speed_worst"),
    ("Adam ended best.", "adam", "final_best"), ("Nadam was best in the first epochs.", "nadam", "speed_best"),
])
def test_rankings(text, subject, key):
    (c,) = kinds(text, "rank", "optimizers")
    assert (c.subject, c.key) == (subject, key)


def test_coordinated_subjects_share_a_ranking():
    assert {c.subject for c in kinds("Nadam and Adam converged fastest.", "rank", "optimizers")} == {"nadam", "adam"}
    assert {c.subject for c in kinds("Nadam과 Adam이 가장 빠르게 수렴했다.", "rank", "optimizers")} == {"nadam", "adam"}


@pytest.mark.parametrize("text, left, right, key", [
    ("Adam converged faster than SGD.", "adam", "sgd", "speed_more"),
    ("SGD는 적응형 옵티마이저들보다 훨씬 느리게 수렴했다.", "sgd", "adaptive", "speed_less"),
    ("적응형 옵티마이저들이 SGD보다 확실히 높았다.", "adaptive", "sgd", "final_more"),
    ("SGD ended lower than the other optimizers.", "sgd", "others", "final_less"),
])
def test_comparisons(text, left, right, key):
    (c,) = kinds(text, "compare", "optimizers")
    assert (c.subject, c.other, c.key) == (left, right, key)


def test_ratio_claims_in_both_languages():
    for text in ("오차율이 약 1.7배 줄었다.", "the error rate dropped by a factor of 1.7", "errors were cut 1.7x"):
        (c,) = [c for c in numbers(text, "fashion-transfer") if c.key == "ratio"]
        assert c.value == pytest.approx(1.7)
    (c,) = [c for c in numbers("about 35% fewer errors", "fashion-transfer")]
    assert (c.key, c.value) == ("reduction", pytest.approx(0.35))
    pair = [c for c in numbers("오차율은 2.7%에서 1.75%로 줄었다.", "fashion-transfer") if c.key == "ratio"]
    assert pair[0].value == pytest.approx(2.7 / 1.75)


def test_the_lectures_numbers_examples_and_hypotheticals_are_flagged():
    (c,) = numbers("The lecture reports a 4x reduction.", "fashion-transfer")
    assert c.cited and not c.usable
    (c,) = numbers("강의에서는 오차율이 4배 줄었다고 했다.", "fashion-transfer")
    assert c.cited
    c = numbers("use a constant learning rate (e.g. 0.1 for 5 epochs).", "lr-schedules")[0]
    assert c.example
    cs = kinds("building the model once would make the second call fast.", "call", "resnet50-top3")
    assert cs and all(c.hypothetical and not c.usable for c in cs)
    (c,) = numbers("오차율로 계산하면 2.15%에서 2.00%로 약 1.08배 줄었다.", "fashion-transfer")[-1:]
    assert not c.hypothetical


@pytest.mark.parametrize("text, grounded", [
    ("Dropout is a regularisation technique that randomly drops neurons and reduces overfitting.", False),
    ("드롭아웃은 뉴런을 무작위로 끄는 규제 기법으로 과대적합을 줄인다.", False),
    ("1cycle increases the learning rate then decreases it.", False),
    ("Adam is usually the best choice.", False),
    ("In my run the 1cycle schedule went from 0.001 up to 0.01 and ended best at 88%.", True),
    ("드롭아웃을 적용하니 과대적합이 줄어들었다.", True),
    ("그래프를 보면 검증 손실이 계속 줄어든다.", True),
    ("The validation accuracy is higher than the training accuracy during the whole training.", True),
])
def test_grounding_separates_this_run_from_definitions(text, grounded):
    ctx = build_context(text, Sentence(0, len(text), "", "text", 0), lexicon.subjects(None), {}, {})
    assert ctx.grounded == grounded


def test_effects_and_their_degree():
    (c,) = kinds("Transfer learning helped only slightly.", "effect", "fashion-transfer")
    assert (c.subject, c.key, c.degree) == ("transfer", "gain", "slight")
    (c,) = kinds("전이 학습의 효과는 거의 없었다.", "effect", "fashion-transfer")
    assert c.key == "no_gain"
    (c,) = kinds("Transfer learning did not help.", "effect", "fashion-transfer")
    assert c.key == "no_gain"
    assert kinds("강의만큼은 아니지만 이번에는 그만큼 차이가 나지 않았다.", "effect", "fashion-transfer") == []


def test_learning_rate_shapes():
    (c,) = kinds("1cycle은 학습률이 0.05까지 올라갔다가 다시 내려갔다.", "shape", "lr-schedules")
    assert (c.subject, c.descriptors) == ("1cycle", ("up_down",))
    (c,) = kinds("Power scheduling did not change the learning rate at all: a flat line at 0.01.", "shape",
                 "lr-schedules")
    assert c.descriptors == ("constant",)
    (c,) = kinds("piecewise constant dropped it in two steps.", "shape", "lr-schedules")
    assert "constant" not in c.descriptors and "steps" in c.descriptors
    (c,) = kinds("exponential scheduling decreased it by a constant factor each epoch.", "shape", "lr-schedules")
    assert set(c.descriptors) == {"decrease", "smooth"}


def test_sample_prediction_and_which_preprocessing_it_used():
    cs = kinds("The dog picture was predicted as a cat because I divided the pixels by 255; with preprocess_input "
               "it was correctly predicted as a dog.", "prediction", "cats-dogs")
    assert [(c.key, c.unit) for c in cs] == [("cat", "div255"), ("dog", "trained")]
    (c,) = kinds("샘플 강아지 사진은 강아지로 정확하게 분류되었다.", "prediction", "cats-dogs")
    assert c.key == "dog"
    assert kinds("10개의 에포크 동안 개선되었다.", "prediction", "cats-dogs") == []


def test_call_cost():
    cs = kinds("classify()는 호출할 때마다 모델을 새로 만든다. 두 번째 호출도 3.9초 걸렸다.", "call", "resnet50-top3")
    assert [(c.key, c.value, c.other) for c in cs] == [("per_call", None, None), ("time", 3.9, "second")]
    (c,) = [c for c in kinds("I build the model once and reuse it.", "call", "resnet50-top3")][:1]
    assert c.key == "once"


def test_labels_are_dynamic_subjects():
    cs = extract_claims("1위는 tabby (56.8%), 2위는 이집트 고양이 (22.2%)였다.", lab="resnet50-top3",
                        labels=("tabby", "Egyptian_cat", "tiger_cat")).claims
    assert {c.key for c in cs if c.kind == "label"} == {"tabby", "Egyptian_cat"}
    probs = [(c.subject, c.value) for c in cs if c.kind == "number"]
    assert probs == [("label:tabby", pytest.approx(0.568)), ("label:Egyptian_cat", pytest.approx(0.222))]


def test_headings_give_context():
    cs = numbers("## Adam\n최종 검증 정확도는 89.2%였다.", "optimizers")
    assert cs[0].subject == "adam"


def test_language_detection():
    assert detect_language("검증 정확도는 88%였다. Adam이 가장 빨랐다.") == "ko"
    assert detect_language("The validation accuracy was 88%.") == "en"
    assert extract_claims("text", lang="ko").lang == "ko"


@pytest.mark.parametrize("text, lab, key", [
    ("B_on_A의 오차율이 줄었다.", "fashion-transfer", "gain"), ("전이 학습 후 정확도가 올라갔다.", "fashion-transfer", "gain"),
    ("With dropout the gap shrank to -1.3 points.", "dropout", "gain"),
    ("드롭아웃을 적용하니 격차가 줄지 않았다.", "dropout", "no_gain"),
])
def test_effects_read_from_a_metric_moving(text, lab, key):
    (c,) = kinds(text, "effect", lab)
    assert c.key == key


def test_a_lower_training_accuracy_with_dropout_is_not_an_effect():
    assert kinds("드롭아웃을 적용하니 훈련 정확도가 낮아졌다.", "effect", "dropout") == []


def test_assignments_and_label_colons_keep_their_epoch():
    cs = numbers("- Epoch 1: val_accuracy = 0.912\n- Epoch 10: val_accuracy = 0.944", "cats-dogs")
    assert [(c.value, c.epoch, c.split) for c in cs] == [(0.912, "1", "val"), (0.944, "10", "val")]


def test_a_comparison_object_does_not_take_the_number():
    (c,) = numbers("model_B_on_A의 정확도가 97.6%로 model_B보다 조금 높았다.", "fashion-transfer")
    assert c.subject == "B_on_A"
    (c,) = numbers("Adam reached 89.2%, more than SGD.", "optimizers")
    assert c.subject == "adam"


def test_symbol_indices_are_not_numbers():
    assert [n.value for n in scan("η0 = 0.1, η1 = 0.001, x2")] == [0.1, 0.001]
    assert numbers("1사이클: 훈련 절반 동안 η0를 η1까지 증가시킨다.", "lr-schedules") == []


def test_the_code_before_the_students_fix_is_not_the_run():
    assert kinds("처음에는 함수 안에서 모델을 만들었는데 호출할 때마다 몇 초씩 걸렸다.", "call", "resnet50-top3") == []
    assert kinds("At first classify() rebuilt the model on every call.", "call", "resnet50-top3") == []


def test_an_intervention_stated_in_the_present_is_a_textbook_sentence():
    (c,) = kinds("Dropout helps regularize the network.", "effect", "dropout")
    assert not c.grounded
    (c,) = kinds("The network generalises better than a model without regularisation would.", "stance", "dropout")
    assert c.grounded and not c.hypothetical
