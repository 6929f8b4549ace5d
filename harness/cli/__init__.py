"""The ``labgrade`` command line: a thin layer over `harness.api`."""

from __future__ import annotations

import click

from harness import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="labgrade")
def main():
    """labgrade: run, grade and benchmark Keras transfer-learning lab submissions.

    \b
    Typical use:
      labgrade check alice.ipynb --lab cats-dogs        students: self-check before submitting
      labgrade grade submissions/ --lab cats-dogs       instructors: grade a class, write grades.csv
      labgrade run alice.ipynb --lab cats-dogs          execute and summarise one submission (no grading)
      labgrade reference calibrate cats-dogs --seeds 5  measure the reference bands
      labgrade data status --data-root DIR              what data is present offline
    Every command takes --help.
    """


def _register() -> None:
    from harness.cli.data import data
    from harness.cli.bench import bench_command
    from harness.cli.demo import demo_command
    from harness.cli.grade import check_command, grade_command
    from harness.cli.report import report_command
    from harness.cli.run import run_command
    from harness.cli.similarity import similarity_command

    main.add_command(run_command)
    main.add_command(grade_command)
    main.add_command(check_command)
    main.add_command(report_command)
    main.add_command(demo_command)
    main.add_command(bench_command)
    main.add_command(data)
    main.add_command(similarity_command)
    try:
        from harness.cli.reference import reference
    except ImportError:  # reference commands land with the reference implementations
        reference = None
    if reference is not None:
        from harness.cli.verify import verify

        reference.add_command(verify)
        main.add_command(reference)


_register()
