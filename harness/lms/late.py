"""Due dates and the late policy: grace, per-day or per-hour penalties with a cap, a hard
deadline, per-student extensions, and one human line per submission.

Rules (`LatePolicy.apply`):

- The due date is timezone-aware. Text without an offset is read in the policy's
  zone (``tz``, e.g. ``Asia/Seoul``); a date without a time is refused
  (`harness.lms.times.parse_iso`).
- An extension replaces a student's due date (``due``) or adds hours to it
  (``extra_hours``); the hard deadline moves by the same amount, so an extended
  student keeps the same late window.
- Lateness is measured from the (extended) due date. Within the grace period a
  submission is not late at all; past it, the grace does not shift the count.
- The penalty is ``rate`` per unit started (``per="day"`` or ``"hour"``): 1 min late
  is one unit, 24 h 1 min is two days; it never exceeds ``cap``.
- After the hard deadline the penalty is 100% (score 0), whatever the cap.
- The penalty fraction applies to the submission's raw score (``basis="score"``,
  default) or to the maximum (``basis="max"``); the final score never goes below 0.
- Without a submission time (the LMS export had none) no penalty is applied and the
  result is flagged for a human, with the LMS's own late flag mentioned when there
  is one. Times are never guessed from file modification times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from harness.lms.table import TableError, read_table
from harness.lms.times import format_local, format_span, parse_duration, parse_iso, resolve_tz

Status = Literal["on_time", "grace", "late", "hard_deadline", "no_time"]
_UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
EXTENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "student_id": ("id", "student_id", "student id", "studentid", "student number", "sid", "학번"),
    "due": ("due", "new due", "new due date", "due date", "deadline", "extended due", "마감"),
    "extra_hours": ("extra hours", "hours", "extra_hours", "extension hours", "추가시간"),
}


class ExtensionError(TableError):
    """The extensions CSV is malformed; the message names the row and column."""


@dataclass(frozen=True)
class Extension:
    """One student's extension.

    Attributes:
        student_id: whose.
        due: the new due date (exclusive with `extra`).
        extra: time added to the due date (exclusive with `due`).
    """

    student_id: str
    due: datetime | None = None
    extra: timedelta | None = None

    def moved(self, due: datetime) -> datetime:
        """The student's due date given the class's."""
        return self.due if self.due is not None else due + (self.extra or timedelta(0))


@dataclass(frozen=True)
class LateResult:
    """The late policy applied to one submission.

    Attributes:
        status: ``on_time``, ``grace`` (late but forgiven), ``late``, ``hard_deadline``
            (after it: score 0) or ``no_time`` (no submission time: not applied).
        submitted_at: the submission time used (None when unknown).
        due: the due date that applied (extensions included).
        lateness: how late (None when on time or unknown).
        units: days or hours started (0 when not penalised).
        fraction: the penalty as a fraction (0.2 = 20%).
        points: the penalty in points (None without a score to apply it to).
        capped: the cap limited the penalty.
        extended: an extension applied.
        flagged: a human should look (no submission time).
        line: one sentence for the grade, the feedback and every export.
    """

    status: Status
    submitted_at: datetime | None
    due: datetime
    lateness: timedelta | None
    units: int
    fraction: float
    points: float | None
    capped: bool
    extended: bool
    flagged: bool
    line: str

    def final(self, raw_score: float) -> float:
        """The score after the penalty (never below 0)."""
        return max(0.0, raw_score - (self.points if self.points is not None else raw_score * self.fraction))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (times ISO-8601, lateness in seconds)."""
        return {"status": self.status,
                "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
                "due": self.due.isoformat(),
                "lateness_s": self.lateness.total_seconds() if self.lateness is not None else None,
                "units": self.units, "fraction": self.fraction, "points": self.points, "capped": self.capped,
                "extended": self.extended, "flagged": self.flagged, "line": self.line}


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 2):g}%"


