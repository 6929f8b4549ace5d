"""The class dashboard ``OUT/index.html``: distribution, per-item pass rates, the sortable table of submissions.

Built from the stored grades only (``OUT/*/grade.json``), through `harness.report.stats.class_stats`, the
same function the batch engine uses for ``class_stats.json``. Links are relative, so
the results folder can be moved, zipped or served as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from harness.integrity.models import REPORT_HTML, load_similarity, top_pairs
from harness.labs import LABS
from harness.lms.course import load_course, missing_students
from harness.models import Grade
from harness.report import svg
from harness.report.render import render_page, write_page
from harness.report.stats import class_stats, percent
from harness.results import ClassEntry, load_class

INDEX = "index.html"
TOP_PAIRS = 5
LINKED_FILES = (("report", "report.html"), ("student view", "feedback.html"), ("notebook", "notebook.html"),
                ("results.json", "results.json"))


@dataclass
class Row:
    """One submission in the dashboard's table."""

    folder: str
    href: str
    student: str
    file_name: str
    lab: str
    status: str
    score: float
    max_score: float
    percent: float
    seconds: float
    overrides: str
    isolation: str
    flags: list[str]
    items: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)


def _row(out_dir: Path, folder: str, g: Grade) -> Row:
    href = quote(folder, safe="")
    links = [(label, f"{href}/{name}") for label, name in LINKED_FILES if (out_dir / folder / name).is_file()]
    return Row(folder=folder, href=href, student=g.submission.student_id, file_name=Path(g.submission.path).name,
               lab=g.lab_result.lab, status=g.execution_status or "unknown", score=g.score, max_score=g.max_score,
               percent=percent(g), seconds=round(g.execution_time_s, 1),
               overrides=", ".join(f"{o.item}={o.points:g}" for o in g.overrides),
               isolation=g.isolation or "unknown", flags=g.flags,
               items={(g.lab_result.lab, c.item): (c.score, c.status) for c in g.lab_result.checks}, links=links)


def dashboard_context(out_dir: Path, *, entries: list[ClassEntry] | None = None, problems: list[str] | None = None,
                      stats: dict | None = None, roster: dict | None = None) -> dict:
    """Everything the dashboard template draws (from values already loaded, when given)."""
    out_dir = Path(out_dir)
    if entries is None:
        entries, problems = load_class(out_dir)
    if roster is None:
        _, roster = load_course(out_dir)
    found = [(e.folder, e.grade) for e in entries]
    grades = [g for _, g in found]
    stats = stats or class_stats(grades, folders=[f for f, _ in found])
    columns: list[tuple[str, str, str]] = []  # (lab, item id, item name)
    seen = set()
    for g in grades:
        for c in g.lab_result.checks:
            if (g.lab_result.lab, c.item) not in seen:
                seen.add((g.lab_result.lab, c.item))
                columns.append((g.lab_result.lab, c.item, c.name))
    counts = stats["histogram"]["counts"]
    hist = svg.histogram(counts, stats["histogram"]["edges"], title="Scores (% of the maximum)",
                         xlabel="percent of the maximum score", highlight=range(0, 5)) if grades else None
    downloads = [(name, name) for name in ("grades.csv", "items.csv", "class_stats.json") if (out_dir / name).is_file()]
    labs = stats["labs"]
    return {
        "out_name": out_dir.resolve().name,
        "labs": [(lab, LABS[lab].title if lab in LABS else lab) for lab in labs],
        "stats": stats,
        "histogram_svg": hist,
        "columns": columns,
        "multi_lab": len(labs) > 1,
        "rows": [_row(out_dir, f, g) for f, g in found],
        "problems": problems or [],
        "missing_students": missing_students(roster),
        "unknown_submitters": list((roster or {}).get("unknown") or []),
        "roster_problems": list((roster or {}).get("problems") or []),
        "downloads": downloads,
        "gradescope_count": sum(1 for f, _ in found if (out_dir / f / "results.json").is_file()),
        "not_isolated": sum(1 for g in grades if g.isolation != "bwrap"),
        "flagged": sum(1 for g in grades if g.flags),
        "similar": _similar(out_dir),
    }


def _similar(out_dir: Path) -> dict | None:
    """The most similar pairs of the class's similarity report (``labgrade similarity``), when one exists."""
    report = load_similarity(out_dir)
    if report is None:
        return None
    pairs = top_pairs(report, n=TOP_PAIRS)
    return {"pairs": pairs, "flagged": sum(1 for p in report.pairs if p.flagged),
            "submissions": len(report.submissions), "threshold": report.threshold,
            "href": REPORT_HTML if (out_dir / REPORT_HTML).is_file() else None}


def render_dashboard(out_dir: Path, *, entries: list[ClassEntry] | None = None, problems: list[str] | None = None,
                     stats: dict | None = None, roster: dict | None = None) -> Path:
    """Writes ``OUT/index.html`` and returns its path.

    Args:
        out_dir: a results folder written by ``labgrade grade`` (``OUT/<submission>/grade.json``).
        entries, problems, stats, roster: the class as already loaded (read from `out_dir` when None).

    Raises:
        FileNotFoundError: when `out_dir` does not exist.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"Results folder not found: {str(out_dir)!r} (expected OUT written by "
                                "`labgrade grade`).")
    ctx = dashboard_context(out_dir, entries=entries, problems=problems, stats=stats, roster=roster)
    names = ", ".join(title for _, title in ctx["labs"]) or "no submissions"
    html = render_page("dashboard.html.j2", title=f"Class dashboard: {names}", scripts=True, **ctx)
    return write_page(out_dir / INDEX, html)
