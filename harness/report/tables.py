"""grades.csv and items.csv: one row per submission, one column per rubric item, rebuilt from stored grades.

Numbers are written with two decimals (a gradebook import must not see 12.049999999),
``items.csv`` gives each item's maximum, visibility and check, and any text a
submission controls is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

from pathlib import Path

from harness.models import Grade
from harness.serialize import SchemaError, write_atomic


def load_grades(out_dir: Path) -> tuple[list[Grade], list[str]]:
    """Every ``<out>/<submission>/grade.json`` (sorted by student), and the files that could not be read."""
    grades, problems = [], []
    for path in sorted(Path(out_dir).glob("*/grade.json")):
        try:
            grades.append(Grade.from_json(path.read_text(encoding="utf-8")))
        except (OSError, SchemaError) as exc:
            problems.append(f"{path}: {exc}")
    grades.sort(key=lambda g: g.submission.student_id)
    return grades, problems


def grades_frame(grades: list[Grade]):
    """A pandas DataFrame: submission, status, score, percent, then one column per item (points)."""
    import pandas as pd

    rows = []
    for g in grades:
        row = {
            "submission": Path(g.submission.path).name,
            "student": g.submission.student_id,
            "lab": g.lab_result.lab,
            "status": g.execution_status,
            "score": g.score,
            "max_score": g.max_score,
            "percent": round(100 * g.score / g.max_score, 2) if g.max_score else 0.0,
        }
        for c in g.lab_result.checks:
            row[c.item] = c.score
        row["execution_time_s"] = round(g.execution_time_s, 2)
        row["isolation"] = g.isolation or "unknown"
        row["flags"] = ";".join(g.flags)
        row["overrides"] = ";".join(f"{o.item}={o.points:g}" for o in g.overrides)
        row["sha256"] = g.submission.sha256
        row["rubric_version"] = g.lab_result.rubric_version
        rows.append(row)
    return pd.DataFrame(rows)


def write_grades_csv(out_dir: Path, grades: list[Grade] | None = None) -> Path:
    """Rebuilds ``<out>/grades.csv`` and ``<out>/items.csv`` from the stored grades (always consistent with them)."""
    if grades is None:
        grades, _ = load_grades(out_dir)
    path = Path(out_dir) / "grades.csv"
    frame = grades_frame(grades)
    for column in ("submission", "student", "overrides", "flags"):
        if column in frame:
            frame[column] = frame[column].map(_no_formula)
    write_atomic(path, frame.to_csv(index=False, float_format="%.2f"))
    write_atomic(Path(out_dir) / "items.csv", items_frame(grades).to_csv(index=False, float_format="%.2f"))
    return path


def items_frame(grades: list[Grade]):
    """One row per rubric item seen in `grades`: lab, item, name, max points, visibility, check status counts."""
    import pandas as pd

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
    """Student-controlled text starting like a spreadsheet formula is quoted (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
