"""Gradescope's autograder ``results.json``, and the student-facing feedback view.

Format (Gradescope autograder specification): top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``,
each test with ``name``, ``number``, ``score``, ``max_score``, ``status``
(``passed``/``failed``), ``output`` and ``visibility``. Instructor-only evidence
(band limits, held-out measurements) never goes into either file.

Both are written for a student, in the student's language (`harness.i18n`): item
messages from their stored ids, item names and Keras 2 diagnoses through the catalogue.
`lang=None` picks the default (`harness.i18n.resolve_lang`: the rubric's, else the locale's).
Manual grades' comments are shown as the grader wrote them.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.i18n import msg, render, render_stored, resolve_lang
from harness.models import CheckResult, Diagnosis, Execution, Grade
from harness.serialize import write_atomic

_STATUS_LINE = {
    "ok": msg("Your submission ran to the end."),
    "error": msg("Your submission ran, but some cells raised errors."),
    "timeout": msg("Your submission was stopped at the time limit."),
    "memory": msg("Your submission was stopped at the memory limit."),
    "killed": msg("Your submission's kernel died or was killed."),
    "invalid": msg("Your submission could not be read."),
}


def status_line(status: str, lang: str) -> str:
    """One sentence on how the run ended, in `lang` (an unknown status is shown as its word)."""
    return render(_STATUS_LINE.get(status, status), lang)


def diagnosis_text(d: Diagnosis, lang: str) -> tuple[str, str]:
    """(message, replacement) of a Keras 2 diagnosis in `lang` (English as stored when it has no ids)."""
    return (render_stored(d.message_id, d.message_args, d.message, lang),
            render_stored(d.replacement_id, d.replacement_args, d.replacement, lang))


def check_message(c: CheckResult, lang: str) -> str:
    """An item's message in `lang` (from its id and arguments; as stored when it has none)."""
    return render_stored(c.message_id, c.message_args, c.message, lang)


def _output(grade: Grade, execution: Execution, lang: str) -> str:
    lines = [status_line(execution.status, lang)]
    if execution.status_detail:
        # The detail is the harness's own account of the run (English, as recorded).
        lines.append(render(msg("Detail: {detail}.", detail=execution.status_detail), lang))
    for d in execution.diagnoses:
        message, replacement = diagnosis_text(d, lang)
        lines.append(render(msg("Keras 2 API `{api}` (cell {cell}): {message} Use: {replacement}", api=d.api,
                                cell=d.cell_index, message=message, replacement=replacement), lang))
    if grade.late and grade.late.get("line"):
        penalty = float(grade.late.get("penalty_points") or 0.0)
        # The policy line is the course's own wording (names dates and hours); the frame is translated.
        lines.append(render(msg("Late policy: {line} Penalty: -{penalty:g} points.", line=str(grade.late["line"]),
                                penalty=penalty) if penalty else msg("Late policy: {line}", line=str(grade.late["line"])), lang))
    visible = {c.item for c in grade.lab_result.checks if c.visibility == "visible"}
    for ov in grade.overrides:
        if ov.item not in visible:  # a hidden item's manual grade stays in that item's own output
            continue
        line = (msg("Manually graded `{item}`: {points:g} points (automatic: {automatic:g}) - {comment}", item=ov.item,
                    points=ov.points, automatic=ov.automatic, comment=ov.comment) if ov.comment else
                msg("Manually graded `{item}`: {points:g} points (automatic: {automatic:g})", item=ov.item,
                    points=ov.points, automatic=ov.automatic))
        lines.append(render(line, lang))
    return "\n".join(lines)


def _lang(grade: Grade, lang: str | None) -> str:
    return resolve_lang(lang, lab=grade.lab_result.lab)


def results_json(grade: Grade, execution: Execution, *, lang: str | None = None) -> dict:
    """The Gradescope ``results.json`` document for one graded submission, in the student's language."""
    lang = _lang(grade, lang)
    tests = []
    for n, c in enumerate(grade.lab_result.checks, 1):
        test = {
            "name": render(c.name, lang),
            "number": str(n),
            "score": c.score,
            "max_score": c.max_score,
            "status": "passed" if c.status == "passed" else "failed",
            "output": check_message(c, lang),
            "visibility": c.visibility,
            "tags": [c.item],
        }
        override = next((o for o in grade.overrides if o.item == c.item), None)
        if override is not None:
            test["output"] += "\n" + render(msg("(Manually graded: {points:g} points; automatic score was "
                                                "{automatic:g}. {comment})", points=override.points,
                                                automatic=override.automatic, comment=override.comment), lang)
        tests.append(test)
    return {
        "score": grade.score,
        "execution_time": round(execution.wall_time_s, 1),
        "output": _output(grade, execution, lang),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def student_feedback(grade: Grade, execution: Execution, *, lang: str | None = None) -> dict:
    """What a student may see, in their language: visible items in full, hidden items only counted."""
    lang = _lang(grade, lang)
    visible = [c for c in grade.lab_result.checks if c.visibility == "visible"]
    hidden = [c for c in grade.lab_result.checks if c.visibility != "visible"]
    return {
        "submission": execution.submission.student_id,
        "lab": grade.lab_result.lab,
        "lang": lang,
        "status": execution.status,
        "output": _output(grade, execution, lang),
        "visible_score": round(sum(c.score for c in visible), 3),
        "visible_max_score": sum(c.max_score for c in visible),
        "items": [{"item": c.item, "name": render(c.name, lang), "status": c.status, "score": c.score,
                   "max_score": c.max_score, "message": check_message(c, lang)} for c in visible],
        "hidden_items": len(hidden),
        "hidden_max_score": sum(c.max_score for c in hidden),
        "late_penalty": float((grade.late or {}).get("penalty_points") or 0.0),
    }


def write_student_files(grade: Grade, execution: Execution, folder: Path, *, lang: str | None = None) -> None:
    """(Re)writes ``results.json`` and ``feedback.json`` of a results folder in `lang` (atomically)."""
    write_atomic(Path(folder) / "results.json", json.dumps(results_json(grade, execution, lang=lang), indent=2))
    write_atomic(Path(folder) / "feedback.json",
                 json.dumps(student_feedback(grade, execution, lang=lang), indent=2))
