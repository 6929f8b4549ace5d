"""Reading a class back from ``OUT/<submission>/execution.json``, defensively.

Every text in there came from a submission (its cells) or from running it (its outputs), so a
file is read only when it is a regular file reached without a symbolic link, at most
`max_bytes` long, valid UTF-8 and a valid `Execution`; anything else becomes one line in the
report's problems, never an exception that stops the class. What is kept is capped too: a
cell's text, a cell's output and a submission's total text, so one 50 MB cell costs what a
normal notebook costs.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from harness.models import Execution

EXECUTION_FILE = "execution.json"
MAX_EXECUTION_BYTES = 32 << 20
"""Largest ``execution.json`` read (the grader caps outputs, so a real one is far smaller)."""
MAX_CELL_CHARS = 100_000
"""Characters of one cell's source (and, separately, of its output) that are compared."""
MAX_SUBMISSION_CHARS = 1_000_000
"""Characters of source, all cells together, compared per submission."""


class UnreadableSubmission(ValueError):
    """One ``execution.json`` cannot be used: the message says which and why."""


@dataclass
class CellText:
    """One cell as the comparison sees it.

    Attributes:
        index: the cell's position in the notebook (`harness.models.Cell.index`).
        kind: ``"code"`` or ``"markdown"`` (raw cells are not compared).
        source: the cell's text, capped at `MAX_CELL_CHARS`.
        output: for code cells, the text the grader's run of it printed, capped.
    """

    index: int
    kind: str
    source: str
    output: str = ""


@dataclass
class FigureRef:
    """One figure a submission's run displayed.

    Attributes:
        sha256: digest of the PNG bytes.
        cell: index of the cell that displayed it.
        blank: True when every pixel has one colour (never evidence of anything).
        number: 1-based position among the submission's figures (how the reports name it).
    """

    sha256: str
    cell: int
    blank: bool
    number: int


@dataclass
class SubmissionText:
    """What a class comparison needs of one graded submission.

    Attributes:
        folder: the results folder's name (``OUT/<folder>/``), unique in the class.
        student_id: who handed it in (as recorded; hostile text, escape it).
        lab: the lab id it was graded against.
        file_name: the submitted file's name.
        cells: its code and markdown cells, in notebook order.
        figures: the figures its run displayed.
        notes: what was capped or skipped while reading it.
    """

    folder: str
    student_id: str
    lab: str
    file_name: str
    cells: list[CellText] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cell(self, index: int) -> CellText | None:
        """The cell with notebook index `index`, if it was kept."""
        for c in self.cells:
            if c.index == index:
                return c
        return None


def execution_paths(out: Path) -> tuple[list[Path], list[str]]:
    """Every ``OUT/<folder>/execution.json`` candidate, sorted, and the folders refused outright.

    Hidden folders (``.staging``, ``.trash``) are not submissions; a symlinked folder is not
    followed.
    """
    found, problems = [], []
    for folder in sorted(Path(out).iterdir(), key=lambda p: p.name):
        if folder.name.startswith("."):
            continue
        if folder.is_symlink():
            if (folder / EXECUTION_FILE).exists():
                problems.append(f"{safe_name(folder.name)}/: a symbolic link; not followed.")
            continue
        if folder.is_dir() and (os.path.lexists(folder / EXECUTION_FILE)):
            found.append(folder / EXECUTION_FILE)
    return found, problems


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of regular file `path`, opened without following a symlink, at most `max_bytes`.

    Raises:
        UnreadableSubmission: a symlink, not a regular file, larger than `max_bytes`, or unreadable.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or Path(path).is_symlink():
            raise UnreadableSubmission(f"{_where(path)} is a symbolic link; not followed.") from None
        raise UnreadableSubmission(f"{_where(path)} cannot be opened ({exc.strerror}).") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableSubmission(f"{_where(path)} is not a regular file.")
        if info.st_size > max_bytes:
            raise UnreadableSubmission(f"{_where(path)} is {info.st_size:,} bytes; at most {max_bytes:,} are read. "
                                       "Regrade the submission (its outputs are capped) or raise max_bytes.")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UnreadableSubmission(f"{_where(path)} grew past {max_bytes:,} bytes while being read.")
    return data


def read_submission(path: Path, *, max_bytes: int = MAX_EXECUTION_BYTES) -> SubmissionText:
    """One ``OUT/<folder>/execution.json`` as a `SubmissionText`.

    Raises:
        UnreadableSubmission: for any file that is not a readable, valid `Execution`.
    """
    path = Path(path)
    data = read_capped(path, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableSubmission(f"{_where(path)} is not UTF-8 (invalid byte at offset {exc.start}).") from None
    try:
        exe = Execution.from_json(text)
    except RecursionError:
        raise UnreadableSubmission(f"{_where(path)} is nested too deeply to be an Execution.") from None
    except Exception as exc:  # a crafted file may break the parser in any way: report it, go on
        raise UnreadableSubmission(f"{_where(path)} is not a valid Execution: {_short(exc)}") from None
    return _texts(path.parent.name, exe)


def _clean(text: str) -> str:
    """`text` without lone surrogates (JSON can carry ``"\\ud800"``; no page or file could be written with one)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def safe_name(name: str) -> str:
    """`name` as text any file can hold: undecodable bytes from the OS (``\\udcff``) shown as ``\\xff``,
    other lone surrogates as ``\\ud800``."""
    try:
        data = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = name.encode("utf-8", "backslashreplace")
    return data.decode("utf-8", "backslashreplace")


def _texts(folder: str, exe: Execution) -> SubmissionText:
    sub = SubmissionText(folder=safe_name(folder), student_id=_clean(str(exe.submission.student_id)),
                         lab=_clean(str(exe.submission.lab)), file_name=_clean(Path(str(exe.submission.path)).name))
    budget = MAX_SUBMISSION_CHARS
    for cell in exe.cells:
        if cell.cell_type not in ("code", "markdown"):
            continue
        source = _clean(cell.source)
        if len(source) > MAX_CELL_CHARS:
            sub.notes.append(f"cell {cell.index}: only the first {MAX_CELL_CHARS:,} of {len(source):,} characters "
                             "compared.")
            source = source[:MAX_CELL_CHARS]
        if len(source) > budget:
            sub.notes.append(f"cells from {cell.index} on not compared: the submission's text passed "
                             f"{MAX_SUBMISSION_CHARS:,} characters.")
            break
        budget -= len(source)
        output = _clean(cell.output[:MAX_CELL_CHARS]) if cell.cell_type == "code" else ""
        sub.cells.append(CellText(index=cell.index, kind=cell.cell_type, source=source, output=output))
    for number, fig in enumerate(exe.figures, start=1):
        if fig.sha256:
            sub.figures.append(FigureRef(sha256=_clean(fig.sha256), cell=fig.cell_index, blank=fig.blank, number=number))
    return sub


def _where(path: Path) -> str:
    return safe_name(f"{Path(path).parent.name}/{Path(path).name}")


def _short(exc: Exception, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
