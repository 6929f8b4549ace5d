"""``labgrade demo``: grade the bundled sample submissions and write the HTML reports."""

from __future__ import annotations

from pathlib import Path

import click

from harness import api
from harness.labs import LABS
from harness.cli.options import data_root_option, default, sandbox_option


@click.command("demo")
@click.option("--lab", default=default(api.demo, "lab"), show_default=True, type=click.Choice(list(LABS)),
              help="Whose bundled samples (submissions/<lab>/) to grade.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=default(api.demo, "out"),
              show_default=True, help="Results folder (reports, grades.csv, dashboard).")
@click.option("--full", is_flag=True, help="Full-size data instead of quick mode (much slower on a CPU).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default(api.demo, "jobs"), show_default=True,
              help="Worker processes.")
@data_root_option
@sandbox_option(api.demo)
def demo_command(lab, out, full, jobs, data_root, sandbox):
    """Grade the bundled sample submissions of one lab and write the reports; print the dashboard path.

    The samples include hostile submissions, so the demo needs bubblewrap like any
    grading (or --sandbox none on purpose). Online, Keras downloads Fashion-MNIST on first
    use; offline, pass --data-root (or set LABGRADE_DATA) to a folder holding
    keras-home/, dogs-vs-cats/train.zip and sample-images/. Each submission gets
    OUT/<sample>/report.html and feedback.html; the last line is the dashboard.
    """
    dashboard = api.demo(lab=lab, out=out, data_root=data_root, quick=not full, jobs=jobs, sandbox=sandbox)
    click.echo(f"dashboard: {Path(dashboard).resolve()}")
