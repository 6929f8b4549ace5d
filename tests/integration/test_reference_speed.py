"""Speed comparison plumbing and the lecture recipes (quick mode)."""

from __future__ import annotations

import pytest

from tests.fixtures.data import test_source


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return test_source(tmp_path_factory.getbasetemp())


def test_compare_speed_dropout_quick(data, tmp_path):
    from harness.measure.speed import compare_speed, format_comparison

    source, _ = data
    cmp = compare_speed("dropout", quick=True, source=source, rubric_path=tmp_path / "none.toml")
    assert cmp["reference"]["wall_s"] > 0 and cmp["lecture"]["wall_s"] > 0
    assert cmp["ratios"]["train_images_per_s"] > 0
    assert cmp["bands_from"].startswith("none")
    assert set(cmp["reference"]["metrics"]) >= {"accuracy", "accuracy_no_dropout"}
    table = format_comparison(cmp)
    assert "reference" in table and "lecture" in table


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["fashion-transfer", "optimizers", "lr-schedules"])
def test_lecture_recipe_quick(lab, data):
    from harness.measure.speed import recipe_module

    source, _ = data
    res = recipe_module(lab, "lecture").run(seed=0, quick=True, source=source)
    assert res.recipe == "lecture" and res.metrics and res.curves
    assert res.timings["train_images_per_s"] > 0


def test_lecture_cats_dogs_quick(data):
    from reference.lecture import cats_dogs

    source, real = data
    config = None if real and source.has("mobilenet-v2-0.35") else {"weights": "none"}
    res = cats_dogs.run(seed=0, quick=True, source=source, config=config)
    assert len(res.curves["accuracy"]) == 10 and len(res.histories["history"]["val_accuracy"]) == 10
