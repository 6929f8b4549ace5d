"""Grades out, in the CSV formats gradebooks import.

One plain row type (`GradebookRow`, built with `make_row` from a roster student, a
discovered submission, a score and a late result) and one writer per format:

- `write_canvas`: Canvas' gradebook CSV, as Canvas' own exporter writes it
  (instructure/canvas-lms ``lib/gradebook_exporter.rb``): ``Student, ID, SIS User ID,
  SIS Login ID, Section``, then the assignment column titled ``Name (assignment_id)``
  (a title without an id makes Canvas create a new assignment), then a second row
  ``"    Points Possible"`` with the points under the assignment; scores with two
  decimals. Canvas matches rows by ID, SIS User ID or SIS Login ID.
- `write_moodle`: Moodle's grading worksheet (``mod/assign/gradingtable.php``; read
  back by ``assignfeedback_offline``'s importer, which needs ``Identifier``, ``Grade``
  and ``Last modified (grade)``): ``Identifier`` is ``Participant N``, dates in Moodle's
  ``Thursday, 01 October 2026, 11:41 PM`` form.
- `write_blackboard`: Blackboard Grade Center's offline upload, keyed by
  ``Username``; the grade column is ``Name [Total Pts: N Score] |column_id`` (without
  an id Blackboard creates a new column), followed by ``Grading Notes``, ``Notes
  Format``, ``Feedback to Learner``, ``Feedback Format`` (``SMART_TEXT``, HTML-escaped).
- `write_nbgrader`: nbgrader's ``nbgrader export`` CSV: ``assignment, duedate,
  timestamp, student_id, last_name, first_name, email, raw_score,
  late_submission_penalty, score, max_score`` (times ISO-8601 in UTC).

Every text cell that starts with ``= + - @``, a tab or a carriage return gets a
leading ``'`` so no spreadsheet runs it as a formula (CSV injection); names and
comments come from students. Numbers use two decimals, rounded half-up from their
shortest decimal form (2.675 -> 2.68), so the same grade always prints the same.
Rows a format cannot key (no Canvas id, no Moodle participant id, no Blackboard
username) are left out and reported in `ExportReport.problems`.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from harness.lms.found import Found
from harness.lms.late import LateResult
from harness.lms.roster import Student
from harness.lms.times import resolve_tz
from harness.serialize import write_atomic

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# Found.lms_ids -> the roster-style ids gradebooks key on.
_FOUND_IDS = {"canvas_user_id": "canvas_id", "moodle_participant_id": "moodle_id", "blackboard_username": "username"}
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments")
BLACKBOARD_COLUMNS = ("Last Name", "First Name", "Username", "Student ID")
BLACKBOARD_NOTES = ("Grading Notes", "Notes Format", "Feedback to Learner", "Feedback Format")
NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score")


@dataclass(frozen=True)
class GradebookRow:
    """One student's grade, ready for any gradebook.

    Attributes:
        student_id: the course's id (roster id when matched).
        display_name: the full name.
        first_name: the given name (derived from `display_name` when None).
        last_name: the family name (derived from `display_name` when None).
        email: the e-mail.
        section: the section.
        lms_ids: roster-style LMS ids: ``canvas_id``, ``sis_id``, ``login``,
            ``moodle_id``, ``username``.
        raw_score: the score before the late penalty (None: not graded).
        late_penalty: the late penalty in points.
        final_score: the score to import (None: leave the gradebook cell empty).
        max_score: the assignment's maximum.
        submitted_at: when it was handed in (None: unknown or no submission).
        due: the due date that applied (extensions included).
        late: late by the policy (or the LMS's flag when no policy ran).
        status: ``graded``, ``missing`` (no submission), ``error`` (not graded) or
            ``flagged`` (graded, a human should look).
        comment: feedback for the student.
        late_note: the late policy's line (`LateResult.line`).
        notes: instructor-only notes (flags, problems).
    """

    student_id: str
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    section: str | None = None
    lms_ids: dict[str, str] = field(default_factory=dict)
    raw_score: float | None = None
    late_penalty: float = 0.0
    final_score: float | None = None
    max_score: float = 0.0
    submitted_at: datetime | None = None
    due: datetime | None = None
    late: bool | None = None
    status: str = "graded"
    comment: str = ""
    late_note: str = ""
    notes: str = ""

    def names(self) -> tuple[str, str]:
        """``(first, last)``: the row's own, else split from ``display_name`` ("Last, First"
        or "First ... Last"; a single word is the last name)."""
        if self.first_name or self.last_name:
            return self.first_name or "", self.last_name or ""
        name = (self.display_name or "").strip()
        if "," in name:
            last, first = (p.strip() for p in name.split(",", 1))
            return first, last
        first, _, last = name.rpartition(" ")
        return first.strip(), last

    def feedback(self) -> str:
        """The comment and the late line, as one text."""
        return "\n".join(p for p in (self.comment.strip(), self.late_note.strip()) if p)


@dataclass
class ExportReport:
    """What a writer did.

    Attributes:
        path: the file written.
        rows: data rows written.
        problems: rows left out or written with a caveat, one sentence each.
    """

    path: Path
    rows: int = 0
    problems: list[str] = field(default_factory=list)


def make_row(*, student: Student | None = None, found: Found | None = None, raw_score: float | None = None,
             max_score: float, late: LateResult | None = None, status: str | None = None, comment: str = "",
             missing_as_zero: bool = False) -> GradebookRow:
    """A `GradebookRow` from what the pipeline knows about one student.

    Args:
        student: the roster row (None for a submitter not on the roster).
        found: the discovered submission (None when the student handed nothing in).
        raw_score: the grade before lateness (None: not graded).
        max_score: the assignment's maximum.
        late: the late policy's result for this submission.
        status: overrides the derived status (``missing`` without a submission,
            ``error`` without a score, ``flagged`` when the late result is, else
            ``graded``).
        comment: feedback for the student.
        missing_as_zero: give students without a submission 0 instead of an empty cell.

    Raises:
        ValueError: neither a student nor a submission.
    """
    if student is None and found is None:
        raise ValueError("make_row needs a roster student, a submission, or both.")
    ids = {_FOUND_IDS[k]: v for k, v in (found.lms_ids if found else {}).items() if k in _FOUND_IDS}
    ids.update(student.lms_ids if student else {})
    penalty = late.points if late is not None and late.points is not None else \
        (raw_score * late.fraction if late is not None and raw_score is not None else 0.0)
    final = late.final(raw_score) if late is not None and raw_score is not None else raw_score
    derived = "missing" if found is None else "error" if raw_score is None else \
        "flagged" if late is not None and late.flagged else "graded"
    if found is None and missing_as_zero:
        final = 0.0
    return GradebookRow(
        student_id=student.student_id if student else found.student_id,
        display_name=(student.name if student else None) or (found.display_name if found else None),
        first_name=student.first_name if student else None, last_name=student.last_name if student else None,
        email=(student.email if student else None) or (found.email if found else None),
        section=student.section if student else None, lms_ids=ids, raw_score=raw_score,
        late_penalty=round(penalty, 6), final_score=final, max_score=max_score,
        submitted_at=found.submitted_at if found else None, due=late.due if late else None,
        late=(late.status in ("late", "hard_deadline")) if late is not None and late.status != "no_time"
        else (found.late if found else None),
        status=status or derived, comment=comment, late_note=late.line if late else "",
        notes=late.line if late is not None and late.flagged else "")


def number(value: float | None) -> str:
    """Two decimals, half-up from the shortest decimal form; '' for None."""
    if value is None:
        return ""
    text = str(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return "0.00" if text == "-0.00" else text


def points_label(value: float) -> str:
    """``10``, ``7.5``: points in a column title."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def cell(value: Any) -> str:
    """A text cell, neutralised against CSV injection."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def _write(path: str | Path, rows: list[list[str]], *, bom: bool, quote_all: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(rows)
    path = Path(path)
    write_atomic(path, ("\ufeff" if bom else "") + buffer.getvalue())
    return path


def write_canvas(rows: list[GradebookRow], path: str | Path, *, assignment: str, assignment_id: str | int | None = None,
                 points_possible: float | None = None, bom: bool = True) -> ExportReport:
    """Writes Canvas' gradebook CSV for one assignment.

    Args:
        rows: one per student.
        path: the file to write.
        assignment: the assignment's title in Canvas.
        assignment_id: Canvas' assignment id (the number in its URL); without it Canvas
            creates a new assignment on import.
        points_possible: the assignment's points (default: the rows' max_score).
        bom: start with a UTF-8 BOM (Excel then shows Korean names correctly).
    """
    title = f"{assignment} ({assignment_id})" if assignment_id is not None else assignment
    points = points_possible if points_possible is not None else max((r.max_score for r in rows), default=0.0)
    out = [[*CANVAS_COLUMNS, cell(title)], ["    Points Possible", "", "", "", "", number(points)]]
    report = ExportReport(Path(path))
    for r in rows:
        ids = [r.lms_ids.get(k, "") for k in ("canvas_id", "sis_id", "login")]
        if not any(ids):
            report.problems.append(f"{r.student_id}: no Canvas ID, SIS User ID or SIS Login ID; Canvas can only match "
                                   f"this row by name - add canvas_id or sis_id to the roster")
        first, last = r.names()
        student = f"{last}, {first}" if first and last else (r.display_name or r.student_id)
        out.append([cell(student), *map(cell, ids), cell(r.section), number(r.final_score)])
        report.rows += 1
    _write(path, out, bom=bom)
    return report


def moodle_date(moment: datetime | None, tz: str | tzinfo | None) -> str:
    """Moodle's ``Thursday, 01 October 2026, 11:41 PM`` (English, whatever the locale); '-' for None."""
    if moment is None:
        return "-"
    local = moment.astimezone(resolve_tz(tz) or timezone.utc)
    hour = local.hour % 12 or 12
    return (f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year}, "
            f"{hour:02d}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}")


