"""The notebook walk-through of a report: cells in order, each figure beside the analysis that follows it.

A code cell that displayed figures is paired with the markdown cells that come
after it (up to the next code cell): the written analysis sits next to the graphs
and results it discusses, which is also how the analysis check counts "a comment
after every figure". Outputs are cleaned (ANSI codes, carriage-return progress bars)
and capped; the full text stays in ``notebook.html`` and ``execution.json``. Markdown
is rendered within a time budget (`RENDER_BUDGET_S`): once it is spent, the remaining
markdown cells are shown as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from harness.models import Cell, Execution
from harness.report.images import ImageBudget
from harness.report.markdown import render_markdown
from harness.report.sanitize import budget_spent, plain_block, render_budget

RENDER_BUDGET_S = 5.0
MAX_OUTPUT = 6000
MAX_SOURCE = 20000
MAX_TRACEBACK = 4000
_BACKSPACE = re.compile(r"[^\x08]\x08")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


@dataclass
class FigureView:
    """A figure as the template draws it."""

    number: int
    cell: int
    uri: str | None
    width: int = 0
    height: int = 0
    blank: bool = False
    note: str = ""


@dataclass
class CellView:
    """One cell as the template draws it."""

    index: int
    kind: str
    source: str = ""
    html: Markup | None = None
    status: str = ""
    duration_s: float | None = None
    output: str = ""
    output_note: str = ""
    error: dict | None = None
    figures: list[FigureView] = field(default_factory=list)


@dataclass
class Block:
    """A step of the walk-through: one cell, or a figure cell with the analysis after it."""

    cell: CellView
    analysis: list[CellView] = field(default_factory=list)

    @property
    def paired(self) -> bool:
        """True when the block shows figures beside their analysis."""
        return bool(self.cell.figures)


def collapse_terminal(text: str) -> str:
    """Applies carriage returns and backspaces as a terminal would (progress bars collapse to their last state)."""
    lines = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if "\r" in line:  # a carriage return overwrites the line
            parts = [part for part in line.split("\r") if part.strip()]
            line = parts[-1] if parts else ""
        previous = None
        while previous != line:  # a backspace erases the character before it
            previous, line = line, _BACKSPACE.sub("", line)
        lines.append(line.replace("\x08", ""))
    return "\n".join(lines)


def clean_output(text: str) -> str:
    """Terminal output as a reader would have seen it: no ANSI codes, progress bars collapsed."""
    return collapse_terminal(_ANSI.sub("", text or ""))


def cap(text: str, limit: int) -> tuple[str, int]:
    """`text` cut to about `limit` characters (head and tail kept), and how many were left out."""
    if len(text) <= limit:
        return text, 0
    half = limit // 2
    omitted = len(text) - 2 * half
    return f"{text[:half]}\n… [{omitted:,} characters omitted] …\n{text[-half:]}", omitted


def _code_view(cell: Cell, figures: list[FigureView]) -> CellView:
    source, _ = cap(cell.source, MAX_SOURCE)
    output, omitted = cap(clean_output(cell.output), MAX_OUTPUT)
    notes = []
    if omitted:
        notes.append(f"{omitted:,} characters omitted here")
    if cell.output_truncated:
        notes.append("the output was capped while running")
    error = None
    if cell.error is not None:
        tb, _ = cap(clean_output(cell.error.traceback), MAX_TRACEBACK)
        if tb.strip() and tb.strip() in output:  # already shown as the cell's output
            tb = ""
        error = {"ename": cell.error.ename[:200], "evalue": cap(cell.error.evalue, 2000)[0], "traceback": tb}
    return CellView(index=cell.index, kind="code", source=source, status=cell.status, duration_s=cell.duration_s,
                    output=output, output_note="; ".join(notes), error=error, figures=figures)


def _text_view(cell: Cell) -> CellView:
    if cell.cell_type == "markdown":
        source = cap(cell.source, MAX_SOURCE)[0]
        if budget_spent():
            return CellView(index=cell.index, kind="markdown",
                            html=Markup(plain_block(source, "the report's rendering time budget was spent")))
        return CellView(index=cell.index, kind="markdown", html=render_markdown(source))
    return CellView(index=cell.index, kind="raw", source=cap(cell.source, MAX_SOURCE)[0])


def figure_views(exe: Execution, folder: Path, budget: ImageBudget) -> dict[int, FigureView]:
    """Every figure of the execution, inlined within `budget` (key: index in ``exe.figures``)."""
    views = {}
    for n, fig in enumerate(exe.figures):
        img = budget.inline(folder, fig.path, width=fig.width)
        views[n] = FigureView(number=n + 1, cell=fig.cell_index, uri=img.uri, width=fig.width, height=fig.height,
                              blank=fig.blank, note=img.note)
    return views


def walkthrough(exe: Execution, figures: dict[int, FigureView], *,
                budget_s: float = RENDER_BUDGET_S) -> tuple[list[Block], list[FigureView]]:
    """The walk-through blocks, and the figures no cell claims (shown after them).

    Args:
        exe: the execution.
        figures: `figure_views` of it.
        budget_s: rendering time after which markdown cells are shown as plain text.
    """
    with render_budget(budget_s):
        return _walk(exe, figures)


def _walk(exe: Execution, figures: dict[int, FigureView]) -> tuple[list[Block], list[FigureView]]:
    claimed: set[int] = set()
    blocks: list[Block] = []
    cells = exe.cells
    i = 0
    while i < len(cells):
        cell = cells[i]
        if cell.cell_type != "code":
            blocks.append(Block(_text_view(cell)))
            i += 1
            continue
        figs = [figures[f] for f in cell.figures if f in figures]
        claimed.update(f for f in cell.figures if f in figures)
        block = Block(_code_view(cell, figs))
        i += 1
        if figs:
            while i < len(cells) and cells[i].cell_type != "code":
                block.analysis.append(_text_view(cells[i]))
                i += 1
        blocks.append(block)
    orphans = [v for n, v in figures.items() if n not in claimed]
    return blocks, orphans
