"""The student's terminal self-check: what passed, what failed, how to fix; hidden items only counted."""

from __future__ import annotations

from dataclasses import dataclass

from harness.i18n import msg, render
from harness.models import Execution, Grade
from harness.report.gradescope import student_feedback

_MARK = {"passed": msg("PASS"), "partial": msg("PART"), "failed": msg("FAIL"), "error": msg("N/A ")}


@dataclass
class CheckReport:
    """What ``labgrade check`` shows.

    Attributes:
        text: the terminal summary, in `lang`.
        feedback: the student-facing data (visible items, hidden count), in `lang`.
        status: the execution status.
        isolation: how the run was contained (``bwrap`` or ``limits-only``).
        page: the student's feedback page.
        lang: the language of `text`, `feedback` and the page (``en``, ``ko``).
    """

    text: str
    feedback: dict
    status: str
    isolation: str = "bwrap"
    page: object = None
    lang: str = "en"


def check_report(grade: Grade, execution: Execution, *, page=None, lang: str | None = None) -> CheckReport:
    """Builds the student summary from a grade, leaving hidden items unnamed.

    Args:
        grade: the grade.
        execution: its execution.
        page: the feedback page's path, named on the last line.
        lang: ``en`` or ``ko``; None picks the default (`harness.i18n.resolve_lang`).
    """
    fb = student_feedback(grade, execution, lang=lang)
    lang = fb["lang"]
    lines = [render(msg("labgrade check: {submission} ({lab})", submission=fb["submission"], lab=fb["lab"]), lang), "",
             fb["output"], ""]
    for item in fb["items"]:
        mark = render(_MARK.get(item["status"], item["status"]), lang)
        lines.append(f"  [{mark}] {item['name']}  {item['score']:g}/{item['max_score']:g}")
        if item["status"] != "passed":
            lines.append(f"         {item['message']}")
    lines.append("")
    lines.append(render(msg("Visible items: {score:g}/{max_score:g} points.", score=fb["visible_score"],
                            max_score=fb["visible_max_score"]), lang))
    if fb["hidden_items"]:
        lines.append(render(msg("{n} more item(s) worth {points:g} points are graded after you submit.",
                                n=fb["hidden_items"], points=fb["hidden_max_score"]), lang))
    if page is not None:
        lines.append(render(msg("Full feedback with your figures: {page}", page=str(page)), lang))
    return CheckReport(text="\n".join(lines), feedback=fb, status=execution.status,
                       isolation=execution.isolation.mode, page=page, lang=lang)