def write_moodle(rows: list[GradebookRow], path: str | Path, *, tz: str | tzinfo | None = "UTC",
                 graded_at: datetime | None = None, bom: bool = True) -> ExportReport:
    """Writes Moodle's grading worksheet for one assignment ("Upload grading worksheet").

    Args:
        rows: one per student; rows without a Moodle participant id (``moodle_id``)
            are left out (the importer finds students by ``Participant N``).
        path: the file to write.
        tz: the zone dates are written in (the Moodle site's).
        graded_at: ``Last modified (grade)`` (default: now); Moodle skips a row whose
            grade changed in Moodle after this time.
        bom: start with a UTF-8 BOM (Moodle strips it; Excel needs it for Korean).
    """
    graded = graded_at or datetime.now(timezone.utc)
    out = [list(MOODLE_COLUMNS)]
    report = ExportReport(Path(path))
    for r in rows:
        pid = r.lms_ids.get("moodle_id")
        if not pid:
            report.problems.append(f"{r.student_id}: no Moodle participant id (moodle_id); left out - Moodle's "
                                   f"importer finds students by 'Participant N'")
            continue
        status = "No submission" if r.status == "missing" else "Submitted for grading"
        out.append([cell(f"Participant {pid}"), cell(r.display_name or r.student_id), cell(r.email), status,
                    number(r.final_score), number(r.max_score), "Yes", moodle_date(r.submitted_at, tz),
                    moodle_date(graded, tz), cell(r.feedback())])
        report.rows += 1
    _write(path, out, bom=bom)
    return report


