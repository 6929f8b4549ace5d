"""Moodle assignment "Download all submissions" zips.

Format, from Moodle's own code (``mod/assign/locallib.php``,
``assign::download_submissions``): each participant's prefix is
``clean_filename(str_replace('_', ' ', fullname) . '_' . uniqueid)``, where uniqueid is
the assignment's participant id (the N of "Participant N" in the grading worksheet);
under blind marking the name is the string ``Participant``. With "download
submissions in folders" (the default since Moodle 3.1) each participant's files sit in
``{Full Name}_{participantId}_assignsubmission_file`` (``..._file_`` in some versions),
keeping their sub-folders, and online text in ``..._assignsubmission_onlinetext``;
otherwise files are flat: ``{Full Name}_{participantId}_assignsubmission_file_{filename}``.
A download carries no submission time and no late flag (both stay None).
"""

from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path

from harness.lms.files import choose, is_gradeable, slug, walk_files
from harness.lms.found import Found

_ENTRY = re.compile(r"^(?P<name>.*)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)(?:_(?P<rest>.*))?$")
BLIND_NAME = "Participant"


def matches(path: Path) -> bool:
    """Whether the entry looks like a Moodle download entry."""
    return _ENTRY.match(path.name) is not None


def parse(root: Path, items: list[Path], *, origin: str, tz: tzinfo | None = None) -> tuple[list[Found], list[str]]:
    """Reads a Moodle download (a folder per participant, or flat files) into one `Found` per participant.

    Args:
        root: the unpacked export.
        items: its entries.
        origin: prefix for ``Found.origin``.
        tz: unused (Moodle downloads carry no times); accepted for a uniform signature.
    """
    found: list[Found] = []
    problems: list[str] = []
    people: dict[str, dict] = {}
    for path in items:
        where = f"{origin}/{path.relative_to(root)}"
        m = _ENTRY.match(path.name)
        if m is None:
            fallback = path if path.is_file() else choose(walk_files(path, problems))[0]
            if fallback is None or not is_gradeable(fallback):
                problems.append(f"{where}: not a Moodle submission entry ({{Full Name}}_{{participantId}}_"
                                f"assignsubmission_file...) and nothing to grade; skipped")
                continue
            sid = slug(path.stem if path.is_file() else path.name)
            problems.append(f"{where}: name does not follow Moodle's {{Full Name}}_{{participantId}}_assignsubmission_"
                            f"file; graded as {sid!r} - check who handed it in")
            found.append(Found(fallback, sid, f"{origin}/{fallback.relative_to(root)}", lms="moodle",
                               original_name=fallback.name))
            continue
        person = people.setdefault(m.group("pid"), {"name": m.group("name"), "files": [], "plugins": set()})
        person["plugins"].add(m.group("plugin"))
        if m.group("plugin") != "file":
            continue
        if path.is_dir():
            person["files"] += walk_files(path, problems)
        elif path.is_file():
            person["files"].append(path)
    for pid, person in sorted(people.items(), key=lambda kv: (kv[1]["name"], kv[0])):
        name = person["name"]
        blind = name.strip().lower() == BLIND_NAME.lower()
        label = f"{name}_{pid}"
        chosen, others = choose(person["files"])
        if chosen is None:
            what = "only online text" if "onlinetext" in person["plugins"] and not person["files"] else \
                ", ".join(_original(f) for f in person["files"][:5]) or "no files"
            problems.append(f"{origin}: {label} handed in {what}; no .ipynb or .py to grade")
            continue
        if others:
            problems.append(f"{origin}/{label}: {len(others) + 1} candidate files "
                            f"({', '.join(_original(f) for f in [chosen, *others][:5])}); graded {_original(chosen)}")
        found.append(Found(chosen, slug(label), f"{origin}/{chosen.relative_to(root)}",
                           display_name=None if blind else name, lms="moodle",
                           lms_ids={"moodle_participant_id": pid}, original_name=_original(chosen)))
    return found, problems


def _original(path: Path) -> str:
    m = _ENTRY.match(path.name)
    return m.group("rest") or path.name if m else path.name
