"""``labgrade similarity``: academic-integrity similarity across a graded class (instructors only).

Thin layer over `harness.integrity.similarity`. Exit status: 0 when the comparison ran (whatever
it found), 2 when OUT is not a results folder, has fewer than two readable submissions, or the
starter cannot be read; 1 when the report could not be written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harness.cli.options import default
from harness.integrity.detect import similarity as api
from harness.integrity.boilerplate import StarterError
from harness.integrity.detect import REPORT_HTML, REPORT_JSON, SimilarityInputError


@click.command("similarity")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--starter", type=click.Path(dir_okay=False, path_type=Path), default=default(api, "starter"),
              help="The notebook (.ipynb) or module (.py) handed out with the lab: its code and wording are "
                   "excluded, like the lecture's.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=default(api, "threshold"), show_default=True,
              help="Combined score (0 to 1) at and above which a pair is flagged.")
@click.option("--lab", default=default(api, "lab"), help="Compare only this lab's submissions (default: each lab "
                                                          "found, on its own).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default(api, "jobs"), show_default=True,
              help="Worker processes for reading and fingerprinting.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (similarity.json) on stdout instead of "
                                                       "the summary.")
def similarity_command(out, starter, threshold, lab, jobs, as_json):
    """Compare every graded submission in OUT with every other of its lab: code, analysis, outputs.

    Reads OUT/<submission>/execution.json (written by `labgrade grade`), excludes the lecture's
    code, the starter and what most of the class shares, and writes OUT/similarity.json and
    OUT/similarity.html: the most similar pairs with their shared passages side by side.
    Instructor only: do not publish these files with the students' reports.
    """
    try:
        report = api(out, starter=starter, threshold=threshold, lab=lab, jobs=jobs)
    except (SimilarityInputError, StarterError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # OUT read-only, disk full: the comparison ran, the report could not be written
        click.echo(f"Error: could not write {REPORT_JSON} / {REPORT_HTML} in {str(out)!r}: {exc.strerror or exc}. "
                   "Make OUT writable (or free space) and run again.", err=True)
        sys.exit(1)
    if as_json:
        click.echo(report.to_json())
        return
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    flagged = report.flagged
    click.echo(f"{len(report.submissions)} submission(s) compared, {report.candidate_pairs} pair(s) share something, "
               f"{len(flagged)} flagged at {report.threshold:g} in {report.seconds:.1f} s.")
    for p in flagged[:20]:
        click.echo(f"  {p.combined:5.2f}  {p.a_student} <-> {p.b_student} ({p.lab}): code {p.code:.2f}, "
                   f"prose {p.prose:.2f}, outputs {p.outputs:.2f}")
    if len(flagged) > 20:
        click.echo(f"  ... {len(flagged) - 20} more in the report")
    click.echo(f"report: {(Path(out) / REPORT_HTML).resolve()} (data: {REPORT_JSON})")
