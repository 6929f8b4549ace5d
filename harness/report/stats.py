"""Class statistics from stored grades: the one implementation behind the dashboard and ``class_stats.json``.

`class_stats` is a pure function of the grades (no file access, no clock), so the
batch engine can call it to write ``OUT/class_stats.json`` and the dashboard can
call it to draw, and the two always agree. Everything in the result is plain JSON.
"""

from __future__ import annotations

import statistics
from typing import Sequence

from harness.models import Grade
from harness.results import folder_name

STATS_VERSION = 1
HISTOGRAM_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
SLOWEST = 10


def percent(grade: Grade) -> float:
    """The grade as a percentage of its maximum (0 when the maximum is 0)."""
    return round(100.0 * grade.score / grade.max_score, 2) if grade.max_score else 0.0


def histogram(values: Sequence[float], edges: Sequence[float] = HISTOGRAM_EDGES) -> list[int]:
    """Counts of `values` per bin ``[edges[i], edges[i+1])``; the last bin includes its upper edge."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= v < edges[i + 1] or (last and v == edges[-1]):
                counts[i] += 1
                break
    return counts


def _summary(values: list[float]) -> dict:
    if not values:
        return {"mean": None, "median": None, "min": None, "max": None, "std": None}
    return {"mean": round(statistics.fmean(values), 3), "median": round(statistics.median(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3),
            "std": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0}


def _failure(grade: Grade) -> str | None:
    """Why a submission counts as failed (run did not finish, or a check could not run), else None."""
    errors = [c for c in grade.lab_result.checks if c.status == "error"]
    if grade.execution_status not in ("ok", ""):
        runs = next((c for c in grade.lab_result.checks if c.item == "runs"), None)
        return runs.message if runs and runs.message else f"run status {grade.execution_status}"
    if errors:
        return f"{len(errors)} item(s) not graded automatically: " + "; ".join(c.name for c in errors[:3])
    return None


def class_stats(grades: Sequence[Grade], *, folders: Sequence[str] | None = None) -> dict:
    """Statistics of a class: score distribution, per-item pass rates, slowest and failed submissions.

    Args:
        grades: the stored grades (any order; several labs allowed).
        folders: the results folder of each grade (``OUT/<folder>/``), same order; default
            `harness.results.folder_name` of each submission.

    Returns:
        A JSON-ready dict: ``submissions``, ``labs``, ``score`` (points, when one lab) and
        ``percent`` summaries, ``histogram`` (percent bins), ``status`` counts, ``items``
        (per lab and item: counts per status, pass rate, mean points), ``slowest`` and
        ``failed`` (each with ``folder``, ``student``...).
    """
    if folders is None:
        folders = [folder_name(g.submission.student_id) for g in grades]
    if len(folders) != len(grades):
        raise ValueError(f"class_stats: {len(grades)} grades but {len(folders)} folders; received folders={folders!r}.")
    rows = list(zip(folders, grades))
    labs = sorted({g.lab_result.lab for g in grades})
    percents = [percent(g) for g in grades]
    status: dict[str, int] = {}
    for g in grades:
        status[g.execution_status or "unknown"] = status.get(g.execution_status or "unknown", 0) + 1
    items: dict[tuple[str, str], dict] = {}
    for g in grades:
        for c in g.lab_result.checks:
            entry = items.setdefault((g.lab_result.lab, c.item), {
                "lab": g.lab_result.lab, "item": c.item, "name": c.name, "max_score": c.max_score,
                "visibility": c.visibility, "passed": 0, "partial": 0, "failed": 0, "error": 0, "n": 0, "points": 0.0})
            entry[c.status] = entry.get(c.status, 0) + 1
            entry["n"] += 1
            entry["points"] += c.score
    item_list = []
    for entry in items.values():
        n = entry.pop("n")
        points = entry.pop("points")
        entry.update(n=n, pass_rate=round(entry["passed"] / n, 4) if n else 0.0,
                     mean_score=round(points / n, 3) if n else 0.0)
        item_list.append(entry)
    slowest = sorted(rows, key=lambda fg: (-fg[1].execution_time_s, fg[1].submission.student_id))[:SLOWEST]
    failed = [(f, g, _failure(g)) for f, g in rows]
    return {
        "stats_version": STATS_VERSION,
        "submissions": len(grades),
        "labs": labs,
        "max_score": grades[0].max_score if len({g.max_score for g in grades}) == 1 else None,
        "score": _summary([g.score for g in grades]) if len(labs) == 1 else None,
        "percent": _summary(percents),
        "histogram": {"edges": list(HISTOGRAM_EDGES), "counts": histogram(percents)},
        "status": dict(sorted(status.items())),
        "items": item_list,
        "slowest": [{"folder": f, "student": g.submission.student_id, "lab": g.lab_result.lab,
                     "execution_time_s": round(g.execution_time_s, 2), "status": g.execution_status,
                     "percent": percent(g)} for f, g in slowest],
        "failed": [{"folder": f, "student": g.submission.student_id, "lab": g.lab_result.lab,
                    "status": g.execution_status, "reason": why, "percent": percent(g)}
                   for f, g, why in failed if why],
        "overridden": sum(1 for g in grades if g.overrides),
    }
