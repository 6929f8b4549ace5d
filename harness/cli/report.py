"""``labgrade report``: re-render the HTML reports and the class dashboard from stored results."""

from __future__ import annotations

from pathlib import Path

import click

from harness import api
from harness.cli.grade import lang_option
from harness.cli.options import default


@click.command("report")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--student-view", is_flag=True, default=default(api.report, "student_view"),
              help="Write each submission's feedback.html (what `labgrade check` shows: visible items only, "
                   "no evidence or bands) instead of the instructor's report.html.")
@click.option("--no-notebook", is_flag=True, help="Do not (re)write notebook.html from executed.ipynb.")
@lang_option
def report_command(out, student_view, no_notebook, lang):
    """Re-render every report of OUT and its dashboard OUT/index.html, from stored results.

    OUT is a results folder written by `labgrade grade` (OUT/<submission>/execution.json,
    grade.json, figures/, executed.ipynb); nothing is executed or graded again. A
    calibration folder (reports/calibration/<lab>) gets its reference pages instead.
    The last line printed is the path of the dashboard. With --student-view --lang, each
    feedback.html, feedback.json and results.json is rewritten in that language.
    """
    summary = api.report(out, student_view=student_view, notebook=not no_notebook, lang=lang)
    for problem in summary.problems:
        click.echo(f"warning: not rendered: {problem}", err=True)
    kind = "feedback page(s)" if student_view else "report(s)"
    click.echo(f"{len(summary.reports)} {kind} written in {summary.seconds:.1f} s.")
    if summary.dashboard is not None:
        click.echo(f"dashboard: {summary.dashboard.resolve()}")
    else:
        for path in summary.reports:
            click.echo(f"reference report: {path.resolve()}")
