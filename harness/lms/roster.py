"""The class roster (``students.csv``) and the join of discovered submissions to students.

Roster columns (header spellings are forgiving, see `COLUMNS`; only the id is required):
``id`` (the course's student id, e.g. 학번), ``name`` (or ``first_name`` + ``last_name``),
``email``, ``section``, and LMS ids: ``canvas_id`` (Canvas user id), ``sis_id`` (Canvas
SIS user id), ``login`` (SIS login id), ``moodle_id`` (the Moodle participant id of
"Participant N"), ``username`` (Blackboard username). UTF-8 with a BOM, CP949 and Korean
names are fine. A missing id column, an empty or duplicate id raise `RosterError`
naming the row and column.

Joining (`match_roster`): every submitter (a submission's student, and each
co-submitter of a group submission) is matched by the first step that finds anyone:

1. ``id``: the submitter's student id equals a roster id;
2. ``lms_id``: an LMS id equals the roster's matching column (Canvas user id ->
   ``canvas_id``; Moodle participant id -> ``moodle_id``; Blackboard username ->
   ``username`` or ``login``; Gradescope sid -> ``id`` or ``sis_id``);
3. ``email``: case-insensitive;
4. ``name``: the exact name (Unicode-normalised, case- and space-insensitive); for
   Canvas, whose download keeps only the lower-cased sortable name without spaces or
   punctuation ("lovelaceada"), the roster name is compared the same way, in
   "last first" and "first last" order.

When a step finds several students, the later steps are tried among those only; if
still not one, the submitter is reported as ambiguous (never guessed). Submitters
nobody matches are "unknown"; roster students without a submission are "missing";
a student matched by two submissions is reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.lms.found import Found
from harness.lms.table import TableError, read_table

COLUMNS: dict[str, tuple[str, ...]] = {
    "student_id": ("id", "student_id", "student id", "studentid", "student number", "sid", "학번", "번호"),
    "name": ("name", "full name", "fullname", "student name", "display name", "이름", "성명"),
    "first_name": ("first name", "firstname", "given name", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "email": ("email", "e-mail", "email address", "mail", "이메일"),
    "section": ("section", "section name", "분반"),
    "canvas_id": ("canvas_id", "canvas user id", "canvas id"),
    "sis_id": ("sis_id", "sis user id", "sis id"),
    "login": ("login", "login id", "sis login id"),
    "moodle_id": ("moodle_id", "participant id", "moodle participant id", "participant", "moodle id"),
    "username": ("username", "user name", "blackboard username"),
}
LMS_COLUMNS = ("canvas_id", "sis_id", "login", "moodle_id", "username")
# Found.lms_ids key -> roster fields it is compared with ("student_id" is the roster id).
FOUND_TO_ROSTER: dict[str, tuple[str, ...]] = {
    "canvas_user_id": ("canvas_id",),
    "moodle_participant_id": ("moodle_id",),
    "blackboard_username": ("username", "login"),
    "gradescope_sid": ("student_id", "sis_id"),
}
STEPS = ("id", "lms_id", "email", "name")


class RosterError(TableError):
    """The roster is malformed; the message names the file, row and column."""


@dataclass(frozen=True)
class Student:
    """One roster row.

    Attributes:
        student_id: the course's id for the student (unique in the roster).
        name: the full name (``first last`` when only those columns exist).
        email: the e-mail.
        section: the section.
        first_name: the given name, when the roster has the column.
        last_name: the family name, when the roster has the column.
        lms_ids: LMS ids by roster column (``canvas_id``, ``sis_id``, ``login``,
            ``moodle_id``, ``username``).
        row: the row in the file (1 = header).
    """

    student_id: str
    name: str | None = None
    email: str | None = None
    section: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    lms_ids: dict[str, str] = field(default_factory=dict)
    row: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {"student_id": self.student_id, "name": self.name, "email": self.email, "section": self.section,
                "first_name": self.first_name, "last_name": self.last_name, "lms_ids": dict(self.lms_ids),
                "row": self.row}


@dataclass
class Roster:
    """The students of the class, in file order.

    Attributes:
        path: the file read.
        students: one per data row.
    """

    path: Path
    students: list[Student]

    def by_id(self) -> dict[str, Student]:
        """Students by id."""
        return {s.student_id: s for s in self.students}


def read_roster(path: str | Path) -> Roster:
    """Reads ``students.csv``.

    Raises:
        RosterError: no id column, an empty or duplicate id, a malformed row (the
            message names the row and column and says what to do).
    """
    try:
        table = read_table(path, COLUMNS, what="roster")
    except TableError as exc:
        raise RosterError(exc.message, path=exc.path, row=exc.row, column=exc.column) from None
    if "student_id" not in table.columns:
        raise RosterError(f"no student id column; the header is {', '.join(map(repr, table.header))}. Name one "
                          f"column 'id' (or student_id, SID, 학번)", path=table.path, row=1)
    students: list[Student] = []
    seen: dict[str, int] = {}
    id_column = table.written("student_id")
    for n, cells in table.rows:
        sid = table.get(cells, "student_id")
        if sid is None:
            raise RosterError("empty student id; every row needs one", path=table.path, row=n, column=id_column)
        if sid in seen:
            raise RosterError(f"student id {sid!r} is already on row {seen[sid]}; ids must be unique",
                              path=table.path, row=n, column=id_column)
        seen[sid] = n
        first, last = table.get(cells, "first_name"), table.get(cells, "last_name")
        name = table.get(cells, "name") or (" ".join(p for p in (first, last) if p) or None)
        students.append(Student(
            student_id=sid, name=name, email=table.get(cells, "email"), section=table.get(cells, "section"),
            first_name=first, last_name=last, row=n,
            lms_ids={k: v for k in LMS_COLUMNS if (v := table.get(cells, k)) is not None}))
    return Roster(path=table.path, students=students)


@dataclass(frozen=True)
class Submitter:
    """One person behind a submission (its student, or a co-submitter of a group).

    Attributes:
        found: the submission.
        student_id: the submitter's id as discovered.
        display_name: the name as the LMS wrote it.
        email: the e-mail, when known.
        member: 0 for the submission's student, 1.. for co-submitters.
    """

    found: Found
    student_id: str
    display_name: str | None
    email: str | None
    member: int = 0

    def describe(self) -> str:
        """``lovelaceada_1001 (lovelaceada) from zip:x.zip/...``."""
        name = f" ({self.display_name})" if self.display_name and self.display_name != self.student_id else ""
        return f"{self.student_id}{name} from {self.found.origin}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (the submission by its origin and id)."""
        return {"student_id": self.student_id, "display_name": self.display_name, "email": self.email,
                "member": self.member, "submission": self.found.student_id, "origin": self.found.origin}


