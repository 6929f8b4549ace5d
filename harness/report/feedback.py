"""The student's terminal self-check: what passed, what failed, how to fix; hidden items only counted."""

from __future__ import annotations

from dataclasses import dataclass

from harness.models import Execution, Grade
from harness.report.gradescope import student_feedback

_MARK = {"passed": "PASS", "partial": "PART", "failed": "FAIL", "error": "N/A "}


@dataclass
class CheckReport:
    """What ``labgrade check`` shows.

    Attributes:
        text: the terminal summary.
        feedback: the student-facing data (visible items, hidden count).
        status: the execution status.
        isolation: how the run was contained (``bwrap`` or ``limits-only``).
        page: the student's feedback page.
    """

    text: str
    feedback: dict
    status: str
    isolation: str = "bwrap"
    page: object = None


def check_report(grade: Grade, execution: Execution, *, page=None) -> CheckReport:
    """Builds the student summary from a grade, leaving hidden items unnamed."""
    fb = student_feedback(grade, execution)
    lines = [f"labgrade check: {fb['submission']} ({fb['lab']})", "", fb["output"], ""]
    for item in fb["items"]:
        lines.append(f"  [{_MARK.get(item['status'], item['status'])}] {item['name']}  "
                     f"{item['score']:g}/{item['max_score']:g}")
        if item["status"] != "passed":
            lines.append(f"         {item['message']}")
    lines.append("")
    lines.append(f"Visible items: {fb['visible_score']:g}/{fb['visible_max_score']:g} points.")
    if fb["hidden_items"]:
        lines.append(f"{fb['hidden_items']} more item(s) worth {fb['hidden_max_score']:g} points are graded after "
                     "you submit.")
    if page is not None:
        lines.append(f"Full feedback with your figures: {page}")
    return CheckReport(text="\n".join(lines), feedback=fb, status=execution.status,
                       isolation=execution.isolation.mode, page=page)
