"""``labgrade regrade`` (after a rubric change, nothing re-run) and ``labgrade export`` (gradebook CSVs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness import api
from harness.cli.options import data_root_option, default, parse_weights, weights_option
from harness.errors import EXIT_FAILED, EXIT_OK
from harness.lms.export import FORMATS


@click.command("regrade")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rubric", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A rubric TOML to grade with (default: the lab's current rubrics/<lab>.toml).")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of manual grades (submission,item,points,comment) replacing the stored ones.")
@click.option("--no-render", is_flag=True, help="Only rebuild grades and class tables; leave the HTML reports as "
                                                "they are.")
@data_root_option
@weights_option
def regrade_command(out, rubric, overrides, no_render, data_root, weights):
    """Recompute every grade of a graded class without running any notebook.

    After changing points, items, visibility or band margins in the rubric, grades
    are rebuilt from what grading stored (execution, training trace, measurements);
    a measurement the new rubric needs that was not stored is taken from the stored
    exported model. Manual overrides, the roster and the late policy of OUT/class.json
    are applied again; reports, grades.csv and the dashboard are rewritten. Exit code 1
    when some submission could not be regraded or needs a re-run (listed).
    """
    progress = (lambda line: click.echo(f"  {line}", err=True)) if sys.stderr.isatty() else None
    summary = api.regrade(out, rubric=rubric, overrides=overrides, data_root=data_root,
                          weights=parse_weights(weights), render=not no_render, progress=progress)
    for problem in summary.problems:
        click.echo(f"NOT REGRADED {problem}", err=True)
    for folder, needs in summary.needs_rerun.items():
        click.echo(f"NEEDS RE-RUN {folder}: the rubric needs {', '.join(needs)}, which was not stored; grade it "
                   f"again with `labgrade grade --force`", err=True)
    click.echo(f"{len(summary.regraded)} regraded in {summary.seconds:.1f} s; class table: {out / 'grades.csv'}")
    sys.exit(EXIT_FAILED if summary.problems or summary.needs_rerun else EXIT_OK)


@click.command("export")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="The gradebook: canvas (gradebook CSV), moodle (grading worksheet), blackboard (Grade Center "
                   "upload) or nbgrader (nbgrader export columns).")
@click.option("--to", "path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV file to write.")
@click.option("--assignment", help="Assignment name (Blackboard: column name). Default: the lab id.")
@click.option("--assignment-id", help="Canvas assignment id / Blackboard column id, so the import updates that "
                                      "assignment instead of creating a new one.")
@click.option("--tz", metavar="ZONE", default=default(api.export, "tz"),
              help="Zone of Moodle's dates (default: the course's --tz, else UTC).")
def export_command(out, fmt, path, assignment, assignment_id, tz):
    """Write a graded class's grades as a gradebook CSV to import into the LMS.

    Scores, late penalties and identities are the stored ones (as in grades.csv and
    the reports); roster students without a submission get a row. Rows the LMS could
    not match (no LMS id in the roster) are listed, never silently dropped.
    """
    report = api.export(out, fmt=fmt, path=path, assignment=assignment, assignment_id=assignment_id, tz=tz)
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"{report.rows} rows written to {report.path}")
    sys.exit(EXIT_OK)