@dataclass(frozen=True)
class LatePolicy:
    """A course's late policy for one assignment.

    Attributes:
        due: the due date (timezone-aware).
        grace: lateness forgiven entirely.
        per: ``"day"`` or ``"hour"``: the unit a penalty is counted in.
        rate: penalty per unit started, as a fraction (0.1 = 10% per day).
        cap: the most the per-unit penalty can take (0.5 = at most 50%).
        hard_deadline: after it the score is 0 (None: no hard deadline).
        tz: the zone times are shown in (default: the due date's own).
        basis: ``"score"`` (the fraction of the raw score) or ``"max"`` (of the maximum).
        extensions: per-student extensions by student id.
    """

    due: datetime
    grace: timedelta = timedelta(0)
    per: Literal["day", "hour"] = "day"
    rate: float = 0.0
    cap: float = 1.0
    hard_deadline: datetime | None = None
    tz: tzinfo | None = None
    basis: Literal["score", "max"] = "score"
    extensions: dict[str, Extension] = field(default_factory=dict)

    def __post_init__(self):
        if self.due.tzinfo is None or (self.hard_deadline is not None and self.hard_deadline.tzinfo is None):
            raise ValueError("due and hard_deadline must be timezone-aware; parse them with parse_iso(text, tz=...).")
        if self.per not in _UNITS:
            raise ValueError(f"per must be 'day' or 'hour'; received {self.per!r}.")
        if not 0 <= self.rate <= 1 or not 0 <= self.cap <= 1:
            raise ValueError(f"rate and cap are fractions between 0 and 1 (0.1 = 10%); received rate={self.rate!r}, "
                             f"cap={self.cap!r}.")
        if self.grace < timedelta(0):
            raise ValueError(f"grace cannot be negative; received {self.grace}.")
        if self.hard_deadline is not None and self.hard_deadline < self.due:
            raise ValueError(f"hard_deadline ({self.hard_deadline.isoformat()}) is before the due date "
                             f"({self.due.isoformat()}).")
        if self.basis not in ("score", "max"):
            raise ValueError(f"basis must be 'score' or 'max'; received {self.basis!r}.")

    def due_for(self, student_id: str | None) -> tuple[datetime, datetime | None, bool]:
        """``(due, hard deadline, extended)`` for a student."""
        ext = self.extensions.get(student_id) if student_id is not None else None
        if ext is None:
            return self.due, self.hard_deadline, False
        due = ext.moved(self.due)
        hard = self.hard_deadline + (due - self.due) if self.hard_deadline is not None else None
        return due, hard, True

    def apply(self, submitted_at: datetime | None, *, student_id: str | None = None, raw_score: float | None = None,
              max_score: float | None = None, lms_late: bool | None = None, lms: str | None = None) -> LateResult:
        """Applies the policy to one submission.

        Args:
            submitted_at: when it was handed in (timezone-aware), from LMS metadata;
                None when the export did not say.
            student_id: whose (for extensions; use the roster id when matched).
            raw_score: the score before the penalty (for ``points``).
            max_score: the maximum (for ``points`` with ``basis="max"``).
            lms_late: the LMS's own late flag, mentioned when there is no time.
            lms: the LMS's name, for that mention (``Canvas``...).

        Raises:
            ValueError: `submitted_at` without a time zone.
        """
        due, hard, extended = self.due_for(student_id)
        shown = f"due {format_local(due, self.tz or due.tzinfo)}" + (", extended" if extended else "")

        def result(status, lateness=None, units=0, fraction=0.0, capped=False, line=""):
            base = raw_score if self.basis == "score" else max_score
            points = None if base is None else round(min(base * fraction, raw_score if raw_score is not None
                                                         else base * fraction), 6)
            return LateResult(status=status, submitted_at=submitted_at, due=due, lateness=lateness, units=units,
                              fraction=fraction, points=points, capped=capped, extended=extended,
                              flagged=status == "no_time", line=line)

        if submitted_at is None:
            who = f"{lms or 'The LMS'} marked it late, but the export" if lms_late else "The export"
            return result("no_time", line=f"{who} has no submission time: late penalty not applied, check by hand "
                                          f"({shown})")
        if submitted_at.tzinfo is None:
            raise ValueError(f"submitted_at {submitted_at.isoformat()} has no time zone; discovery gives aware times.")
        lateness = submitted_at - due
        if lateness <= timedelta(0):
            return result("on_time", line=f"On time ({shown})")
        span = format_span(lateness)
        if lateness <= self.grace:
            return result("grace", lateness, line=f"Late by {span}, within the {format_span(self.grace)} grace "
                                                  f"period ({shown}): no penalty")
        if hard is not None and submitted_at > hard:
            return result("hard_deadline", lateness, fraction=1.0,
                          line=f"Late by {span}, after the hard deadline {format_local(hard, self.tz or hard.tzinfo)} "
                               f"({shown}): -100%, score 0")
        units = math.ceil(lateness / _UNITS[self.per])
        raw = units * self.rate
        fraction = min(raw, self.cap)
        capped = raw > self.cap
        penalty = "no penalty" if fraction == 0 else f"-{_percent(fraction)}" + (
            f" (capped at {_percent(self.cap)})" if capped else "")
        return result("late", lateness, units if fraction else 0, fraction, capped,
                      line=f"Late by {span} ({shown}): {penalty}")


