"""Gradebook exports, column by column against hand-written reference files
(``tests/data/lms/gradebooks/``, written from each format's documentation), plus CSV
injection and number formatting."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from harness.lms.found import Found
from harness.lms.gradebook import (GradebookRow, cell, make_row, number, write_blackboard, write_canvas,
                                   write_moodle, write_nbgrader)
from harness.lms.late import make_policy
from harness.lms.roster import Student

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "lms" / "gradebooks"
KST = timezone(timedelta(hours=9))
DUE = datetime(2026, 10, 1, 23, 59, tzinfo=KST)
GRADED_AT = datetime(2026, 10, 5, 10, 0, tzinfo=KST)

ROWS = [
    GradebookRow(student_id="20231234", display_name="Ada Lovelace", first_name="Ada", last_name="Lovelace",
                 email="ada@example.edu", section="01",
                 lms_ids={"canvas_id": "1001", "sis_id": "S-20231234", "login": "ada", "moodle_id": "1234",
                          "username": "alovelace"},
                 raw_score=8.0, late_penalty=1.6, final_score=6.4, max_score=10.0,
                 submitted_at=datetime(2026, 10, 3, 3, 0, tzinfo=KST), due=DUE, late=True,
                 comment="Good transfer; the learning rate after unfreezing was not lowered.",
                 late_note="Late by 1 day 3 h (due 2026-10-01 23:59 KST): -20%"),
    GradebookRow(student_id="20231237", display_name="홍길동", email="hong@example.edu", section="02",
                 lms_ids={"canvas_id": "1005", "moodle_id": "1237", "username": "gdhong"},
                 raw_score=9.5, final_score=9.5, max_score=10.0, submitted_at=datetime(2026, 10, 1, 21, 5, tzinfo=KST),
                 due=DUE, late=False, comment='=HYPERLINK("http://evil.example")',
                 late_note="On time (due 2026-10-01 23:59 KST)"),
    GradebookRow(student_id="20231236", display_name="Grace Hopper", first_name="Grace", last_name="Hopper",
                 section="02", lms_ids={"canvas_id": "1003", "moodle_id": "1236", "username": "ghopper"},
                 max_score=10.0, due=DUE, status="missing"),
    GradebookRow(student_id="20231299", display_name="=1+2", raw_score=0.0, final_score=0.0, max_score=10.0),
]


def _table(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))


def _assert_same(ours: Path, reference: Path, *, bom: bool):
    raw, ref = ours.read_bytes(), reference.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom == ref.startswith(b"\xef\xbb\xbf")
    mine, theirs = _table(ours, "utf-8-sig"), _table(reference, "utf-8-sig")
    assert mine[0] == theirs[0]  # the header, exactly
    for index, title in enumerate(theirs[0]):  # then every column
        assert [row[index] for row in mine[1:]] == [row[index] for row in theirs[1:]], f"column {title!r}"
    assert raw == ref  # quoting, line ends and all


def test_canvas_gradebook(tmp_path):
    report = write_canvas(ROWS, tmp_path / "canvas.csv", assignment="Lab 3: Fashion transfer", assignment_id=4242)
    _assert_same(report.path, REFERENCE / "canvas.csv", bom=True)
    assert report.rows == 4
    assert report.problems == ["20231299: no Canvas ID, SIS User ID or SIS Login ID; Canvas can only match this row "
                               "by name - add canvas_id or sis_id to the roster"]
    new = write_canvas(ROWS[:1], tmp_path / "new.csv", assignment="Lab 3", points_possible=12.5)
    assert _table(new.path, "utf-8-sig")[:2] == [[*_table(REFERENCE / "canvas.csv", "utf-8-sig")[0][:5], "Lab 3"],
                                                  ["    Points Possible", "", "", "", "", "12.50"]]


def test_moodle_grading_worksheet(tmp_path):
    report = write_moodle(ROWS, tmp_path / "moodle.csv", tz="Asia/Seoul", graded_at=GRADED_AT)
    _assert_same(report.path, REFERENCE / "moodle.csv", bom=True)
    assert report.rows == 3 and len(report.problems) == 1 and "20231299: no Moodle participant id" in report.problems[0]


def test_blackboard_grade_center(tmp_path):
    report = write_blackboard(ROWS, tmp_path / "bb.csv", column="Lab 3: Fashion transfer", column_id=664617)
    _assert_same(report.path, REFERENCE / "blackboard.csv", bom=False)
    assert report.rows == 3 and "20231299: no Blackboard username" in report.problems[0]
    plain = write_blackboard(ROWS[:1], tmp_path / "new.csv", column="Lab 3", points=7.5)
    assert _table(plain.path)[0][4] == "Lab 3"  # no column id: Blackboard creates a new column


def test_nbgrader_csv(tmp_path):
    report = write_nbgrader(ROWS, tmp_path / "grades.csv", assignment="fashion-transfer")
    _assert_same(report.path, REFERENCE / "nbgrader.csv", bom=False)
    assert report.problems == []


@pytest.mark.parametrize("value, text", [(6.4, "6.40"), (2.675, "2.68"), (1.005, "1.01"), (0.125, "0.13"),
                                         (10, "10.00"), (-0.001, "0.00"), (1e-9, "0.00"), (None, "")])
def test_numbers_round_half_up_from_their_shortest_form(value, text):
    assert number(value) == text


@pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_csv_injection_is_neutralised(value):
    assert cell(value) == "'" + value
    assert cell("Ada =1") == "Ada =1" and cell(None) == ""


def test_make_row_joins_roster_submission_and_late_policy():
    student = Student("20231234", name="Ada Lovelace", email="ada@example.edu", section="01", first_name="Ada",
                      last_name="Lovelace", lms_ids={"sis_id": "S-1"})
    found = Found(Path("/x/a.ipynb"), "lovelaceada_1001", "zip:c.zip/a.ipynb", lms="canvas",
                  lms_ids={"canvas_user_id": "1001", "canvas_attachment_id": "5"},
                  submitted_at=datetime(2026, 10, 3, 3, 0, tzinfo=KST))
    late = make_policy(due="2026-10-01T23:59", tz="Asia/Seoul", rate=0.1).apply(found.submitted_at, raw_score=8.0)
    row = make_row(student=student, found=found, raw_score=8.0, max_score=10.0, late=late, comment="ok")
    assert (row.student_id, row.lms_ids, row.final_score, row.late_penalty, row.late, row.status) == (
        "20231234", {"canvas_id": "1001", "sis_id": "S-1"}, 6.4, 1.6, True, "graded")
    assert row.feedback() == "ok\nLate by 1 day 3 h (due 2026-10-01 23:59 KST): -20%"
    no_time = make_policy(due="2026-10-01T23:59", tz="Asia/Seoul", rate=0.1).apply(None, lms_late=True, lms="Canvas")
    flagged = make_row(found=Found(Path("/x/b.ipynb"), "b", "b", late=True), raw_score=5.0, max_score=10.0,
                       late=no_time)
    assert (flagged.status, flagged.final_score, flagged.late, flagged.notes.startswith("Canvas marked it late")) \
        == ("flagged", 5.0, True, True)
    missing = make_row(student=Student("2"), max_score=10.0, missing_as_zero=True)
    assert (missing.status, missing.final_score) == ("missing", 0.0)
    with pytest.raises(ValueError, match="needs a roster student, a submission, or both"):
        make_row(max_score=1.0)
