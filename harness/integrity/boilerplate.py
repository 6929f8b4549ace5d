"""What every student may legitimately share: the lecture's code, the starter notebook, the class's common text.

Two sources, both removed from every submission's fingerprints before any pair is scored:

- known boilerplate: the lecture's recipes (``reference/lecture/*.py``, the lecture's code
  ported to Keras 3) and, when the instructor gives one, the starter notebook or module handed
  out with the lab (its code cells count as code, its markdown, the assignment's wording, as
  prose). All their k-grams are removed, not only their winnowed fingerprints: winnowing picks
  different k-grams of the same passage in different contexts.
- class-common passages: a fingerprint present in more than `Settings.common_share` of the
  class's submissions (and in at least `Settings.common_min` of them) is what everyone typed
  from the slides, whatever file it came from (`common_hashes`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from harness.execute.source import InvalidSubmission, read_module, read_notebook
from harness.integrity.fingerprint import all_kgrams, code_units, prose_units
from harness.integrity.models import Settings

LECTURE_DIR = Path(__file__).resolve().parents[2] / "reference" / "lecture"
"""The lecture's recipes, beside the harness package (source checkout or installed side by side)."""


class StarterError(ValueError):
    """The starter file given by the instructor cannot be read: the message says why."""


@dataclass
class Boilerplate:
    """k-gram hashes excluded from every submission.

    Attributes:
        code: code k-gram hashes (lecture recipes and starter code cells).
        prose: prose k-gram hashes (starter markdown cells).
        sources: what they were read from, for the report.
    """

    code: set[int] = field(default_factory=set)
    prose: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)


def lecture_files(folder: Path = LECTURE_DIR) -> list[Path]:
    """The lecture's recipe modules (package ``__init__`` excluded), sorted; none when the folder is absent."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.py") if p.name != "__init__.py" and p.is_file() and not p.is_symlink())


def starter_cells(path: Path) -> list[tuple[str, str]]:
    """The ``(kind, source)`` cells of a starter notebook (``.ipynb``) or module (``.py``, ``# %%`` cells).

    Raises:
        StarterError: missing file, another suffix, or not readable as a notebook or module.
    """
    path = Path(path)
    if not path.is_file():
        raise StarterError(f"Starter not found: {str(path)!r} is not a file. Give the notebook (.ipynb) or "
                           "module (.py) handed out with the lab.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".ipynb":
            nb = read_notebook(path)
            return [(str(c.get("cell_type", "")), _text(c.get("source", ""))) for c in nb.cells]
        if suffix == ".py":
            return [(c.cell_type, c.source) for c in read_module(path)]
    except InvalidSubmission as exc:
        raise StarterError(f"Starter {str(path)!r} cannot be read: {exc}") from None
    raise StarterError(f"Starter {str(path)!r} has suffix {suffix or '(none)'!r}; expected .ipynb or .py.")


def build_boilerplate(settings: Settings, *, starter: Path | None = None, lecture: bool = True) -> Boilerplate:
    """The known boilerplate's k-gram hashes.

    Args:
        settings: k-gram lengths.
        starter: the instructor's starter notebook or module, if any.
        lecture: include the lecture's recipes (``reference/lecture``).

    Raises:
        StarterError: when `starter` cannot be read.
    """
    bp = Boilerplate()
    if lecture:
        files = lecture_files()
        for path in files:
            bp.code |= all_kgrams(code_units([(0, path.read_text(encoding="utf-8"))]), k=settings.code_k)
        bp.sources.append(f"lecture recipes: {len(files)} file(s) in reference/lecture" if files
                          else "lecture recipes: reference/lecture not found beside the harness (none excluded)")
    if starter is not None:
        cells = starter_cells(starter)
        bp.code |= all_kgrams(code_units((n, s) for n, (kind, s) in enumerate(cells) if kind == "code"),
                              k=settings.code_k)
        bp.prose |= all_kgrams(prose_units((n, s) for n, (kind, s) in enumerate(cells) if kind == "markdown"),
                               k=settings.prose_k)
        bp.sources.append(f"starter: {Path(starter).name} ({len(cells)} cells)")
    return bp


def common_hashes(hash_sets: Iterable[Iterable[int]], *, n: int, settings: Settings) -> set[int]:
    """Fingerprints present in more than ``common_share * n`` submissions and in at least ``common_min``.

    Args:
        hash_sets: each submission's fingerprints (a submission counts once per hash).
        n: submissions in the class (the group compared).
        settings: the share and minimum.
    """
    df: Counter[int] = Counter()
    for hashes in hash_sets:
        df.update(set(hashes))
    limit = settings.common_share * n
    return {h for h, c in df.items() if c > limit and c >= settings.common_min}


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)
