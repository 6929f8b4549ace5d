"""class_stats: the numbers behind the dashboard and class_stats.json, from stored grades only."""

from __future__ import annotations

import json

import pytest

from harness.report.stats import class_stats, histogram
from harness.results import load_class
from tests.fixtures.report_data import execution, grade, rubric, write_submission


def _grades(n: int):
    rub = rubric()
    out = []
    for i in range(n):
        exe = execution(student_id=f"s{i:02d}", status="error" if i % 4 == 0 else "ok")
        exe.wall_time_s = 10.0 + i
        out.append(grade(exe, rub, score_shift=-i, overrides=i == 1))
    return out


def test_histogram_bins_include_the_maximum():
    assert histogram([0, 9.99, 10, 55, 99.9, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_class_stats_counts_and_json():
    grades = _grades(8)
    stats = class_stats(grades, folders=[g.submission.student_id for g in grades])
    json.dumps(stats, allow_nan=False)
    assert stats["submissions"] == 8 and stats["labs"] == ["dropout"]
    assert sum(stats["histogram"]["counts"]) == 8
    assert stats["status"] == {"error": 2, "ok": 6}
    runs = next(i for i in stats["items"] if i["item"] == "runs")
    assert runs["partial"] == 8 and runs["pass_rate"] == 0.0 and runs["n"] == 8
    contract = next(i for i in stats["items"] if i["item"] == "contract")
    assert contract["pass_rate"] == 1.0 and contract["mean_score"] == 10
    assert [s["folder"] for s in stats["slowest"][:3]] == ["s07", "s06", "s05"]
    assert {f["folder"] for f in stats["failed"]} == {"s00", "s04"}
    assert stats["failed"][0]["reason"].startswith("5 of 6 code cells ran")
    assert stats["overridden"] == 1
    assert stats["score"]["max"] >= stats["score"]["median"] >= stats["score"]["min"]


def test_class_stats_default_folders_are_submission_ids():
    grades = _grades(2)
    assert [s["folder"] for s in class_stats(grades)["slowest"]] == ["s01", "s00"]


def test_folders_must_match():
    with pytest.raises(ValueError, match="2 grades but 1 folders"):
        class_stats(_grades(2), folders=["a"])


def test_empty_class():
    stats = class_stats([], folders=[])
    assert stats["submissions"] == 0 and stats["histogram"]["counts"] == [0] * 10 and stats["percent"]["mean"] is None


def test_load_class_keeps_folders_and_reports_unreadable(tmp_path):
    write_submission(tmp_path, "b-folder", student_id="bea")
    write_submission(tmp_path, "a-folder", student_id="zed")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "grade.json").write_text("{not json")
    found, problems = load_class(tmp_path)
    assert [e.folder for e in found] == ["b-folder", "a-folder"]  # sorted by student
    assert len(problems) == 1 and problems[0].startswith("broken/grade.json")
