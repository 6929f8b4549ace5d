"""Shared click options whose defaults are read from the API functions, so they cannot drift."""

from __future__ import annotations

import inspect
from pathlib import Path

import click

from harness import api
from harness.labs import LABS
from harness.lms.found import LMS_NAMES


def default(func, name: str):
    """The default value of keyword `name` of `func`."""
    return inspect.signature(func).parameters[name].default


def parse_weights(values: tuple[str, ...]) -> dict[str, Path] | None:
    """``--weights resnet50=PATH`` (repeatable) -> {"resnet50": Path}."""
    out: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path:
            raise click.BadParameter(f"expected NAME=PATH (e.g. resnet50=weights.h5), received {value!r}",
                                     param_hint="--weights")
        if not Path(path).is_file():
            raise click.BadParameter(f"weights file {path!r} does not exist", param_hint="--weights")
        out[name.strip().lower()] = Path(path)
    return out or None


def lab_option(**kwargs):
    """``--lab LAB`` with the registry's ids as choices."""
    return click.option("--lab", "lab", required=True, type=click.Choice(list(LABS)),
                        help="Lab id the submission is graded against.", **kwargs)


data_root_option = click.option(
    "--data-root", type=click.Path(file_okay=False, path_type=Path), envvar="LABGRADE_DATA",
    help="Offline data root holding keras-home/ (datasets, models), dogs-vs-cats/train.zip and sample-images/. "
         "Default: $LABGRADE_DATA, else Keras' cache and downloads.")
quick_option = click.option("--quick", is_flag=True, help="Provision the lab's small quick-mode data (for CI and "
                                                           "fast feedback); quick-mode bands apply.")
def sandbox_option(func):
    """``--sandbox`` with the default of the API function the command calls (bwrap for grading, auto for check)."""
    return click.option(
        "--sandbox", type=click.Choice(["auto", "bwrap", "none"]), default=default(func, "sandbox"), show_default=True,
        help="bwrap: namespace isolation (refuses to run without bubblewrap); none: resource limits only, on purpose "
             "(reports say the run was not isolated); auto: bwrap when available, else limits only.")


def limit_options(func):
    """``--timeout``, ``--cell-timeout``, ``--memory-mb`` (the same for run, check and grade)."""
    func = click.option("--memory-mb", type=click.IntRange(min=64),
                        help="Resident-memory limit of the submission's processes, in MB (default: the lab's).")(func)
    func = click.option("--cell-timeout", type=click.FloatRange(min=1),
                        help="Per-cell wall-clock limit in seconds (default: the lab's).")(func)
    return click.option("--timeout", type=click.FloatRange(min=1),
                        help="Per-submission wall-clock limit in seconds (default: the lab's).")(func)
weights_option = click.option("--weights", multiple=True, metavar="NAME=PATH",
                              help="Use this weights file where code asks for weights='imagenet' "
                                   "(e.g. resnet50=resnet50.weights.h5). Repeatable.")


def course_options(func):
    """The class's LMS, roster and late-policy options of ``labgrade grade`` (defaults from `harness.api.grade`)."""
    grade = api.grade
    opts = [
        click.option("--lms", type=click.Choice(["auto", *LMS_NAMES]), default=default(grade, "lms"), show_default=True,
                     help="The LMS export's format; auto detects it per path from the file names."),
        click.option("--tz", metavar="ZONE", help="The course's time zone (e.g. Asia/Seoul): due dates and LMS times "
                                                  "written without an offset are read in it."),
        click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="students.csv (student_id, name, email, section, canvas_id, sis_id, login, moodle_id, "
                          "username): joins each submission to a student; lists who handed nothing in."),
        click.option("--due", metavar="WHEN", help="Due date, ISO-8601 (2026-10-01T23:59, read in --tz): later "
                                                   "submissions get the late penalty."),
        click.option("--grace", metavar="DURATION", default=default(grade, "grace"), show_default=True,
                     help="Grace period after --due (15min, 1h) before a submission counts as late."),
        click.option("--late-per", type=click.Choice(["day", "hour"]), default=default(grade, "late_per"),
                     show_default=True, help="Each day (or hour) started after the due date costs --late-rate."),
        click.option("--late-rate", type=click.FloatRange(0, 1), default=default(grade, "late_rate"),
                     show_default=True, help="Penalty per day/hour as a fraction of the score (0.1 = 10%)."),
        click.option("--late-cap", type=click.FloatRange(0, 1), default=default(grade, "late_cap"),
                     show_default=True, help="The largest late penalty, as a fraction."),
        click.option("--hard-deadline", metavar="WHEN", help="After this (ISO-8601) a submission scores 0."),
        click.option("--extensions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="CSV of per-student extensions: student_id, then due (a new date) or extra_hours."),
        click.option("--missing", type=click.Choice(["empty", "zero"]), default=default(grade, "missing"),
                     show_default=True, help="What a roster student without a submission gets in grades.csv "
                                             "and exports."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func
