"""Gradebook export of a graded class: stored grades, identities and late penalties, nothing re-run."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from harness import results
from harness.errors import InputError
from harness.lms.course import CourseSettings
from harness.lms.export import class_rows, export_grades
from harness.lms.roster import RosterMatch
from harness.models import Grade
from tests.fixtures.report_data import write_submission

ORIGINS = {
    "ada": {"path": "x/lab.ipynb", "student_id": "ada", "origin": "zip:gb.zip/Lab_ada_attempt_...", "lms": "blackboard",
            "submitted_at": "2026-10-02T10:00:00+09:00", "lms_ids": {"blackboard_username": "ada"},
            "roster": {"student_id": "S1", "name": "Ada Lovelace", "email": "ada@example.edu", "section": "01",
                       "lms_ids": {"username": "ada", "canvas_id": "1001"}}},
    "mal": {"path": "x/lab.ipynb", "student_id": "mal", "origin": "zip:gb.zip/Lab_mal_attempt_...", "lms": "blackboard",
            "submitted_at": "2026-10-01T10:00:00+09:00", "lms_ids": {"blackboard_username": "mal"},
            "display_name": "=cmd|' /C calc'!A0", "roster": None},
}
LATE = {"status": "late", "units": 1, "fraction": 0.1, "basis": "score", "due": "2026-10-01T23:59:00+09:00",
        "line": "Submitted 10 h after the due date: 1 day late, 10% off.", "flagged": False}


@pytest.fixture
def out(tmp_path):
    for sid, origin in ORIGINS.items():
        folder = write_submission(tmp_path, sid, student_id=sid)
        grade = Grade.from_json((folder / results.GRADE).read_text())
        late = LATE if sid == "ada" else {}
        penalty = round(grade.score * 0.1, 3) if late else 0.0
        grade = replace(grade, raw_score=grade.score, score=round(grade.score - penalty, 3),
                        late={**late, "penalty_points": penalty} if late else {})
        (folder / results.GRADE).write_text(grade.to_json())
        results.write_origin(folder, origin)
    match = RosterMatch(matched=[], missing=[], unknown=[], ambiguous=[], problems=[])
    CourseSettings(lab="dropout", due="2026-10-01T23:59", tz="Asia/Seoul", rate=0.1, missing="zero").save(
        tmp_path, roster_match=match)
    data = json.loads((tmp_path / results.CLASS).read_text())
    data["roster"]["missing"] = [{"student_id": "S9", "name": "Grace Hopper", "lms_ids": {"username": "grace"}}]
    (tmp_path / results.CLASS).write_text(json.dumps(data))
    return tmp_path


def test_rows_carry_the_stored_penalty_identity_and_missing_students(out):
    rows, problems = class_rows(out)
    by_id = {r.student_id: r for r in rows}
    assert set(by_id) == {"S1", "mal", "S9"} and not problems
    ada = by_id["S1"]
    assert ada.display_name == "Ada Lovelace" and ada.late is True and ada.late_penalty > 0
    assert ada.final_score == pytest.approx(ada.raw_score - ada.late_penalty, abs=1e-3)
    assert "10% off" in ada.late_note and ada.due is not None
    assert by_id["S9"].status == "missing" and by_id["S9"].final_score == 0.0


def test_nbgrader_columns_and_formula_neutralised(out, tmp_path):
    report = export_grades(out, fmt="nbgrader", path=tmp_path / "nb.csv", assignment="Lab 3")
    rows = list(csv.DictReader(open(report.path, encoding="utf-8")))
    assert [r["student_id"] for r in rows] == ["S1", "mal", "S9"]
    ada = rows[0]
    assert float(ada["raw_score"]) - float(ada["late_submission_penalty"]) == pytest.approx(float(ada["score"]),
                                                                                           abs=0.011)
    assert ada["duedate"] == "2026-10-01 14:59:00+00:00"
    assert rows[1]["last_name"].startswith("'") or rows[1]["first_name"].startswith("'")


def test_blackboard_export_keys_by_username_and_writes_the_late_line(out, tmp_path):
    report = export_grades(out, fmt="blackboard", path=tmp_path / "bb.csv", assignment="Lab 3")
    header, *body = list(csv.reader(open(report.path, encoding="utf-8")))
    users = {r[2]: r for r in body}
    assert set(users) == {"ada", "mal", "grace"} and report.rows == 3
    assert "10% off" in users["ada"][header.index("Feedback to Learner")]


def test_moodle_export_leaves_out_rows_without_a_participant_id_and_says_so(out, tmp_path):
    report = export_grades(out, fmt="moodle", path=tmp_path / "m.csv")
    assert report.rows == 0 and len(report.problems) == 3
    assert all("Participant" in p for p in report.problems)


def test_unknown_format_and_empty_folder(out, tmp_path):
    with pytest.raises(InputError, match="Unknown export format 'excel'"):
        export_grades(out, fmt="excel", path=tmp_path / "x.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No graded submission"):
        export_grades(tmp_path / "empty", fmt="canvas", path=tmp_path / "x.csv")
