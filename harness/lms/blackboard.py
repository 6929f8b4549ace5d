"""Blackboard Learn "Assignment File Download" (gradebook_*.zip).

Format: every file is stored flat as
``{assignment}_{username}_attempt_{YYYY-MM-DD-HH-MM-SS}_{original file name}``, next to
one receipt per attempt, ``{assignment}_{username}_attempt_{YYYY-MM-DD-HH-MM-SS}.txt``:

.. code-block:: text

    Name: Ada Lovelace (alovelace)
    Assignment: Lab 3
    Date Submitted: Monday, 7 October 2024 23:41:07 o'clock KST
    Current Grade: Needs Grading

    Submission Field:
    There is no student submission text data for this assignment.

    Comments:
    There are no student comments for this assignment.

    Files:
    	Original filename: lab3.ipynb
    	Filename: Lab 3_alovelace_attempt_2024-10-07-23-41-07_lab3.ipynb

(sources: the receipt parsers of vangef/BBGradebookOrganiser and of the
``parselearn`` Go package, and the Rust ``bb-gradebook`` datafile parser, which document
both date locales: ``Thursday, December 12, 2024 1:22:26 PM EST``). The username is the
segment before ``_attempt_`` (the receipt's ``Name: ... (username)`` wins when both
exist); comments may contain lines that look like fields, so the ``Files:`` section is
the last one. Times: the receipt's date with its zone abbreviation, else the file-name
stamp read in the caller's ``tz``; without either, ``submitted_at`` stays None and one
problem says to pass ``tz``. Several attempts of one student: the latest wins, the
others are listed in ``superseded``; ``attempt`` counts the attempts in the download.
Blackboard gives no late flag in the download (``late`` stays None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from harness.lms.files import choose, is_gradeable, slug, walk_files
from harness.lms.found import Found, Version
from harness.lms.times import NaiveTimeError, parse_blackboard_date

MAX_RECEIPT_BYTES = 256 << 10
_NAME = re.compile(r"^(?P<assignment>.+?)_(?P<user>[^_]+)_attempt_(?P<ts>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})"
                   r"(?:_(?P<orig>.+)|(?P<receipt>\.txt))$")
_NO_COMMENT = "There are no student comments for this assignment."
_NO_TEXT = "There is no student submission text data for this assignment."


@dataclass
class Receipt:
    """What a Blackboard attempt receipt says.

    Attributes:
        full_name: from ``Name: Full Name (username)``.
        username: the username in parentheses.
        assignment: ``Assignment:``.
        date_submitted: ``Date Submitted:`` as written.
        comment: the student's comment (None for Blackboard's "no comments" text).
        submission_text: the ``Submission Field`` text (None for "no text").
        files: ``(original file name, stored file name)`` per file listed.
    """

    full_name: str | None = None
    username: str | None = None
    assignment: str | None = None
    date_submitted: str | None = None
    comment: str | None = None
    submission_text: str | None = None
    files: list[tuple[str, str]] = field(default_factory=list)


def matches(path: Path) -> bool:
    """Whether the entry looks like a Blackboard download file."""
    return _NAME.match(path.name) is not None


def parse_receipt(text: str) -> Receipt:
    """Parses an attempt receipt (never raises; missing fields stay None)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    receipt = Receipt()
    starts = [i for i, line in enumerate(lines) if line.strip() == "Files:"]
    files_at = starts[-1] if starts else len(lines)  # comments may contain "Files:" lines: the last one is real
    section: str | None = None
    body: dict[str, list[str]] = {"Submission Field": [], "Comments": []}
    for line in lines[:files_at]:
        key, sep, value = line.partition(":")
        key = key.strip()
        if section == "Comments":  # free text written by the student, up to the Files section
            body[section].append(line)
        elif sep and key in body and not value.strip():
            section = key
        elif section == "Submission Field":
            body[section].append(line)
        elif sep and key == "Name":
            m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", value.strip())
            receipt.full_name, receipt.username = (m.group(1) or None, m.group(2).strip() or None) if m else \
                (value.strip() or None, None)
        elif sep and key == "Assignment":
            receipt.assignment = value.strip() or None
        elif sep and key == "Date Submitted":
            receipt.date_submitted = value.strip() or None
    text_field = "\n".join(body["Submission Field"]).strip()
    receipt.submission_text = None if not text_field or text_field == _NO_TEXT else text_field
    comment = "\n".join(body["Comments"]).strip()
    receipt.comment = None if not comment or comment == _NO_COMMENT else comment
    original = None
    for line in lines[files_at + 1:]:
        key, _, value = line.strip().partition(":")
        if key == "Original filename":
            original = value.strip()
        elif key == "Filename" and value.strip():
            receipt.files.append((original or value.strip(), value.strip()))
            original = None
    return receipt


def _read_receipt(path: Path, problems: list[str], where: str) -> Receipt | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RECEIPT_BYTES + 1)
    except OSError as exc:
        problems.append(f"{where}: receipt unreadable ({exc})")
        return None
    if len(raw) > MAX_RECEIPT_BYTES:
        problems.append(f"{where}: receipt larger than {MAX_RECEIPT_BYTES >> 10} KB; only its start was read")
    return parse_receipt(raw[:MAX_RECEIPT_BYTES].decode("utf-8-sig", errors="replace"))


