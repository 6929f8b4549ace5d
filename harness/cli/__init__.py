"""The ``labgrade`` command line: a thin layer over `harness.api`."""

from __future__ import annotations

import click

from harness import __version__
from harness.cli.bench import bench_command
from harness.cli.classwork import export_command, regrade_command
from harness.cli.data import data
from harness.cli.demo import demo_command
from harness.cli.grade import check_command, grade_command
from harness.cli.lms import discover_command, gradescope_bundle_command
from harness.cli.reference import reference
from harness.cli.report import report_command
from harness.cli.run import run_command
from harness.cli.similarity import similarity_command
from harness.cli.streams import quiet_libraries
from harness.cli.verify import verify
from harness.errors import LabgradeError


class LabgradeGroup(click.Group):
    """A click group whose commands report user errors as one message and an exit code, never a traceback."""

    def invoke(self, ctx):
        quiet_libraries()
        try:
            return super().invoke(ctx)
        except LabgradeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LabgradeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="labgrade")
def main():
    """labgrade: run, grade and benchmark Keras transfer-learning lab submissions.

    \b
    Typical use:
      labgrade check alice.ipynb --lab cats-dogs        students: self-check before submitting
      labgrade grade submissions/ --lab cats-dogs       instructors: grade a class, write grades.csv
      labgrade run alice.ipynb --lab cats-dogs          execute and summarise one submission (no grading)
      labgrade report OUT                               re-render the reports of a graded class
      labgrade regrade OUT                              recompute grades after a rubric change (no re-run)
      labgrade export OUT --format canvas --to g.csv    gradebook CSV for Canvas/Moodle/Blackboard/nbgrader
      labgrade reference calibrate cats-dogs --seeds 5  measure the reference bands
      labgrade data status --data-root DIR              what data is present offline
    Every command takes --help.

    \b
    Exit codes: 0 the command did its job (whatever the scores); 1 some submission could
    not be graded, or labgrade itself failed; 2 bad input (path, file, lab id, option),
    grader data missing, or no sandbox for untrusted code.
    """


for _command in (run_command, grade_command, check_command, report_command, regrade_command, export_command,
                 demo_command, bench_command, data, discover_command, gradescope_bundle_command, similarity_command,
                 reference):
    main.add_command(_command)
reference.add_command(verify)