@dataclass(frozen=True)
class Match:
    """A submitter joined to a roster student.

    Attributes:
        submitter: who handed it in.
        student: the roster row.
        via: the step that matched: ``id``, ``lms_id``, ``email`` or ``name``.
    """

    submitter: Submitter
    student: Student
    via: str


@dataclass(frozen=True)
class Ambiguity:
    """A submitter several roster students fit equally.

    Attributes:
        submitter: who handed it in.
        candidates: the roster ids that fit.
        step: the last step tried.
    """

    submitter: Submitter
    candidates: tuple[str, ...]
    step: str


@dataclass
class RosterMatch:
    """The join of a discovery to a roster.

    Attributes:
        matched: submitter -> student pairs (a group submission gives one per member).
        unknown: submitters no roster row fits.
        ambiguous: submitters several rows fit.
        missing: roster students nobody's submission matched.
        problems: one sentence per ambiguity, unknown submitter or double match.
    """

    matched: list[Match] = field(default_factory=list)
    unknown: list[Submitter] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    missing: list[Student] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def student_for(self, found: Found) -> Student | None:
        """The roster student of a submission's own student (member 0), if matched."""
        return next((m.student for m in self.matched if m.submitter.found is found and m.submitter.member == 0), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {
            "matched": [{**m.submitter.to_dict(), "roster_id": m.student.student_id, "via": m.via}
                        for m in self.matched],
            "unknown": [s.to_dict() for s in self.unknown],
            "ambiguous": [{**a.submitter.to_dict(), "candidates": list(a.candidates), "step": a.step}
                          for a in self.ambiguous],
            "missing": [s.to_dict() for s in self.missing],
            "problems": list(self.problems),
        }


def _name_key(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(unicodedata.normalize("NFC", text).casefold().split()) or None


def _canvas_keys(student: Student) -> set[str]:
    # Canvas keeps the sortable name ("Last, First") lower-cased without non-word characters.
    def squash(*parts: str | None) -> str:
        return re.sub(r"[\W_]+", "", "".join(p for p in parts if p).casefold())

    keys = set()
    if student.last_name or student.first_name:
        keys.add(squash(student.last_name, student.first_name))
    if student.name:
        tokens = student.name.split()
        keys.add(squash(*tokens))
        keys.add(squash(tokens[-1], *tokens[:-1]))
    keys.discard("")
    return keys


def _submitters(found: Found) -> list[tuple[Submitter, dict[str, str]]]:
    people = [(Submitter(found, found.student_id, found.display_name, found.email), dict(found.lms_ids))]
    for n, member in enumerate(found.co_submitters, 1):
        sid = member.get("student_id") or ""
        ids = {"gradescope_sid": sid} if found.lms == "gradescope" and sid else {}
        people.append((Submitter(found, sid, member.get("display_name"), member.get("email"), n), ids))
    return people


def _step(step: str, sub: Submitter, lms_ids: dict[str, str], pool: list[Student]) -> list[Student]:
    if step == "id":
        return [s for s in pool if s.student_id == sub.student_id]
    if step == "lms_id":
        hits = []
        for key, value in lms_ids.items():
            for column in FOUND_TO_ROSTER.get(key, ()):
                hits += [s for s in pool if (s.student_id if column == "student_id" else s.lms_ids.get(column))
                         == value]
        return list({s.student_id: s for s in hits}.values())
    if step == "email":
        email = (sub.email or "").casefold()
        return [s for s in pool if email and (s.email or "").casefold() == email]
    key = _name_key(sub.display_name)
    if key is None:
        return []
    hits = [s for s in pool if _name_key(s.name) == key]
    if not hits and sub.found.lms == "canvas":
        squashed = re.sub(r"[\W_]+", "", key)
        hits = [s for s in pool if squashed in _canvas_keys(s)]
    return hits


def match_roster(found: list[Found], roster: Roster) -> RosterMatch:
    """Joins discovered submissions to roster students (the steps are in the module docstring)."""
    out = RosterMatch()
    for f in found:
        for sub, lms_ids in _submitters(f):
            pool: list[Student] | None = None
            last = ""
            for step in STEPS:
                hits = _step(step, sub, lms_ids, pool if pool is not None else roster.students)
                if pool is None and not hits:
                    continue
                last = step
                if pool is not None and not hits:
                    continue  # this step cannot tell the candidates apart; keep them
                pool = hits
                if len(pool) == 1:
                    break
            if pool is None:
                out.unknown.append(sub)
                out.problems.append(f"{sub.describe()}: not on the roster (no id, LMS id, e-mail or name matches)")
            elif len(pool) == 1:
                out.matched.append(Match(sub, pool[0], last))
            else:
                out.ambiguous.append(Ambiguity(sub, tuple(s.student_id for s in pool), last))
                out.problems.append(f"{sub.describe()}: fits {len(pool)} roster students "
                                    f"({', '.join(s.student_id for s in pool)}) by {last}; not matched - add an id "
                                    f"or e-mail to tell them apart")
    seen: dict[str, list[Match]] = {}
    for m in out.matched:
        seen.setdefault(m.student.student_id, []).append(m)
    for sid, ms in seen.items():
        if len(ms) > 1:
            out.problems.append(f"roster student {sid} matched {len(ms)} submissions ("
                                + "; ".join(f"{m.submitter.describe()} by {m.via}" for m in ms)
                                + "); decide which one counts")
    out.missing = [s for s in roster.students if s.student_id not in seen]
    return out
