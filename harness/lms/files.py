"""Listing a submission folder safely and choosing the one file to grade.

Folders come from students (through the LMS): symbolic links are never followed
(they are reported, not listed), hidden files, macOS forks, ``__pycache__`` and
notebook checkpoints are ignored, and the walk is capped in depth and count.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from harness.lms.safezip import SKIP

SUFFIXES = (".ipynb", ".py")
MAX_DEPTH = 8
MAX_FILES = 5_000


def slug(text: str, *, fallback: str = "student") -> str:
    """A file-system-safe student id: ASCII letters, digits and ``._@-``, other runs -> ``_``.

    Names in other scripts (Korean names) vanish here on purpose: ids become folder
    names on every platform; the name itself is kept in ``Found.display_name``.
    """
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", text).strip("._") or fallback


def is_gradeable(path: Path) -> bool:
    """A notebook or a Python module, by suffix."""
    return path.suffix.lower() in SUFFIXES


def entries(folder: Path, problems: list[str]) -> list[Path]:
    """The folder's direct entries, sorted, without ignored names; symlinks reported and left out."""
    out = []
    try:
        listing = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(f"{folder}: cannot be listed ({exc})")
        return []
    for entry in listing:
        if SKIP.search(entry.name):
            continue
        if entry.is_symlink():
            problems.append(f"{entry.path}: a symbolic link; not followed")
            continue
        out.append(Path(entry.path))
    return out


def walk_files(folder: Path, problems: list[str]) -> list[Path]:
    """Every regular file under `folder` (no symlinks, no ignored names), sorted, capped."""
    found: list[Path] = []
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        for path in entries(current, problems):
            if path.is_dir():
                if depth + 1 < MAX_DEPTH:
                    stack.append((path, depth + 1))
                else:
                    problems.append(f"{path}: nested more than {MAX_DEPTH} folders deep; not searched")
            elif path.is_file():
                found.append(path)
                if len(found) >= MAX_FILES:
                    problems.append(f"{folder}: more than {MAX_FILES} files; the rest were not searched")
                    return sorted(found)
    return sorted(found)


def choose(files: list[Path]) -> tuple[Path | None, list[Path]]:
    """The file to grade among a submission's files: notebooks before modules, then
    the shallowest, then by name. Returns ``(chosen, other candidates)``."""
    candidates = [f for f in files if is_gradeable(f)]
    notebooks = [f for f in candidates if f.suffix.lower() == ".ipynb"]
    pool = sorted(notebooks or candidates, key=lambda p: (len(p.parts), str(p)))
    if not pool:
        return None, []
    return pool[0], [p for p in pool[1:]]
