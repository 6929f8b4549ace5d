"""A graded class's grades, exported to a gradebook's CSV.

Everything comes from what grading stored: each submission's ``grade.json`` (score,
raw score, the late verdict and its penalty) and ``submission.json`` (the discovered LMS
metadata and roster identity), and ``OUT/class.json`` (the roster's students without a
submission, and whether they get an empty cell or a zero). Nothing is re-executed and
nothing is asked twice: the identities and penalties in the export are the ones in the
reports and in grades.csv.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from harness.errors import InputError
from harness.lms.course import found_of, load_course, missing_students, student_of
from harness.lms.gradebook import (ExportReport, GradebookRow, make_row, write_blackboard, write_canvas, write_moodle,
                                   write_nbgrader)
from harness.results import ClassEntry, load_class

FORMATS = ("canvas", "moodle", "blackboard", "nbgrader")


def _when(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def row_for(entry: ClassEntry) -> GradebookRow:
    """The gradebook row of one graded submission, from its stored grade and origin."""
    grade = entry.grade
    found, student = found_of(entry.origin), student_of(entry.origin)
    late = grade.late or {}
    notes = []
    if grade.isolation != "bwrap":
        notes.append(f"graded without isolation ({grade.isolation})")
    flagged = [c.item for c in grade.lab_result.checks if c.flag]
    if flagged:
        notes.append("review: " + ", ".join(flagged))
    if late.get("flagged"):
        notes.append(str(late.get("line") or "late policy could not be applied"))
    status = "flagged" if notes else "graded"
    if found is None and student is None:
        base = GradebookRow(student_id=grade.submission.student_id, max_score=grade.max_score)
    else:
        base = make_row(student=student, found=found, raw_score=grade.raw_score, max_score=grade.max_score)
    raw = grade.raw_score if grade.raw_score is not None else grade.score
    return replace(
        base, raw_score=raw, final_score=grade.score, max_score=grade.max_score,
        late_penalty=float(late.get("penalty_points") or 0.0), due=_when(late.get("due")),
        late=(late.get("status") in ("late", "hard_deadline")) if late and late.get("status") != "no_time"
        else base.late,
        status=status, late_note=str(late.get("line") or ""), notes="; ".join(notes),
        comment=f"{grade.score:g}/{grade.max_score:g} (labgrade, {grade.submission.lab})")


def class_rows(out: Path) -> tuple[list[GradebookRow], list[str]]:
    """One row per graded submission and per roster student without one; and the problems.

    Raises:
        InputError: `out` holds no graded submission.
    """
    entries, problems = load_class(Path(out))
    if not entries:
        raise InputError(f"No graded submission in {str(out)!r}: expected OUT/<submission>/grade.json written by "
                         "`labgrade grade`.")
    settings, roster = load_course(Path(out))
    rows, seen = [], {}
    for entry in entries:
        row = row_for(entry)
        if row.student_id in seen:
            problems.append(f"{row.student_id}: graded twice ({seen[row.student_id]} and {entry.folder}); both rows "
                            f"are exported - keep the one the course counts")
        seen[row.student_id] = entry.folder
        rows.append(row)
    max_score = max(r.max_score for r in rows)
    as_zero = settings is not None and settings.missing == "zero"
    for student in missing_students(roster):
        if student.student_id not in seen:
            rows.append(make_row(student=student, max_score=max_score, missing_as_zero=as_zero))
    return rows, problems


def export_grades(out: str | Path, *, fmt: str, path: str | Path, assignment: str | None = None,
                  assignment_id: str | None = None, tz: str | None = None) -> ExportReport:
    """Writes the class's grades as a gradebook CSV.

    Args:
        out: a results folder written by `harness.api.grade`.
        fmt: ``canvas``, ``moodle``, ``blackboard`` or ``nbgrader``.
        path: the CSV to write.
        assignment: the assignment's (or Blackboard column's) name (default: the lab id).
        assignment_id: Canvas' assignment id or Blackboard's column id; without it the LMS
            creates a new assignment/column on import.
        tz: the zone Moodle dates are written in (default: the course's, else UTC).

    Returns:
        The writer's `ExportReport` (rows written, rows left out and why) with the class's problems.

    Raises:
        InputError: an unknown format, or nothing graded in `out`.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    rows, problems = class_rows(Path(out))
    settings, _ = load_course(Path(out))
    name = assignment or (settings.lab if settings else None) or "labgrade"
    if fmt == "canvas":
        report = write_canvas(rows, path, assignment=name, assignment_id=assignment_id)
    elif fmt == "moodle":
        report = write_moodle(rows, path, tz=tz or (settings.tz if settings else None) or "UTC")
    elif fmt == "blackboard":
        report = write_blackboard(rows, path, column=name, column_id=assignment_id)
    else:
        report = write_nbgrader(rows, path, assignment=name)
    report.problems[:0] = problems
    return report