def _time(receipt: Receipt | None, stamp: str, tz: tzinfo | None) -> tuple[datetime | None, str | None]:
    """(time, problem): the receipt's date, else the file-name stamp in `tz`."""
    unreadable = None
    if receipt is not None and receipt.date_submitted:
        try:
            return parse_blackboard_date(receipt.date_submitted, tz=tz), None
        except NaiveTimeError:
            pass
        except ValueError as exc:
            unreadable = f"{exc}; the file name's time was used"
    if tz is None:
        return None, unreadable.replace("the file name's time was used", "submission time unknown") \
            if unreadable else "naive"
    naive = datetime.strptime(stamp, "%Y-%m-%d-%H-%M-%S")
    return naive.replace(tzinfo=tz, fold=0), unreadable


def parse(root: Path, items: list[Path], *, origin: str, tz: tzinfo | None = None) -> tuple[list[Found], list[str]]:
    """Reads a Blackboard download into one `Found` per student (the latest attempt).

    Args:
        root: the unpacked export.
        items: its entries.
        origin: prefix for ``Found.origin``.
        tz: the zone Blackboard's times are in when the receipt's abbreviation is
            missing or ambiguous (e.g. ``Asia/Seoul``).
    """
    found: list[Found] = []
    problems: list[str] = []
    attempts: dict[str, dict[str, dict]] = {}  # username -> stamp -> {"receipt", "files"}
    for path in items:
        where = f"{origin}/{path.relative_to(root)}"
        m = _NAME.match(path.name) if path.is_file() else None
        if m is None:
            chosen = path if path.is_file() else choose(walk_files(path, problems))[0]
            if chosen is None or not is_gradeable(chosen):
                if path.suffix.lower() not in (".txt", ".csv", ".md"):
                    problems.append(f"{where}: not a Blackboard attempt file ({{assignment}}_{{username}}_attempt_"
                                    f"{{time}}_{{file}}); skipped")
                continue
            sid = slug(path.stem if path.is_file() else path.name)
            problems.append(f"{where}: name does not follow Blackboard's {{assignment}}_{{username}}_attempt_{{time}}_"
                            f"{{file}}; graded as {sid!r} - check who handed it in")
            found.append(Found(chosen, sid, f"{origin}/{chosen.relative_to(root)}", lms="blackboard",
                               original_name=chosen.name))
            continue
        slot = attempts.setdefault(m.group("user"), {}).setdefault(m.group("ts"), {"receipt": None, "files": []})
        if m.group("receipt"):
            slot["receipt"] = _read_receipt(path, problems, where)
        else:
            slot["files"].append((path, m.group("orig")))
    naive = 0
    for user, by_stamp in sorted(attempts.items()):
        versions = []
        for n, stamp in enumerate(sorted(by_stamp), 1):
            slot = by_stamp[stamp]
            when, trouble = _time(slot["receipt"], stamp, tz)
            if trouble == "naive":
                naive += 1
            elif trouble:
                problems.append(f"{origin}: {user} attempt {stamp}: {trouble}")
            chosen, others = choose([p for p, _ in slot["files"]])
            versions.append((n, stamp, slot, when, chosen, others))
        n, stamp, slot, when, chosen, others = versions[-1]
        receipt: Receipt | None = slot["receipt"]
        username = receipt.username if receipt and receipt.username else user
        label = f"{username} (attempt {stamp})"
        if chosen is None:
            listed = ", ".join(o for _, o in slot["files"][:5]) or "no files"
            problems.append(f"{origin}: {label} handed in {listed}; no .ipynb or .py to grade")
            continue
        originals = dict((p, o) for p, o in slot["files"])
        if others:
            problems.append(f"{origin}: {label}: {len(others) + 1} candidate files "
                            f"({', '.join(originals[p] for p in [chosen, *others][:5])}); graded {originals[chosen]}")
        if receipt is None:
            problems.append(f"{origin}: {label}: no receipt (.txt) for this attempt; name and comment unknown")
        superseded = tuple(Version(origin=f"{origin}/{c.relative_to(root)}" if c else f"{origin}: {user} attempt {s}",
                                   path=c, attempt=k, submitted_at=w, lms_ids={"blackboard_username": username})
                           for k, s, _, w, c, _ in versions[:-1])
        found.append(Found(chosen, slug(username), f"{origin}/{chosen.relative_to(root)}",
                           display_name=receipt.full_name if receipt else None, submitted_at=when, lms="blackboard",
                           lms_ids={"blackboard_username": username}, attempt=n, superseded=superseded,
                           original_name=originals[chosen], comment=receipt.comment if receipt else None))
    if naive:
        problems.append(f"{origin}: {naive} Blackboard attempt(s) have times without a usable time zone; their "
                        f"submission times were left empty - pass the course's time zone (tz='Asia/Seoul', "
                        f"--tz Asia/Seoul) to read them")
    return found, problems
