"""The results folder: how submission folders are named, what each file is, reading and writing each stage value.

One place for the layout of ``OUT/``, used by grading, the batch engine, the API, the
reports and the class tables::

    OUT/<submission>/execution.json     Execution (what ran)
    OUT/<submission>/measurements.json  Measurements (what the grader measured itself)
    OUT/<submission>/grade.json         Grade (every item, instructor evidence)
    OUT/<submission>/results.json       Gradescope autograder format
    OUT/<submission>/feedback.json      the student's view
    OUT/<submission>/submission.json    where the file came from (LMS metadata, roster identity)
    OUT/<submission>/report.html, feedback.html, notebook.html, figures/, exports/
    OUT/grades.csv, items.csv, class_stats.json, index.html, class.json

Everything a stage produced is kept in memory by the process that produced it; files
are read back only by a later process (``labgrade report``, ``labgrade regrade``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.models import Execution, Grade, Measurements
from harness.serialize import SchemaError, write_atomic

EXECUTION = "execution.json"
MEASUREMENTS = "measurements.json"
GRADE = "grade.json"
RESULTS = "results.json"
FEEDBACK_JSON = "feedback.json"
SUBMISSION = "submission.json"
REPORT = "report.html"
FEEDBACK = "feedback.html"
NOTEBOOK = "notebook.html"
EXECUTED = "executed.ipynb"
CLASS = "class.json"
GRADES_CSV = "grades.csv"
ITEMS_CSV = "items.csv"
CLASS_STATS = "class_stats.json"
DASHBOARD = "index.html"


def folder_name(student_id: str) -> str:
    """A file-system-safe folder name for a submission: letters and digits of any script are kept
    (Korean names stay readable and distinct), anything else becomes ``_``; never empty, never a
    dot-name, at most 80 characters."""
    text = unicodedata.normalize("NFC", str(student_id))
    safe = "".join(ch if ch.isalnum() or ch in "._-@" else "_" for ch in text)
    safe = re.sub(r"_+", "_", safe).strip("._")[:80]
    return safe or "submission"


@dataclass
class SubmissionResult:
    """The stage values of one graded submission, as grading produced them.

    Attributes:
        folder: ``OUT/<submission>/``.
        execution: what ran.
        measurements: what the grader measured.
        grade: the grade (None when only executed).
        origin: where the file came from (LMS metadata, original name, roster identity).
        lang: the language of the students' files written for it (``en``, ``ko``).
    """

    folder: Path
    execution: Execution
    measurements: Measurements = field(default_factory=Measurements)
    grade: Grade | None = None
    origin: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"


def write_stage(path: Path, value) -> None:
    """Writes one stage value (its schema-versioned JSON), atomically."""
    write_atomic(path, value.to_json())


def read_execution(folder: Path) -> Execution:
    """``execution.json`` of a submission folder.

    Raises:
        FileNotFoundError: the folder holds no execution.json.
        SchemaError: not an Execution written by this labgrade.
    """
    path = Path(folder) / EXECUTION
    if not path.is_file():
        raise FileNotFoundError(f"No {EXECUTION} in {str(folder)!r}: not a labgrade results folder "
                                "(expected OUT/<submission>/ written by `labgrade grade`).")
    return Execution.from_json(path.read_text(encoding="utf-8"))


def read_grade(folder: Path) -> Grade | None:
    """``grade.json`` of a submission folder, or None when it was not graded."""
    path = Path(folder) / GRADE
    return Grade.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_measurements(folder: Path) -> Measurements | None:
    """``measurements.json`` of a submission folder, or None when none was stored."""
    path = Path(folder) / MEASUREMENTS
    if not path.is_file():
        return None
    try:
        return Measurements.from_json(path.read_text(encoding="utf-8"))
    except (SchemaError, ValueError):
        return None


def read_origin(folder: Path) -> dict:
    """``submission.json`` (where the file came from; written by the grader), or {}."""
    path = Path(folder) / SUBMISSION
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_result(folder: Path) -> SubmissionResult:
    """Every stage value of a submission folder (written by an earlier process).

    Raises:
        FileNotFoundError, SchemaError: as `read_execution`.
    """
    folder = Path(folder)
    return SubmissionResult(folder=folder, execution=read_execution(folder),
                            measurements=read_measurements(folder) or Measurements(), grade=read_grade(folder),
                            origin=read_origin(folder))


def write_origin(folder: Path, origin: dict) -> None:
    """Writes ``submission.json``."""
    write_atomic(Path(folder) / SUBMISSION, json.dumps(origin, indent=2, default=str, ensure_ascii=False))


def submission_folders(out: Path) -> list[Path]:
    """Every submission folder of a results folder (one holding an execution.json), sorted."""
    return sorted(p.parent for p in Path(out).glob(f"*/{EXECUTION}"))


@dataclass
class ClassEntry:
    """One graded submission of a class, as stored.

    Attributes:
        folder: the submission folder's name.
        grade: its grade.
        origin: where it came from (``submission.json``: LMS metadata, roster identity).
    """

    folder: str
    grade: Grade
    origin: dict[str, Any] = field(default_factory=dict)


def load_class(out: Path) -> tuple[list[ClassEntry], list[str]]:
    """Every graded submission of ``OUT`` (grade.json and submission.json), sorted by student; and the unreadable.

    The one loader behind grades.csv, items.csv, class_stats.json and the dashboard: they
    are computed from the same list, read once.
    """
    found, problems = [], []
    for path in sorted(Path(out).glob(f"*/{GRADE}")):
        try:
            grade = Grade.from_json(path.read_text(encoding="utf-8"))
        except (OSError, SchemaError, UnicodeDecodeError) as exc:
            problems.append(f"{path.parent.name}/{GRADE}: {exc}")
            continue
        found.append(ClassEntry(folder=path.parent.name, grade=grade, origin=read_origin(path.parent)))
    found.sort(key=lambda e: (e.grade.submission.student_id, e.folder))
    return found, problems