def read_extensions(path: str | Path, *, tz: str | tzinfo | None) -> dict[str, Extension]:
    """Reads an extensions CSV: a student id column, and per row either a new due date
    (``due``; ISO-8601, read in `tz` when it has no offset) or ``extra_hours``.

    Raises:
        ExtensionError: no id column, neither or both of due/extra_hours, an unreadable
            date or number, a duplicate id (the message names the row and column).
    """
    try:
        table = read_table(path, EXTENSION_COLUMNS, what="extensions")
    except TableError as exc:
        raise ExtensionError(exc.message, path=exc.path, row=exc.row, column=exc.column) from None
    if "student_id" not in table.columns or not ({"due", "extra_hours"} & set(table.columns)):
        raise ExtensionError(f"needs a student id column and a 'due' or 'extra_hours' column; the header is "
                             f"{', '.join(map(repr, table.header))}", path=table.path, row=1)
    out: dict[str, Extension] = {}
    for n, cells in table.rows:
        sid = table.get(cells, "student_id")
        if sid is None:
            raise ExtensionError("empty student id", path=table.path, row=n, column=table.written("student_id"))
        if sid in out:
            raise ExtensionError(f"a second extension for {sid!r}; keep one row per student", path=table.path,
                                 row=n, column=table.written("student_id"))
        due_text, hours = table.get(cells, "due"), table.get(cells, "extra_hours")
        if (due_text is None) == (hours is None):
            raise ExtensionError("give either a new due date or extra hours (exactly one)", path=table.path, row=n)
        if due_text is not None:
            try:
                out[sid] = Extension(sid, due=parse_iso(due_text, tz=tz))
            except ValueError as exc:
                raise ExtensionError(str(exc), path=table.path, row=n, column=table.written("due")) from None
        else:
            try:
                extra = timedelta(hours=float(hours))
            except ValueError:
                raise ExtensionError(f"{hours!r} is not a number of hours (e.g. 48 or 12.5)", path=table.path, row=n,
                                     column=table.written("extra_hours")) from None
            if extra < timedelta(0):
                raise ExtensionError(f"negative extra hours {hours!r}", path=table.path, row=n,
                                     column=table.written("extra_hours"))
            out[sid] = Extension(sid, extra=extra)
    return out


def make_policy(*, due: str | datetime, tz: str | tzinfo | None = "UTC", grace: str | timedelta = "0",
                per: Literal["day", "hour"] = "day", rate: float = 0.0, cap: float = 1.0,
                hard_deadline: str | datetime | None = None, basis: Literal["score", "max"] = "score",
                extensions: str | Path | dict[str, Extension] | None = None) -> LatePolicy:
    """A `LatePolicy` from text (what a CLI or a config file gives).

    Args:
        due: ISO-8601; without an offset it is read in `tz`.
        tz: the course's zone (``Asia/Seoul``), used for text without offset and for display.
        grace: ``"15min"``, ``"1h"``...
        per: ``"day"`` or ``"hour"``.
        rate: fraction per unit started (0.1 = 10%).
        cap: the largest per-unit penalty (fraction).
        hard_deadline: ISO-8601 (read in `tz` without an offset); after it the score is 0.
        basis: ``"score"`` or ``"max"``.
        extensions: an extensions CSV path, or extensions already read.

    Raises:
        ValueError: any value that cannot be read; the message echoes it.
    """
    zone = resolve_tz(tz)
    when = due if isinstance(due, datetime) else parse_iso(due, tz=zone)
    hard = hard_deadline if hard_deadline is None or isinstance(hard_deadline, datetime) \
        else parse_iso(hard_deadline, tz=zone)
    if isinstance(extensions, (str, Path)):
        extensions = read_extensions(extensions, tz=zone)
    return LatePolicy(due=when, grace=parse_duration(grace), per=per, rate=float(rate), cap=float(cap),
                      hard_deadline=hard, tz=zone, basis=basis, extensions=dict(extensions or {}))
