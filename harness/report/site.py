"""Re-rendering a whole results folder: every submission's report, ``grades.csv`` and the dashboard.

This is what ``labgrade report OUT`` (and the API's ``report``) does: everything is
rebuilt from the stored results, nothing is executed or graded again. One broken
submission folder is reported and skipped; the others and the dashboard are still
written. A calibration folder (``<lab>/<mode>/seed-*/result.json``) gets its
reference pages instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.serialize import SchemaError


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
    from harness.report.dashboard import render_dashboard
    from harness.report.submission import render_submission

    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"Results folder not found: {str(out)!r}.")
    t0 = time.monotonic()
    summary = RenderSummary()
    if is_calibration_dir(out):
        from harness.report.reference import render_calibration_dir

        summary.reports = render_calibration_dir(out)
        summary.seconds = round(time.monotonic() - t0, 3)
        return summary
    for folder in sorted(p.parent for p in out.glob("*/execution.json")) if reports else []:
        try:
            summary.reports.append(render_submission(folder, student_view=student_view, notebook=notebook))
        except (OSError, SchemaError, ValueError) as exc:
            summary.problems.append(f"{folder.name}: {type(exc).__name__}: {exc}")
    if any(out.glob("*/grade.json")):
        from harness.report.tables import write_grades_csv

        write_grades_csv(out)
    summary.dashboard = render_dashboard(out)
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary
