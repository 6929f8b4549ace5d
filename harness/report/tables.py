"""grades.csv: one row per submission, one column per rubric item, rebuilt from stored grades."""

from __future__ import annotations

from pathlib import Path

from harness.models import Grade
from harness.serialize import SchemaError


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
            "percent": round(100 * g.score / g.max_score, 1) if g.max_score else 0.0,
        }
        for c in g.lab_result.checks:
            row[c.item] = c.score
        row["execution_time_s"] = round(g.execution_time_s, 1)
        row["overrides"] = ";".join(f"{o.item}={o.points:g}" for o in g.overrides)
        row["sha256"] = g.submission.sha256
        row["rubric_version"] = g.lab_result.rubric_version
        rows.append(row)
    return pd.DataFrame(rows)


def write_grades_csv(out_dir: Path) -> Path:
    """Rebuilds ``<out>/grades.csv`` from the stored grades (always consistent with them)."""
    from harness.serialize import write_atomic

    grades, _ = load_grades(out_dir)
    path = Path(out_dir) / "grades.csv"
    frame = grades_frame(grades)
    for column in ("submission", "student", "overrides"):
        if column in frame:
            frame[column] = frame[column].map(_no_formula)
    write_atomic(path, frame.to_csv(index=False))
    return path


def _no_formula(value):
    """Student-controlled text starting like a spreadsheet formula is quoted (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
