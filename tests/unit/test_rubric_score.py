"""Rubric validation, points and overrides, Gradescope/student exports."""

from __future__ import annotations

import pytest

from harness.checks.context import Verdict
from harness.labs import LABS
from harness.models import CheckResult, Execution, Grade, LabResult, Override, Submission
from harness.report.gradescope import results_json, student_feedback
from harness.checks import load_rubric
from harness.rubric import RubricError
from harness.checks.runner import check_result
from harness.score import make_grade, read_overrides

GOOD = """
[rubric]
lab = "dropout"
version = "7"
title = "t"

[[item]]
id = "runs"
name = "Runs"
points = 5
check = "runs"

[[item]]
id = "secret"
name = "Hidden thing"
points = 10
check = "figures"
visibility = "hidden"
params = { min_figures = 2 }
"""


def _write(tmp_path, text):
    p = tmp_path / "r.toml"
    p.write_text(text)
    return p


def test_every_shipped_rubric_loads_and_totals_100():
    for lab in LABS:
        r = load_rubric(lab)
        assert r.max_score == 100 and r.lab == lab
        assert r.version.startswith(tuple("0123456789"))


def test_rubric_fields(tmp_path):
    r = load_rubric(_write(tmp_path, GOOD))
    assert [i.id for i in r.items] == ["runs", "secret"] and r.item("secret").visibility == "hidden"
    assert r.item("secret").params == {"min_figures": 2} and r.max_score == 15
    with pytest.raises(KeyError, match="items: runs, secret"):
        r.item("nope")


@pytest.mark.parametrize("edit, match", [
    (("points = 5", "points = \"ten\""), r"item #1 'runs': field 'points' must be a number >= 0; received 'ten'"),
    (("check = \"runs\"", "check = \"rnus\""), r"field 'check' = 'rnus' is not a known check"),
    (("visibility = \"hidden\"", "visibility = \"secret\""), r"item #2 'secret': field 'visibility' must be one of"),
    (("id = \"secret\"", "id = \"runs\""), r"duplicate id 'runs'"),
    (("name = \"Runs\"", "name = \"Runs\"\ncolour = 1"), r"unknown field\(s\) \['colour'\]"),
    (("[rubric]", "[rubrik]"), r"missing \[rubric\] table"),
])
def test_rubric_errors_name_file_item_field(tmp_path, edit, match):
    path = _write(tmp_path, GOOD.replace(*edit, 1))
    with pytest.raises(RubricError, match=match) as info:
        load_rubric(path)
    assert str(path) in str(info.value)


def test_bands_are_validated(tmp_path):
    path = _write(tmp_path, GOOD + "\n[bands.full.accuracy]\nlow = 0.9\nhigh = 0.8\n")
    with pytest.raises(RubricError, match=r"\[bands.full.accuracy\]: low 0.9 > high 0.8"):
        load_rubric(path)
    r = load_rubric(_write(tmp_path, GOOD + "\n[bands.quick.accuracy]\nlow = 0.8\nhigh = 0.9\nvalues = [0.85]\n"))
    assert r.band("accuracy", "quick").contains(0.85) and r.band("accuracy", "full") is None


def test_version_changes_with_content(tmp_path):
    a = load_rubric(_write(tmp_path, GOOD)).version
    b = load_rubric(_write(tmp_path, GOOD.replace("points = 10", "points = 11"))).version
    assert a != b and a.startswith("7+")


def test_check_result_status_follows_fraction(tmp_path):
    item = load_rubric(_write(tmp_path, GOOD)).item("secret")
    assert check_result(item, Verdict(1.0, "ok")).status == "passed"
    assert check_result(item, Verdict(0.5, "half")).score == 5.0
    assert check_result(item, Verdict(0.5, "half")).status == "partial"
    assert check_result(item, Verdict(0.0, "no")).status == "failed"
    assert check_result(item, Verdict(0.0, "?", error=True)).status == "error"
    assert check_result(item, Verdict(1.7, "capped")).score == 10


def _grade(rubric, overrides=None):
    sub = Submission(path="alice.ipynb", lab="dropout", student_id="alice", sha256="a" * 64, kind="notebook")
    exe = Execution(submission=sub, status="ok")
    checks = [CheckResult(item="runs", name="Runs", status="passed", score=5, max_score=5, message="ok"),
              CheckResult(item="secret", name="Hidden thing", status="failed", score=0, max_score=10,
                          message="secret message", evidence={"band": [0.8, 0.9]}, visibility="hidden")]
    return make_grade(exe, LabResult(lab="dropout", rubric_version=rubric.version, checks=checks), rubric,
                      overrides), exe


def test_overrides_replace_scores_and_keep_the_automatic_value(tmp_path):
    rubric = load_rubric(_write(tmp_path, GOOD))
    grade, _ = _grade(rubric, [Override(item="secret", points=7, comment="read it")])
    assert grade.score == 12 and grade.overrides[0].automatic == 0
    with pytest.raises(ValueError, match="unknown item 'nope'"):
        _grade(rubric, [Override(item="nope", points=1)])


def test_read_overrides_validates_rows(tmp_path):
    rubric = load_rubric(_write(tmp_path, GOOD))
    good = tmp_path / "o.csv"
    good.write_text("submission,item,points,comment\nalice,secret,7,well argued\nbob,runs,5,\n")
    rows = read_overrides(good, rubric)
    assert rows["alice"][0] == Override(item="secret", points=7, comment="well argued")
    for body, match in [("submission,item\nalice,runs\n", "header must include"),
                        ("submission,item,points\nalice,runz,1\n", r":2: unknown item 'runz'"),
                        ("submission,item,points\nalice,runs,11\n", r":2: points 11.0 outside 0..5.0"),
                        ("submission,item,points\nalice,runs,many\n", r":2: points must be a number")]:
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        with pytest.raises(ValueError, match=match):
            read_overrides(bad, rubric)


def test_gradescope_results_and_student_feedback(tmp_path):
    rubric = load_rubric(_write(tmp_path, GOOD))
    grade, exe = _grade(rubric, [Override(item="secret", points=7, comment="read it")])
    gs = results_json(grade, exe)
    assert gs["score"] == 12 and gs["stdout_visibility"] == "hidden"
    assert [(t["name"], t["visibility"], t["status"]) for t in gs["tests"]] == [
        ("Runs", "visible", "passed"), ("Hidden thing", "hidden", "failed")]
    assert "Manually graded" in gs["tests"][1]["output"]
    assert all(set(t) == {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
               for t in gs["tests"])
    fb = student_feedback(grade, exe)
    text = str(fb)
    assert "Hidden thing" not in text and "secret message" not in text and "0.8" not in text
    assert fb["hidden_items"] == 1 and fb["hidden_max_score"] == 10
    assert Grade.from_json(grade.to_json()) == grade
