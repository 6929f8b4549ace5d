"""``labgrade grade`` (instructors, CI) and ``labgrade check`` (students)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness import api
from harness.cli.options import (course_options, data_root_option, default, lab_option, limit_options, parse_weights,
                                 quick_option, sandbox_option, weights_option)
from harness.errors import EXIT_FAILED, EXIT_OK
from harness.i18n import LANGUAGES, msg, render

LIMITS_ONLY_NOTICE = msg("notice: bubblewrap is not installed, so your notebook ran with resource limits only (no "
                         "network or file-system isolation). That is fine for your own code; your instructor grades "
                         "with isolation.")
CHOSE_NONE_NOTICE = msg("notice: you chose --sandbox none, so your notebook ran with resource limits only (no network "
                        "or file-system isolation). That is fine for your own code; your instructor grades with "
                        "isolation.")

lang_option = click.option(
    "--lang", type=click.Choice(LANGUAGES), default=None,
    help="Language of the student's feedback (ko: Korean, en: English). Default: the rubric's [rubric] lang, else "
         "the locale (LC_ALL/LC_MESSAGES/LANG starting with ko: Korean), else English.")


def _progress(enabled: bool):
    return (lambda line: click.echo(f"  {line}", err=True)) if enabled else None


@click.command("grade")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@lab_option()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=default(api.grade, "out"),
              show_default=True, help="Results folder: OUT/<submission>/ per submission, OUT/grades.csv.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default(api.grade, "jobs"), show_default=True,
              help="Worker processes, each grading one submission at a time (each in its own sandbox).")
@click.option("--force", is_flag=True, help="Regrade submissions already graded with this rubric and version.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Grade on a Dask cluster at this scheduler address.")
@click.option("--cluster", type=click.Choice(["local"]), help="Start a Dask LocalCluster of --jobs workers.")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of manual grades: submission,item,points,comment (merged over the automatic scores).")
@click.option("--rubric", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Grade with this rubric TOML (default: the lab's rubrics/<lab>.toml).")
@course_options
@limit_options
@quick_option
@data_root_option
@sandbox_option(api.grade)
@weights_option
@lang_option
def grade_command(paths, lab, out, jobs, force, scheduler, cluster, overrides, rubric, lms, tz, roster, due, grace, late_per,
                  late_rate, late_cap, hard_deadline, extensions, missing, timeout, cell_timeout, memory_mb, quick,
                  data_root, sandbox, weights, lang):
    """Grade submissions: files, folders (a file or a folder per student) or LMS export zips.

    Untrusted code never runs without namespace isolation: without bubblewrap this
    refuses (with the install command) unless --sandbox none is given on purpose.
    Writes per submission OUT/<submission>/report.html (instructor), feedback.html
    (student view), results.json (Gradescope autograder format), grade.json,
    feedback.json and execution.json (what students read is in --lang; the instructor's
    report is English), and for the class OUT/grades.csv, OUT/items.csv
    (each item's maximum), OUT/class_stats.json and the dashboard OUT/index.html.
    Rerunning the same command skips what is already graded (resumes after a crash);
    --force regrades. With --roster every submission is joined to a student (the
    dashboard lists students without a submission and unknown submitters); with --due
    the late policy takes its penalty as a visible line of each grade. Both are kept in
    OUT/class.json for `labgrade regrade` and `labgrade export`. Exit codes: 0 grading ran, whatever the scores; 1 some submission
    could not be graded at all; 2 bad input (nothing to grade, missing data, no sandbox).
    """
    summary = api.grade(list(paths), lab=lab, out=out, quick=quick, data_root=data_root, timeout=timeout,
                        cell_timeout=cell_timeout, memory_mb=memory_mb, sandbox=sandbox,
                        weights=parse_weights(weights), overrides=overrides, jobs=jobs, force=force,
                        scheduler=scheduler, cluster=cluster, lms=lms, tz=tz, roster=roster, due=due, grace=grace,
                        late_per=late_per, late_rate=late_rate, late_cap=late_cap, hard_deadline=hard_deadline,
                        extensions=extensions, missing=missing, rubric=rubric, lang=lang)
    for problem in summary.problems:
        click.echo(f"warning: {problem}", err=True)
    for sid, error in summary.failed.items():
        click.echo(f"NOT GRADED {sid}: {error.strip().splitlines()[-1]}", err=True)
    click.echo(f"{len(summary.graded)} graded, {len(summary.skipped)} already graded, {len(summary.failed)} failed "
               f"in {summary.wall_s:.0f} s; class table: {Path(out) / 'grades.csv'}; dashboard: "
               f"{Path(out) / 'index.html'}")
    sys.exit(EXIT_FAILED if summary.failed else EXIT_OK)


@click.command("check")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lab_option()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=default(api.check, "out"),
              show_default=True, help="Where your feedback goes: OUT/<notebook>/feedback.html, feedback.json, "
                                      "notebook.html and figures/.")
@limit_options
@quick_option
@data_root_option
@sandbox_option(api.check)
@weights_option
@lang_option
def check_command(notebook, lab, out, timeout, cell_timeout, memory_mb, quick, data_root, sandbox, weights, lang):
    """Self-check a notebook before submitting: runs it as the grader does, shows the visible items.

    Hidden items are graded after submission; they are counted here, never named. Your
    feedback page is OUT/<notebook>/feedback.html. Without bubblewrap your own code runs
    with resource limits only (a one-line notice says so). The feedback is in --lang
    (Korean or English). Exit codes: 0 whatever the score; 2 when the file cannot be read
    as a notebook or module, or data is missing.
    """
    report = api.check(notebook, lab=lab, out=out, quick=quick, data_root=data_root, timeout=timeout,
                       cell_timeout=cell_timeout, memory_mb=memory_mb, sandbox=sandbox,
                       weights=parse_weights(weights), progress=_progress(sys.stderr.isatty()), lang=lang)
    if report.isolation != "bwrap":
        notice = CHOSE_NONE_NOTICE if sandbox == "none" else LIMITS_ONLY_NOTICE
        click.echo(render(notice, report.lang), err=True)
    click.echo(report.text)
    sys.exit(EXIT_OK)
