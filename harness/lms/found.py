"""What discovery returns: one `Found` per submission, the `Version`s it superseded, problems.

Everything here is plain data that survives a JSON round trip (`to_dict`/`from_dict`),
because the batch hands discovered submissions to other processes and machines.
Times are timezone-aware `datetime`s in memory and ISO-8601 strings with an offset in
JSON; paths are strings in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

LMS_NAMES = ("plain", "canvas", "moodle", "blackboard", "gradescope")


def _time_to_json(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time_from_json(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"submission time {value!r} has no UTC offset; discovery only stores aware times")
    return parsed


@dataclass(frozen=True)
class Version:
    """An older hand-in of the same submission, superseded by the one graded.

    Attributes:
        origin: where it was found (``zip:export.zip/member`` or a path), or the LMS's
            record of it when the export holds no file for it (Gradescope history).
        path: the file, when the export contains it; None when only the LMS metadata
            mentions it.
        attempt: its attempt number, when known (1 = first).
        submitted_at: when it was handed in, from LMS metadata (None when unknown).
        lms_ids: the LMS's ids for it (e.g. ``canvas_attachment_id``).
    """

    origin: str
    path: Path | None = None
    attempt: int | None = None
    submitted_at: datetime | None = None
    lms_ids: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {"origin": self.origin, "path": str(self.path) if self.path is not None else None,
                "attempt": self.attempt, "submitted_at": _time_to_json(self.submitted_at),
                "lms_ids": dict(self.lms_ids)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Version:
        """Inverse of `to_dict`."""
        return cls(origin=data["origin"], path=Path(data["path"]) if data.get("path") else None,
                   attempt=data.get("attempt"), submitted_at=_time_from_json(data.get("submitted_at")),
                   lms_ids=dict(data.get("lms_ids") or {}))


@dataclass(frozen=True)
class Found:
    """One submission found, with what the LMS said about it.

    Attributes:
        path: the file to grade.
        student_id: who handed it in: a file-system-safe id, unique in the discovery
            (file stem or folder name for plain folders; ``name_userId`` for Canvas,
            ``Full_Name_participantId`` for Moodle, the username for Blackboard, the
            school id (sid) for Gradescope).
        origin: where it came from (the path given, or ``zip:name.zip/member``).
        display_name: the student's name as the LMS wrote it (None when the export
            hides it, e.g. Moodle blind marking, Canvas anonymous grading).
        email: the student's e-mail, when the export gives one (Gradescope).
        submitted_at: when it was handed in, from LMS metadata only (never from file
            modification times); timezone-aware; None when the export does not say.
        late: the LMS's own late flag (Canvas ``LATE``, Gradescope), None when the LMS
            gives none; the late policy (`harness.lms.late`) decides penalties.
        lms: the export format: ``plain``, ``canvas``, ``moodle``, ``blackboard`` or
            ``gradescope``.
        lms_ids: the LMS's ids, e.g. ``canvas_user_id``, ``canvas_attachment_id``,
            ``moodle_participant_id``, ``blackboard_username``, ``gradescope_sid``,
            ``gradescope_submission_id``.
        attempt: the attempt number when the export tells it (1 = first), else None.
        superseded: older hand-ins of this submission that lost to this one.
        original_name: the file name the student uploaded, before the LMS renamed it.
        comment: the student's comment in the LMS (Blackboard receipts).
        co_submitters: other members of a group submission (Gradescope), each a dict
            with ``student_id``, ``display_name`` and ``email``.
    """

    path: Path
    student_id: str
    origin: str
    display_name: str | None = None
    email: str | None = None
    submitted_at: datetime | None = None
    late: bool | None = None
    lms: str = "plain"
    lms_ids: dict[str, str] = field(default_factory=dict)
    attempt: int | None = None
    superseded: tuple[Version, ...] = ()
    original_name: str | None = None
    comment: str | None = None
    co_submitters: tuple[dict[str, str | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (paths and times as strings)."""
        return {
            "path": str(self.path), "student_id": self.student_id, "origin": self.origin,
            "display_name": self.display_name, "email": self.email,
            "submitted_at": _time_to_json(self.submitted_at), "late": self.late, "lms": self.lms,
            "lms_ids": dict(self.lms_ids), "attempt": self.attempt,
            "superseded": [v.to_dict() for v in self.superseded], "original_name": self.original_name,
            "comment": self.comment, "co_submitters": [dict(c) for c in self.co_submitters],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Found:
        """Inverse of `to_dict`.

        Raises:
            KeyError: when ``path``, ``student_id`` or ``origin`` is missing.
            ValueError: when a time is not ISO-8601 with an offset.
        """
        return cls(
            path=Path(data["path"]), student_id=data["student_id"], origin=data["origin"],
            display_name=data.get("display_name"), email=data.get("email"),
            submitted_at=_time_from_json(data.get("submitted_at")), late=data.get("late"),
            lms=data.get("lms", "plain"), lms_ids=dict(data.get("lms_ids") or {}), attempt=data.get("attempt"),
            superseded=tuple(Version.from_dict(v) for v in data.get("superseded") or ()),
            original_name=data.get("original_name"), comment=data.get("comment"),
            co_submitters=tuple(dict(c) for c in data.get("co_submitters") or ()),
        )


@dataclass(frozen=True)
class Export:
    """One path given to discovery and how it was read.

    Attributes:
        source: the path as given.
        lms: the format it was read as.
        how: ``detected`` (automatic) or ``given`` (the caller's ``lms=``).
        found: how many submissions came from it.
    """

    source: str
    lms: str
    how: str
    found: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {"source": self.source, "lms": self.lms, "how": self.how, "found": self.found}


@dataclass
class Discovery:
    """Submissions found under the given paths, and what was wrong on the way.

    Attributes:
        found: one entry per submission to grade; student ids are unique.
        problems: everything skipped, renamed, guessed or unreadable, one sentence each.
        exports: one entry per path given: the format it was read as.
    """

    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {"found": [f.to_dict() for f in self.found], "problems": list(self.problems),
                "exports": [e.to_dict() for e in self.exports]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Discovery:
        """Inverse of `to_dict`."""
        return cls(found=[Found.from_dict(f) for f in data.get("found") or ()],
                   problems=list(data.get("problems") or ()),
                   exports=[Export(**e) for e in data.get("exports") or ()])
