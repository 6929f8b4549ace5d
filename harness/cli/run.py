"""``labgrade run``: execute one submission and summarise what it did."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness import api
from harness.cli.options import (data_root_option, default, lab_option, limit_options, parse_weights, quick_option,
                                 sandbox_option, weights_option)
from harness.cli.streams import reserved_stdout
from harness.cli.summary import execution_summary
from harness.results import folder_name


@click.command("run")
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lab_option()
@limit_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=default(api.run, "out"),
              show_default=True, help="Results folder; the run is written to OUT/<student>/.")
@click.option("--json", "as_json", is_flag=True,
              help="Print exactly one JSON document (the Execution) on stdout; everything else goes to stderr.")
@quick_option
@data_root_option
@sandbox_option(api.run)
@weights_option
def run_command(submission, lab, timeout, cell_timeout, memory_mb, out, as_json, quick, data_root, sandbox,
                weights):
    """Run SUBMISSION (.ipynb or .py) in the sandbox and report what it did, without grading.

    Prints the status, cells run and failed, figures, words of written analysis,
    the training trace and the exported contract names. Exit codes: 0 when the
    submission ran (whatever it did); 2 for bad input, missing data or no sandbox.
    """
    progress = None if as_json or not sys.stderr.isatty() else (lambda line: click.echo(f"  {line}", err=True))
    with reserved_stdout():
        exe = api.run(submission, lab=lab, out=out, quick=quick, data_root=data_root, timeout=timeout,
                      cell_timeout=cell_timeout, memory_mb=memory_mb, sandbox=sandbox,
                      weights=parse_weights(weights), progress=progress)
    if as_json:
        click.echo(exe.to_json())
    else:
        click.echo(execution_summary(exe, artifacts=Path(out) / folder_name(exe.submission.student_id)))
