"""The course around a graded class: roster, due date and late policy, kept with the results.

What the instructor says once when grading (``--roster``, ``--due``, ``--grace``, the
penalty rule, extensions, what a missing submission scores) is stored in
``OUT/class.json``, so that ``labgrade regrade`` re-applies it after a rubric change and
``labgrade export`` builds gradebooks from the same identities and penalties without
asking again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.lms.found import Discovery, Found
from harness.lms.late import LatePolicy, make_policy
from harness.lms.roster import Roster, RosterMatch, Student, match_roster, read_roster
from harness.serialize import write_atomic

CLASS_FILE = "class.json"


@dataclass
class CourseSettings:
    """The class's settings, as given on the command line or to `harness.api.grade`.

    Attributes:
        lab: the lab graded.
        quick: quick mode.
        lms: the LMS export format (``auto`` detects it).
        tz: the course's time zone (``Asia/Seoul``): due dates without an offset are read in it.
        roster: the roster CSV (None: no roster).
        due: the due date, ISO-8601 (None: no late policy).
        grace: grace period after the due date (``15min``, ``1h``).
        per: ``day`` or ``hour``: the unit a penalty is counted in (each unit started counts).
        rate: penalty per unit, as a fraction (0.1 = 10%).
        cap: the largest penalty, as a fraction.
        hard_deadline: after it a submission scores 0 (ISO-8601).
        basis: ``score`` (fraction of the raw score) or ``max`` (of the maximum).
        extensions: per-student extensions CSV.
        missing: what a roster student without a submission gets in the gradebook: ``empty`` or ``zero``.
        lang: the language of the students' feedback (None: the rubric's, else the locale's).
    """

    lab: str
    quick: bool = False
    lms: str = "auto"
    tz: str | None = None
    roster: str | None = None
    due: str | None = None
    grace: str = "0"
    per: str = "day"
    rate: float = 0.0
    cap: float = 1.0
    hard_deadline: str | None = None
    basis: str = "score"
    extensions: str | None = None
    missing: str = "empty"
    lang: str | None = None

    def __post_init__(self) -> None:
        if self.missing not in ("empty", "zero"):
            raise InputError(f"missing must be 'empty' or 'zero'; received {self.missing!r}.")
        if self.due is None and (self.hard_deadline or self.rate or self.extensions):
            raise InputError("A late policy (rate, hard deadline or extensions) needs a due date: pass --due.")

    def policy(self) -> LatePolicy | None:
        """The late policy (None without a due date).

        Raises:
            InputError: a date, duration or CSV that cannot be read (the message echoes it).
        """
        if self.due is None:
            return None
        try:
            return make_policy(due=self.due, tz=self.tz or "UTC", grace=self.grace, per=self.per,  # type: ignore[arg-type]
                               rate=self.rate, cap=self.cap, hard_deadline=self.hard_deadline,
                               basis=self.basis, extensions=self.extensions)  # type: ignore[arg-type]
        except ValueError as exc:
            raise InputError(f"Late policy: {exc}") from None

    def roster_table(self) -> Roster | None:
        """The roster (None without one).

        Raises:
            InputError: a malformed roster (the message names the row and column).
        """
        if not self.roster:
            return None
        try:
            return read_roster(self.roster)
        except ValueError as exc:
            raise InputError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CourseSettings":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def save(self, out: Path, *, roster_match: RosterMatch | None = None) -> None:
        """Writes ``OUT/class.json`` (with the roster join's summary, for the dashboard)."""
        data = {"settings": self.to_dict(), "roster": roster_match.to_dict() if roster_match else None}
        write_atomic(Path(out) / CLASS_FILE, json.dumps(data, indent=2, ensure_ascii=False, default=str))


def load_course(out: Path) -> tuple[CourseSettings | None, dict | None]:
    """``OUT/class.json``: the settings and the stored roster join (None, None when absent)."""
    path = Path(out) / CLASS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CourseSettings.from_dict(data.get("settings") or {}), data.get("roster")
    except (OSError, ValueError, TypeError):
        return None, None


@dataclass
class Assignment:
    """What the course says about one discovered submission.

    Attributes:
        origin: the discovered submission (`Found.to_dict`), plus the roster identity.
        late: the late policy's verdict (with its ``basis``), or None.
    """

    origin: dict[str, Any]
    late: dict[str, Any] | None


def assign(discovery: Discovery, settings: CourseSettings) -> tuple[dict[str, Assignment], RosterMatch | None]:
    """Joins every submission to the roster and applies the late policy (before grading).

    Returns:
        student id (as discovered) -> Assignment, and the roster join (None without a roster).
    """
    roster = settings.roster_table()
    match = match_roster(discovery.found, roster) if roster is not None else None
    policy = settings.policy()
    out: dict[str, Assignment] = {}
    for found in discovery.found:
        student = match.student_for(found) if match is not None else None
        origin = {**found.to_dict(), "roster": student.to_dict() if student else None}
        late = None
        if policy is not None:
            verdict = policy.apply(found.submitted_at, student_id=student.student_id if student else found.student_id,
                                   lms_late=found.late, lms=found.lms)
            late = {**verdict.to_dict(), "basis": policy.basis}
        out[found.student_id] = Assignment(origin=origin, late=late)
    return out, match


def missing_students(roster_summary: dict | None) -> list[Student]:
    """Roster students without a submission, from the stored join."""
    rows = (roster_summary or {}).get("missing") or []
    return [Student(student_id=str(r.get("student_id")), name=r.get("name"), email=r.get("email"),
                    section=r.get("section"), first_name=r.get("first_name"), last_name=r.get("last_name"),
                    lms_ids=dict(r.get("lms_ids") or {})) for r in rows if isinstance(r, dict)]


def found_of(origin: dict) -> Found | None:
    """The discovered submission stored in ``submission.json`` (None when it was not discovered that way)."""
    try:
        return Found.from_dict(origin)
    except (KeyError, ValueError, TypeError):
        return None


def student_of(origin: dict) -> Student | None:
    """The roster student stored in ``submission.json``."""
    row = origin.get("roster") if isinstance(origin, dict) else None
    if not isinstance(row, dict):
        return None
    return Student(student_id=str(row.get("student_id")), name=row.get("name"), email=row.get("email"),
                   section=row.get("section"), first_name=row.get("first_name"), last_name=row.get("last_name"),
                   lms_ids=dict(row.get("lms_ids") or {}))
