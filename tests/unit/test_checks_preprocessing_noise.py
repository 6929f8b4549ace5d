"""cats-dogs preprocessing: a training preprocessing only guessed from validation accuracy is not held against
a prediction that uses another one scoring within sampling noise (the fit saw a dataset, not arrays)."""

from __future__ import annotations

from harness.checks.predictions import _indistinguishable
from harness.models import Metric

PI, UNIT = "preprocess_input ([-1, 1])", "pixels/255 ([0, 1])"


def metric(tried: dict, *, chosen_by: str = "validation accuracy", n_validation: int = 40) -> Metric:
    best = max(tried, key=tried.get)
    return Metric(value=0.9, n=100, preprocessing=best, details={
        "candidates_on_validation": tried, "chosen_by": chosen_by, "n_validation": n_validation})


def test_three_images_of_forty_are_noise():
    assert _indistinguishable(metric({PI: 0.925, UNIT: 1.0}), PI)


def test_the_same_gap_on_a_large_validation_set_is_not_noise():
    assert not _indistinguishable(metric({PI: 0.925, UNIT: 1.0}, n_validation=1000), PI)


def test_a_clear_gap_is_not_noise_even_on_forty_images():
    assert not _indistinguishable(metric({PI: 0.95, UNIT: 0.60}), UNIT)


def test_a_preprocessing_known_from_the_training_inputs_is_never_second_guessed():
    assert not _indistinguishable(metric({PI: 0.925, UNIT: 0.93}, chosen_by="training input range"), PI)


def test_a_preprocessing_that_was_not_tried_is_not_excused():
    assert not _indistinguishable(metric({PI: 0.95}), UNIT)


def test_an_evaluation_record_of_an_unexpected_shape_excuses_nothing():
    odd = metric({PI: 0.925, UNIT: 1.0}, n_validation="forty")
    assert not _indistinguishable(odd, PI)
    assert not _indistinguishable(metric({PI: float("nan"), UNIT: 1.0}), PI)
