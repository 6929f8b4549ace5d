"""Canvas "Download Submissions" zips.

Format, from Canvas' own code (instructure/canvas-lms, ``lib/content_zipper.rb``,
``ContentZipper#get_filename`` and ``#add_upload_submission``): every uploaded file is
stored flat as ``{name}_{userId}_{attachmentId}_{displayName}``, with ``LATE_`` before
the user id when Canvas marks the submission late. ``name`` is the student's sortable
name ("Last, First") lower-cased with every non-word character removed and ``_123_``
runs collapsed (Canvas does this so ids can be found with ``/_\\d+_/``); anonymous
grading replaces ``name_userId`` with ``anon_{anonymousId}``. When a file of the same
name is uploaded again, Canvas makes it unique by appending ``-1``, ``-2``... before the
extension (``Attachment.make_unique_filename``). A download holds each student's
current submission only, and no submission time: ``submitted_at`` stays None and the
``LATE`` marker becomes ``Found.late``.

Several versions of one file (``lab.ipynb``, ``lab-1.ipynb``, ``lab-2.ipynb``) from one
student: the highest suffix wins (ties: the higher attachment id, i.e. the later
upload), the others are listed in ``superseded`` and ``attempt`` is suffix + 1. A lone
``hw-2.ipynb`` is not guessed to be a third attempt (``attempt`` stays None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from harness.lms.files import choose, is_gradeable, slug, walk_files
from harness.lms.found import Found, Version

_IDS = re.compile(r"(?:^|_)(?P<late>LATE_)?(?P<uid>anon_[A-Za-z0-9]+|\d+)_(?P<att>\d+)_(?P<orig>.+)$")
_VERSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>(?:\.[A-Za-z][A-Za-z0-9]*)*\.[A-Za-z0-9]+)?$")


@dataclass(frozen=True)
class CanvasName:
    """The parts of a Canvas download file name.

    Attributes:
        name: the sanitised sortable name ('' when anonymous).
        late: Canvas' LATE marker.
        user_id: the Canvas user id, or ``anon_xxxxx`` under anonymous grading.
        attachment_id: the Canvas attachment (file) id.
        original: the file name the student uploaded (with Canvas' ``-N`` suffix).
        base: ``original`` without the ``-N`` suffix, lower-cased (groups versions).
        version: N of the ``-N`` suffix, 0 without one.
    """

    name: str
    late: bool
    user_id: str
    attachment_id: str
    original: str
    base: str
    version: int


def parse_name(filename: str) -> CanvasName | None:
    """Splits a Canvas download file name, or None when it does not follow the convention."""
    m = _IDS.search(filename)
    if not m:
        return None
    original = m.group("orig")
    v = _VERSION.match(original)
    base, version = (v.group("stem") + (v.group("ext") or ""), int(v.group("n"))) if v else (original, 0)
    return CanvasName(name=filename[:m.start()], late=bool(m.group("late")), user_id=m.group("uid"),
                      attachment_id=m.group("att"), original=original, base=base.lower(), version=version)


def matches(path: Path) -> bool:
    """Whether the entry looks like a Canvas download file."""
    return path.is_file() and parse_name(path.name) is not None


def parse(root: Path, items: list[Path], *, origin: str, tz: tzinfo | None = None) -> tuple[list[Found], list[str]]:
    """Reads a Canvas download (flat files) into one `Found` per student.

    Args:
        root: the unpacked export.
        items: its entries.
        origin: prefix for ``Found.origin``.
        tz: unused (Canvas downloads carry no times); accepted for a uniform signature.
    """
    found: list[Found] = []
    problems: list[str] = []
    per_user: dict[str, list[tuple[CanvasName, Path]]] = {}
    for path in items:
        where = f"{origin}/{path.relative_to(root)}"
        parsed = parse_name(path.name) if path.is_file() else None
        if parsed is not None:
            per_user.setdefault(parsed.user_id, []).append((parsed, path))
            continue
        chosen = path if path.is_file() else choose(walk_files(path, problems))[0]
        if chosen is None or not is_gradeable(chosen):
            problems.append(f"{where}: not a Canvas submission file ({{name}}_{{userId}}_{{attachmentId}}_{{file}}) "
                            f"and nothing to grade; skipped")
            continue
        sid = slug(path.stem if path.is_file() else path.name)
        problems.append(f"{where}: name does not follow Canvas' {{name}}_{{userId}}_{{attachmentId}}_{{file}}; graded "
                        f"as {sid!r} - check who handed it in")
        found.append(Found(chosen, sid, f"{origin}/{chosen.relative_to(root)}", lms="canvas",
                           original_name=chosen.name))
    for user_id, files in per_user.items():
        result = _one_student(user_id, files, root=root, origin=origin, problems=problems)
        if result is not None:
            found.append(result)
    return found, problems


def _one_student(user_id: str, files: list[tuple[CanvasName, Path]], *, root: Path, origin: str,
                 problems: list[str]) -> Found | None:
    label = files[0][0].name or user_id
    gradeable = [(n, p) for n, p in files if is_gradeable(p)]
    notebooks = [(n, p) for n, p in gradeable if p.suffix.lower() == ".ipynb"]
    gradeable = notebooks or gradeable  # a helper module next to a notebook is not a second candidate
    if not gradeable:
        problems.append(f"{origin}: {label} (Canvas user {user_id}) handed in only "
                        f"{', '.join(n.original for n, _ in files[:5])}; no .ipynb or .py to grade")
        return None
    by_base: dict[str, list[tuple[CanvasName, Path]]] = {}
    for n, p in gradeable:
        by_base.setdefault(n.base, []).append((n, p))
    latest: list[tuple[CanvasName, Path, int | None]] = []
    superseded: list[Version] = []
    for versions in by_base.values():
        versions.sort(key=lambda np: (np[0].version, int(np[0].attachment_id)))
        winner = versions[-1]
        several = len(versions) > 1
        latest.append((winner[0], winner[1], winner[0].version + 1 if several else None))
        superseded += [Version(origin=f"{origin}/{p.relative_to(root)}", path=p, attempt=n.version + 1,
                               lms_ids={"canvas_attachment_id": n.attachment_id}) for n, p in versions[:-1]]
    latest.sort(key=lambda t: int(t[0].attachment_id), reverse=True)  # different files: the most recent upload
    name, path, attempt = latest[0]
    if len(latest) > 1:
        problems.append(f"{origin}: {label} (Canvas user {user_id}) handed in {len(latest)} candidate files "
                        f"({', '.join(n.original for n, _, _ in latest[:5])}); graded {name.original} "
                        f"(the latest upload)")
    anonymous = user_id.startswith("anon_")
    ids = {"canvas_anonymous_id" if anonymous else "canvas_user_id": user_id.removeprefix("anon_") if anonymous
           else user_id, "canvas_attachment_id": name.attachment_id}
    sid = slug(user_id if anonymous or not name.name else f"{name.name}_{user_id}")
    return Found(path, sid, f"{origin}/{path.relative_to(root)}", display_name=name.name or None, late=name.late,
                 lms="canvas", lms_ids=ids, attempt=attempt,
                 superseded=tuple(sorted(superseded, key=lambda v: v.origin)), original_name=name.original)
