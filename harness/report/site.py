"""Re-rendering a whole results folder: every submission's report, ``grades.csv`` and the dashboard.

This is what ``labgrade report OUT`` (and the API's ``report``) does: everything is
rebuilt from the stored results, nothing is executed or graded again. One broken
submission folder is reported and skipped; the others and the dashboard are still
written. A calibration folder (``<lab>/<mode>/seed-*/result.json``) gets its
reference pages instead.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.lms.course import load_course
from harness.report.dashboard import render_dashboard
from harness.report.reference import render_calibration_dir
from harness.report.stats import class_stats
from harness.report.submission import render_submission
from harness.report.tables import write_grades_csv
from harness.results import CLASS_STATS, load_class, submission_folders
from harness.serialize import SchemaError, write_atomic


@dataclass
class RenderSummary:
    """What `render_site` wrote.

    Attributes:
        dashboard: ``OUT/index.html`` (None for a calibration folder).
        reports: every per-submission page written (or calibration page).
        problems: folders that could not be rendered, with the reason.
        seconds: wall time of the whole rendering.
    """

    dashboard: Path | None = None
    reports: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def is_calibration_dir(folder: Path) -> bool:
    """True for a folder written by ``labgrade reference calibrate --out`` (``<mode>/seed-*/result.json``)."""
    return any(Path(folder).glob("full/seed-*/result.json")) or any(Path(folder).glob("quick/seed-*/result.json"))


def render_site(out: Path, *, student_view: bool = False, notebook: bool = True, reports: bool = True) -> RenderSummary:
    """Renders every report of a results folder and its dashboard, from stored results only.

    Args:
        out: ``OUT`` as written by ``labgrade grade`` (or a calibration folder).
        student_view: write each submission's ``feedback.html`` (the student's view)
            instead of ``report.html``; the dashboard is written either way.
        notebook: also (re)write each ``notebook.html`` from ``executed.ipynb`` when stale.
        reports: re-render every submission's page; False when they are current (the batch
            engine renders each one in its worker) and only the class pages are needed.

    Raises:
        FileNotFoundError: when `out` is not a folder.
    """
    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"Results folder not found: {str(out)!r}.")
    t0 = time.monotonic()
    summary = RenderSummary()
    if is_calibration_dir(out):
        summary.reports = render_calibration_dir(out)
        summary.seconds = round(time.monotonic() - t0, 3)
        return summary
    for folder in submission_folders(out) if reports else []:
        try:
            summary.reports.append(render_submission(folder, student_view=student_view, notebook=notebook))
        except (OSError, SchemaError, ValueError) as exc:
            summary.problems.append(f"{folder.name}: {type(exc).__name__}: {exc}")
    summary.dashboard = write_class_outputs(out)
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary


def write_class_outputs(out: Path, *, run_summary: dict | None = None) -> Path:
    """grades.csv, items.csv, class_stats.json and the dashboard, all from one read of the stored grades.

    Args:
        out: the results folder.
        run_summary: what the batch run that just finished did (stored in class_stats.json).

    Returns:
        The dashboard's path.
    """
    out = Path(out)
    entries, problems = load_class(out)
    course, roster = load_course(out)
    if entries or roster:
        write_grades_csv(out, entries, course=course, roster=roster)
    stats = class_stats([e.grade for e in entries], folders=[e.folder for e in entries])
    if run_summary is not None:
        stats["run"] = {**run_summary, "problems": list(run_summary.get("problems", [])) + problems}
    write_atomic(out / CLASS_STATS, json.dumps(stats, indent=2, default=str))
    return render_dashboard(out, entries=entries, problems=problems, stats=stats, roster=roster)
