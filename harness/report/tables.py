"""grades.csv and items.csv: one row per student, one column per rubric item, rebuilt from stored grades.

Each row carries the student's identity (the roster's id, name, e-mail and section when
a roster was given; else what the LMS export said), where the file came from, the late
policy's line and penalty, then the points per item. Roster students who handed nothing
in get a row too (``missing``: empty or 0, as the course settings say). Numbers are
written with two decimals (a gradebook import must not see 12.049999999), ``items.csv``
gives each item's maximum, visibility and check, and any text a submission or an LMS
export controls is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

from pathlib import Path

from harness.lms.course import CourseSettings, missing_students
from harness.models import Grade
from harness.results import GRADES_CSV, ITEMS_CSV, ClassEntry
from harness.serialize import write_atomic

IDENTITY = ("student", "roster_id", "name", "email", "section", "lms", "file", "submitted_at")


def _identity(entry: ClassEntry) -> dict:
    origin = entry.origin or {}
    roster = origin.get("roster") if isinstance(origin.get("roster"), dict) else {}
    return {
        "student": entry.grade.submission.student_id,
        "roster_id": roster.get("student_id") or "",
        "name": roster.get("name") or origin.get("display_name") or "",
        "email": roster.get("email") or origin.get("email") or "",
        "section": roster.get("section") or "",
        "lms": origin.get("lms") or "",
        "file": origin.get("original_name") or Path(str(origin.get("path") or entry.grade.submission.path)).name,
        "submitted_at": origin.get("submitted_at") or "",
    }


def grades_frame(entries: list[ClassEntry], *, course: CourseSettings | None = None, roster: dict | None = None):
    """A pandas DataFrame: identity, status, raw score, late penalty, score, percent, then points per item."""
    import pandas as pd  # heavy: imported only when a table is written

    rows = []
    for entry in entries:
        g = entry.grade
        row = {**_identity(entry), "lab": g.lab_result.lab, "status": g.execution_status,
               "raw_score": g.raw_score if g.raw_score is not None else g.score,
               "late_penalty": float(g.late.get("penalty_points") or 0.0) if g.late else 0.0,
               "score": g.score, "max_score": g.max_score,
               "percent": round(100 * g.score / g.max_score, 2) if g.max_score else 0.0,
               "late": (g.late or {}).get("line", "")}
        for c in g.lab_result.checks:
            row[c.item] = c.score
        row["execution_time_s"] = round(g.execution_time_s, 2)
        row["isolation"] = g.isolation or "unknown"
        row["flags"] = ";".join(g.flags)
        row["overrides"] = ";".join(f"{o.item}={o.points:g}" for o in g.overrides)
        row["sha256"] = g.submission.sha256
        row["rubric_version"] = g.lab_result.rubric_version
        rows.append(row)
    missing_score = 0.0 if course is not None and course.missing == "zero" else None
    for student in missing_students(roster):
        rows.append({"student": "", "roster_id": student.student_id, "name": student.name or "",
                     "email": student.email or "", "section": student.section or "", "status": "missing",
                     "raw_score": missing_score, "late_penalty": 0.0, "score": missing_score,
                     "max_score": entries[0].grade.max_score if entries else None, "late": "no submission"})
    return pd.DataFrame(rows)


def write_grades_csv(out_dir: Path, entries: list[ClassEntry], *, course: CourseSettings | None = None,
                     roster: dict | None = None) -> Path:
    """Writes ``<out>/grades.csv`` and ``<out>/items.csv`` from the class's stored grades."""
    path = Path(out_dir) / GRADES_CSV
    frame = grades_frame(entries, course=course, roster=roster)
    for column in ("student", "name", "email", "section", "file", "overrides", "flags", "late", "roster_id"):
        if column in frame:
            frame[column] = frame[column].map(_no_formula)
    write_atomic(path, frame.to_csv(index=False, float_format="%.2f"))
    write_atomic(Path(out_dir) / ITEMS_CSV,
                 items_frame([e.grade for e in entries]).to_csv(index=False, float_format="%.2f"))
    return path


def items_frame(grades: list[Grade]):
    """One row per rubric item seen in `grades`: lab, item, name, max points, visibility, how many passed/failed."""
    import pandas as pd  # heavy: imported only when a table is written

    rows: dict[tuple[str, str], dict] = {}
    for g in grades:
        for c in g.lab_result.checks:
            row = rows.setdefault((g.lab_result.lab, c.item), {
                "lab": g.lab_result.lab, "item": c.item, "name": _no_formula(c.name), "max_points": c.max_score,
                "visibility": c.visibility, "passed": 0, "partial": 0, "failed": 0, "error": 0})
            row[c.status] = row.get(c.status, 0) + 1
    return pd.DataFrame(list(rows.values()), columns=["lab", "item", "name", "max_points", "visibility", "passed",
                                                      "partial", "failed", "error"])


def _no_formula(value):
    """Text starting like a spreadsheet formula is quoted (CSV injection); missing values stay empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
