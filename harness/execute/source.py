"""Reading a submission file into cells, or explaining why it cannot be read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_BYTES = 50 << 20
MAX_CELLS = 5000


class InvalidSubmission(ValueError):
    """The file cannot be run: the message says what was received and what to do."""


@dataclass
class SourceCell:
    """One cell as written: its type and text (and, for notebooks, its node)."""

    cell_type: str
    source: str
    first_line: int = 1


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Parses a notebook (nbformat 4, or 3 converted to 4).

    Raises:
        InvalidSubmission: empty file, not UTF-8, not JSON, not a notebook, no code cells.
    """
    raw = _read(path)
    try:
        data = json.loads(raw)
    except RecursionError:
        raise InvalidSubmission(f"{path.name} is nested too deeply to be a notebook.") from None
    except json.JSONDecodeError as exc:
        raise InvalidSubmission(
            f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "a .ipynb file must be saved by Jupyter. Re-save it from Jupyter or VS Code."
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise InvalidSubmission(
            f"{path.name} is JSON but not a Jupyter notebook (no 'nbformat' field); received top-level "
            f"{type(data).__name__}."
        )
    try:
        nb = nbformat.reads(raw, as_version=4)
    except RecursionError:
        raise InvalidSubmission(f"{path.name} is nested too deeply to be a notebook.") from None
    except Exception as exc:
        raise InvalidSubmission(f"{path.name} could not be read as a notebook: {str(exc)[:300]}") from None
    if int(data.get("nbformat", 4)) < 4:
        nb.metadata["labgrade_converted_from"] = f"nbformat {data.get('nbformat')}"
    cells = nb.get("cells", [])
    if not cells:
        raise InvalidSubmission(f"{path.name} has no cells: nothing to run. Did you submit the right file?")
    if len(cells) > MAX_CELLS:
        raise InvalidSubmission(f"{path.name} has {len(cells)} cells; at most {MAX_CELLS} are accepted.")
    if not any(c.get("cell_type") == "code" and str(c.get("source", "")).strip() for c in cells):
        raise InvalidSubmission(f"{path.name} has no code cells with code in them: nothing to run.")
    # Only what running and reporting need: metadata is the submission's to fill, and the
    # executed notebook (which the grader writes and renders) must not carry its junk.
    nb.metadata = nbformat.NotebookNode({k: v for k, v in nb.metadata.items()
                                         if k in ("kernelspec", "language_info", "labgrade_converted_from")})
    for cell in cells:  # normalise what nbformat accepted loosely
        tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
        cell["metadata"] = nbformat.NotebookNode({"tags": [str(t)[:50] for t in tags[:20]]}
                                                 if isinstance(tags, list) else {})
        if cell.get("cell_type") != "markdown":
            cell.pop("attachments", None)
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


_MARKER = re.compile(r"^# ?%%(.*)$", re.MULTILINE)


def read_module(path: Path) -> list[SourceCell]:
    """Splits a ``.py`` module into cells at ``# %%`` markers (jupytext's percent format).

    ``# %% [markdown]`` sections become markdown cells (their ``# `` comment prefixes
    removed): a module can carry the written analysis too. Without markers the whole
    module is one code cell.

    Raises:
        InvalidSubmission: empty file or not UTF-8.
    """
    text = _read(path)
    if not text.strip():
        raise InvalidSubmission(f"{path.name} is empty (or only whitespace): nothing to run.")
    matches = list(_MARKER.finditer(text))
    if not matches:
        return [SourceCell("code", text, 1)]
    cells: list[SourceCell] = []
    head = text[: matches[0].start()]
    if head.strip():
        cells.append(SourceCell("code", head, 1))
    for i, m in enumerate(matches):
        start = m.end() + 1
        body = text[start : matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        first_line = text.count("\n", 0, start) + 1
        if "[markdown]" in m.group(1) or "[md]" in m.group(1):
            lines = [re.sub(r"^# ?", "", line) for line in body.splitlines()]
            cells.append(SourceCell("markdown", "\n".join(lines).strip("\n"), first_line))
        else:
            cells.append(SourceCell("code", body, first_line))
    if len(cells) > MAX_CELLS:
        raise InvalidSubmission(f"{path.name} has {len(cells)} sections; at most {MAX_CELLS} are accepted.")
    return cells


def _read(path: Path) -> str:
    size = path.stat().st_size
    if size == 0:
        raise InvalidSubmission(f"{path.name} is an empty file (0 bytes). Did the upload fail?")
    if size > MAX_BYTES:
        raise InvalidSubmission(
            f"{path.name} is {size / 2**20:.0f} MB; at most {MAX_BYTES >> 20} MB is accepted. "
            "Clear the notebook's outputs (Kernel > Restart & Clear Output) and submit again."
        )
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidSubmission(
            f"{path.name} is not UTF-8 text (invalid byte {data[exc.start]:#04x} at offset {exc.start}). "
            "Save it as UTF-8."
        ) from None
