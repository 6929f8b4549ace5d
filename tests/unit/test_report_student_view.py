"""The student's page shows exactly what ``labgrade check`` shows: visible items, hidden ones only counted."""

from __future__ import annotations

import json

import pytest

from harness.models import Execution, Grade
from harness.report.gradescope import student_feedback
from harness.report.submission import render_submission
from tests.fixtures.report_data import SECRET_EVIDENCE, SECRET_MESSAGE, SECRET_NAME, rubric, write_submission
from tests.unit.report_html import parse


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-view")
    folder = write_submission(out, "bob", hidden=True)
    rub = rubric(hidden=True)
    instructor = render_submission(folder, rubric=rub, calibration_dir=None).read_text()
    student = render_submission(folder, student_view=True, rubric=rub, calibration_dir=None).read_text()
    exe = Execution.from_json((folder / "execution.json").read_text())
    grade = Grade.from_json((folder / "grade.json").read_text())
    return instructor, student, student_feedback(grade, exe), folder


def test_written_to_feedback_html(pages):
    *_, folder = pages
    assert (folder / "feedback.html").is_file() and (folder / "report.html").is_file()


def test_hidden_items_never_named(pages):
    instructor, student, _, _ = pages
    for secret in (SECRET_NAME, SECRET_MESSAGE, SECRET_EVIDENCE, "hidden_images"):
        assert secret in instructor, f"the instructor sees {secret}"
        assert secret not in student, f"{secret} leaked into the student's page"


def test_same_items_as_check(pages):
    _, student, fb, _ = pages
    page = parse(student)
    rows = [a for t, a in page.tags if t == "tr" and (a.get("id") or "").startswith("item-")]
    assert len(rows) == len(fb["items"])
    for item in fb["items"]:
        assert item["name"] in page.text
    assert f"{fb['hidden_items']} more item(s) worth {fb['hidden_max_score']:g} points" in page.text
    assert f"{fb['visible_score']:g}" in page.text and f"/ {fb['visible_max_score']:g}" in page.text


def test_no_evidence_bands_or_reference_numbers(pages):
    instructor, student = (parse(html).text for html in pages[:2])
    for instructor_only in ("evidence", "0.7674", "0.8712", "reference band", "Measured by the grader",
                            "Fixture CPU", "Reference", "sandbox, limits", "sha256", "0.0457"):
        assert instructor_only in instructor, instructor_only
        assert instructor_only not in student, f"{instructor_only!r} is instructor-only"


def test_overrides_shown_for_visible_items(pages):
    _, student, fb, _ = pages
    assert "Manual grade" in student and "Good discussion of the curves." in student
    assert json.dumps(fb)  # the source of truth stays JSON
