"""``labgrade discover`` (what an LMS export holds) and ``labgrade gradescope-bundle``."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from harness.autograder import write_bundle
from harness.cli.options import default, lab_option, quick_option
from harness.discover import discover
from harness.errors import InputError
from harness.lms.found import LMS_NAMES, Discovery
from harness.lms.roster import RosterError, RosterMatch, match_roster, read_roster
from harness.lms.times import format_local


def _message(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


def _table(d: Discovery, match: RosterMatch | None) -> str:
    roster_of = {id(m.submitter.found): m.student.student_id for m in match.matched if m.submitter.member == 0} \
        if match else {}
    header = ["student", "name", "lms", "submitted", "late", "try", "file"] + (["roster"] if match else [])
    rows = [header]
    for f in d.found:
        rows.append([f.student_id, f.display_name or "-", f.lms, format_local(f.submitted_at) if f.submitted_at
                     else "-", {True: "LATE", False: "", None: "?"}[f.late] if f.lms != "plain" else "",
                     str(f.attempt or ""), f.original_name or f.path.name]
                    + ([roster_of.get(id(f), "?")] if match else []))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


@click.command("discover")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--lms", type=click.Choice(["auto", *LMS_NAMES]), default=default(discover, "lms"), show_default=True,
              help="The export's format; auto detects it per path from the file names.")
@click.option("--tz", metavar="ZONE", help="Time zone of LMS times written without one (Blackboard), e.g. "
                                           "Asia/Seoul. Without it such times stay unknown.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="students.csv: also show who on the roster each submission is, and who handed nothing in.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (discovery, roster join) on stdout.")
@click.option("--unpack-to", type=click.Path(file_okay=False, path_type=Path),
              help="Keep unpacked zip exports in this folder (default: a temporary folder, removed on exit).")
def discover_command(paths, lms, tz, roster, as_json, unpack_to):
    """List the submissions in files, folders or LMS exports (Canvas, Moodle, Blackboard, Gradescope).

    Shows each submission's student, name, submission time, LMS late flag,
    attempt and file, then every problem (names that do not follow the LMS's
    convention, files skipped and why). Exit code 2 when nothing gradeable was found.
    """
    try:
        students = read_roster(roster) if roster else None
    except RosterError as exc:
        raise InputError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="labgrade-discover-") as scratch:
        target = unpack_to or Path(scratch)
        target.mkdir(parents=True, exist_ok=True)
        try:
            found = discover(list(paths), tmp_root=target, lms=lms, tz=tz)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--tz" if "zone" in str(exc) else "--lms") from None
        match = match_roster(found.found, students) if students else None
        if as_json:
            click.echo(json.dumps({"discovery": found.to_dict(), "roster": match.to_dict() if match else None,
                                   "gradeable": len(found.found)}, ensure_ascii=False, indent=2))
        else:
            if found.found:
                click.echo(_table(found, match))
            for export in found.exports:
                click.echo(f"{export.source}: read as {export.lms} ({export.how}), {export.found} submission(s)")
            if match:
                click.echo(f"roster: {len(match.matched)} matched, {len(match.unknown)} not on the roster, "
                           f"{len(match.ambiguous)} ambiguous, {len(match.missing)} without a submission"
                           + (f" ({', '.join(s.student_id for s in match.missing[:20])})" if match.missing else ""))
            problems = found.problems + (match.problems if match else [])
            if problems:
                click.echo(f"{len(problems)} problem(s):")
                for problem in problems:
                    click.echo(f"  - {problem}")
    if not found.found:
        click.echo(f"Nothing gradeable (.ipynb or .py) found in {', '.join(map(str, paths))}"
                   + ("; see the problems above." if found.problems and not as_json else "."), err=True)
        sys.exit(2)


@click.command("gradescope-bundle")
@lab_option()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The autograder zip to write (upload it in Gradescope's 'Configure Autograder').")
@click.option("--source", type=click.Path(exists=True, path_type=Path),
              help="labgrade to install: a source checkout, a .whl or a .tar.gz. Default: this checkout.")
@click.option("--extras", default=default(write_bundle, "extras"), show_default=True,
              help="pip extras installed with labgrade ('' for none).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "none"]), default=default(write_bundle, "sandbox"),
              show_default=True, help="labgrade's sandbox inside Gradescope's container.")
@click.option("--timeout", type=float, help="Per-submission limit in seconds (default: the lab's).")
@click.option("--container-data-root", "data_root", metavar="PATH",
              help="labgrade's data root inside Gradescope's container (default: Keras' cache and downloads).")
@quick_option
def gradescope_bundle_command(lab, out, source, extras, sandbox, timeout, data_root, quick):
    """Write a Gradescope autograder zip that grades LAB with labgrade."""
    try:
        path = write_bundle(lab=lab, out=out, source=source, extras=extras, sandbox=sandbox, quick=quick,
                            timeout=timeout, data_root=data_root)
    except (KeyError, ValueError) as exc:
        raise InputError(_message(exc)) from None
    click.echo(f"Wrote {path} ({path.stat().st_size // 1024} KB). In Gradescope: a programming assignment, "
               f"Configure Autograder, upload this zip (base image: Ubuntu).")
