"""``OUT/similarity.html``: the instructor's page of flagged pairs, with shared passages side by side.

Every cell shown is submission text, so it reaches the template only as plain strings cut into
``(text, shared)`` segments; the template (autoescaping, like every labgrade page) wraps shared
ones in ``<mark>``. No `Markup` is built from submission text anywhere. The page is written with
the same frame, stylesheet, table-sorting script and Content-Security-Policy as the dashboard
(`harness.report.render`), plus a few rules of its own that the CSP hash covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from markupsafe import Markup

from harness import __version__
from harness.integrity.corpus import SubmissionText
from harness.integrity.models import PairScore, SimilarityReport
from harness.report.render import environment, static_text, write_page
from harness.report.sanitize import page_csp

TEMPLATE = "similarity.html.j2"
MAX_SHOWN = 6000
"""Characters of one cell shown around its shared passages (the rest is elided)."""
CONTEXT = 400
"""Characters shown before the first and after the last shared passage of a long cell."""
PAGE_BUDGET = 4_000_000
"""Characters of submission text the whole page shows; later pairs list their scores only."""

EXTRA_CSS = """
.sbs { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; margin: .5rem 0 1.2rem; }
.sbs pre { max-height: 32rem; overflow: auto; }
mark.shared { background: #ffd8a8; color: inherit; border-radius: 2px; }
.elided { color: var(--muted); font-style: italic; }
.score-high { color: var(--fail); font-weight: 600; }
.pairs-nav td, .pairs-nav th { white-space: nowrap; }
"""


@dataclass
class Side:
    """One side of a passage: which cell, and its text cut into ``(text, shared)`` segments."""

    cell: int
    segments: list[tuple[str, bool]] = field(default_factory=list)
    missing: bool = False


@dataclass
class PassageView:
    """A shared passage as drawn: channel, covered tokens, both sides."""

    channel: str
    tokens: int
    a: Side
    b: Side


def segments(source: str, spans: list[list[int]], *, limit: int = MAX_SHOWN,
             context: int = CONTEXT) -> list[tuple[str, bool]]:
    """`source` cut into ``(text, shared)`` pieces at `spans`; long cells elided around them.

    Elided text is marked by a ``("…", False)`` piece of its own at either end.

    Args:
        source: a cell's text.
        spans: ``[start, end]`` character ranges of shared text (sorted or not, may overlap).
        limit: most characters shown.
        context: characters kept before the first and after the last span of a long cell.
    """
    clean = sorted((max(0, int(s)), min(len(source), int(e))) for s, e in spans if int(e) > int(s))
    lo, hi = 0, len(source)
    if len(source) > limit:
        first = clean[0][0] if clean else 0
        lo = max(0, first - context)
        hi = min(len(source), lo + limit)
    pieces: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    pos = lo
    for s, e in clean:
        s, e = max(s, pos), min(e, hi)
        if e <= s:
            continue
        if s > pos:
            pieces.append((source[pos:s], False))
        pieces.append((source[s:e], True))
        pos = e
    if pos < hi:
        pieces.append((source[pos:hi], False))
    if hi < len(source):
        pieces.append(("…", False))
    return pieces


def _side(text: SubmissionText | None, cell: int, spans: list[list[int]]) -> Side:
    found = text.cell(cell) if text is not None else None
    if found is None:
        return Side(cell=cell, missing=True)
    return Side(cell=cell, segments=segments(found.source, spans))


def passage_views(pair: PairScore, texts: dict[str, SubmissionText], *, budget: int = PAGE_BUDGET
                  ) -> tuple[list[PassageView], int]:
    """The pair's passages with both cells' text, ready for the template, within `budget` characters.

    Returns:
        The views that fit and the characters they use.
    """
    a, b = texts.get(pair.a), texts.get(pair.b)
    views, used = [], 0
    for p in pair.passages:
        view = PassageView(channel=p.channel, tokens=p.tokens, a=_side(a, p.a_cell, p.a_spans),
                           b=_side(b, p.b_cell, p.b_spans))
        size = sum(len(t) for side in (view.a, view.b) for t, _ in side.segments)
        if used + size > budget:
            break
        views.append(view)
        used += size
    return views, used


def render_similarity(report: SimilarityReport, texts: dict[str, SubmissionText]) -> str:
    """The similarity page of `report` (instructor-only).

    Args:
        report: the run's report.
        texts: the listed pairs' submissions by folder (cells shown side by side).
    """
    css = static_text("report.css") + EXTRA_CSS
    js = static_text("sort.js")
    pairs, budget = [], PAGE_BUDGET
    for n, p in enumerate(report.pairs, start=1):
        views, used = passage_views(p, texts, budget=budget)
        budget -= used
        pairs.append({"id": f"pair-{n}", "pair": p, "passages": views, "omitted": len(p.passages) - len(views)})
    title = "Similarity" + (f": {report.lab}" if report.lab else "")
    return environment().get_template(TEMPLATE).render(
        title=title, css=Markup(css), js=Markup(js), csp=page_csp(styles=[css], scripts=[js]),
        generator=f"labgrade {__version__}",
        rendered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        report=report, pairs=pairs, flagged=len(report.flagged), settings=report.settings)


def write_similarity_html(path: Path, report: SimilarityReport, texts: dict[str, SubmissionText]) -> Path:
    """Renders and writes the similarity page atomically; returns its path."""
    return write_page(Path(path), render_similarity(report, texts))

