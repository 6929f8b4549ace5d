"""Gradescope's autograder ``results.json``, and the student-facing feedback view.

Format (Gradescope autograder specification): top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``,
each test with ``name``, ``number``, ``score``, ``max_score``, ``status``
(``passed``/``failed``), ``output`` and ``visibility``. Instructor-only evidence
(band limits, held-out measurements) never goes into either file.
"""

from __future__ import annotations

from harness.models import Execution, Grade

_STATUS_LINE = {
    "ok": "Your submission ran to the end.",
    "error": "Your submission ran, but some cells raised errors.",
    "timeout": "Your submission was stopped at the time limit.",
    "memory": "Your submission was stopped at the memory limit.",
    "killed": "Your submission's kernel died or was killed.",
    "invalid": "Your submission could not be read.",
}


def _output(grade: Grade, execution: Execution) -> str:
    lines = [_STATUS_LINE.get(execution.status, execution.status)]
    if execution.status_detail:
        lines.append(f"Detail: {execution.status_detail}.")
    for d in execution.diagnoses:
        lines.append(f"Keras 2 API `{d.api}` (cell {d.cell_index}): {d.message} Use: {d.replacement}")
    if grade.late and grade.late.get("line"):
        penalty = float(grade.late.get("penalty_points") or 0.0)
        lines.append(str(grade.late["line"]) + (f" Late penalty: -{penalty:g} points." if penalty else ""))
    visible = {c.item for c in grade.lab_result.checks if c.visibility == "visible"}
    for ov in grade.overrides:
        if ov.item not in visible:  # a hidden item's manual grade stays in that item's own output
            continue
        lines.append(f"Manually graded `{ov.item}`: {ov.points:g} points (automatic: {ov.automatic:g})"
                     + (f" - {ov.comment}" if ov.comment else ""))
    return "\n".join(lines)


def results_json(grade: Grade, execution: Execution) -> dict:
    """The Gradescope ``results.json`` document for one graded submission."""
    tests = []
    for n, c in enumerate(grade.lab_result.checks, 1):
        test = {
            "name": c.name,
            "number": str(n),
            "score": c.score,
            "max_score": c.max_score,
            "status": "passed" if c.status == "passed" else "failed",
            "output": c.message,
            "visibility": c.visibility,
            "tags": [c.item],
        }
        override = next((o for o in grade.overrides if o.item == c.item), None)
        if override is not None:
            test["output"] += f"\n(Manually graded: {override.points:g} points; automatic score was " \
                              f"{override.automatic:g}. {override.comment})"
        tests.append(test)
    return {
        "score": grade.score,
        "execution_time": round(execution.wall_time_s, 1),
        "output": _output(grade, execution),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def student_feedback(grade: Grade, execution: Execution) -> dict:
    """What a student may see: visible items in full, hidden items only counted."""
    visible = [c for c in grade.lab_result.checks if c.visibility == "visible"]
    hidden = [c for c in grade.lab_result.checks if c.visibility != "visible"]
    return {
        "submission": execution.submission.student_id,
        "lab": grade.lab_result.lab,
        "status": execution.status,
        "output": _output(grade, execution),
        "visible_score": round(sum(c.score for c in visible), 3),
        "visible_max_score": sum(c.max_score for c in visible),
        "items": [{"item": c.item, "name": c.name, "status": c.status, "score": c.score, "max_score": c.max_score,
                   "message": c.message} for c in visible],
        "hidden_items": len(hidden),
        "hidden_max_score": sum(c.max_score for c in hidden),
        "late_penalty": float((grade.late or {}).get("penalty_points") or 0.0),
    }