def write_blackboard(rows: list[GradebookRow], path: str | Path, *, column: str, points: float | None = None,
                     column_id: str | int | None = None, bom: bool = False) -> ExportReport:
    """Writes a Blackboard Grade Center upload file (Work Offline > Upload).

    Args:
        rows: one per student; rows without a Blackboard ``username`` (or ``login``)
            are left out (Blackboard keys rows by username).
        path: the file to write (comma-delimited, every cell quoted, as Blackboard asks).
        column: the Grade Center column's name.
        points: its points (default: the rows' max_score).
        column_id: the number after ``|`` in a downloaded Grade Center header; without
            it Blackboard creates a new column.
        bom: start with a UTF-8 BOM.
    """
    pts = points if points is not None else max((r.max_score for r in rows), default=0.0)
    title = f"{column} [Total Pts: {points_label(pts)} Score] |{column_id}" if column_id is not None else column
    out = [[*BLACKBOARD_COLUMNS, cell(title), *BLACKBOARD_NOTES]]
    report = ExportReport(Path(path))
    for r in rows:
        user = r.lms_ids.get("username") or r.lms_ids.get("login")
        if not user:
            report.problems.append(f"{r.student_id}: no Blackboard username; left out - add a username column to "
                                   f"the roster")
            continue
        first, last = r.names()
        out.append([cell(last), cell(first), cell(user), cell(r.student_id), number(r.final_score),
                    cell(html.escape(r.notes)), "SMART_TEXT", cell(html.escape(r.feedback())), "SMART_TEXT"])
        report.rows += 1
    _write(path, out, bom=bom, quote_all=True)
    return report


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).isoformat(sep=" ") if moment is not None else ""


def write_nbgrader(rows: list[GradebookRow], path: str | Path, *, assignment: str, bom: bool = False) -> ExportReport:
    """Writes an nbgrader-style grades CSV (the columns of ``nbgrader export``).

    Args:
        rows: one per student.
        path: the file to write.
        assignment: the assignment's name.
        bom: start with a UTF-8 BOM.
    """
    out = [list(NBGRADER_COLUMNS)]
    report = ExportReport(Path(path))
    for r in rows:
        first, last = r.names()
        out.append([cell(assignment), _utc(r.due), _utc(r.submitted_at), cell(r.student_id), cell(last), cell(first),
                    cell(r.email), number(r.raw_score), number(r.late_penalty), number(r.final_score),
                    number(r.max_score)])
        report.rows += 1
    _write(path, out, bom=bom)
    return report
