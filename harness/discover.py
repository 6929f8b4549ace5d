"""Finding submissions: files, folders of files, a folder per student, or an LMS export.

Each path given is one export, read as plain files/folders or as an LMS bulk download
(Canvas, Moodle, Blackboard Learn, Gradescope); the format is detected per export
(`harness.lms.detect`) unless ``lms=`` says it. Zips are unpacked safely
(`harness.lms.safezip`). What the LMS says about each submission (student name and
ids, e-mail, submission time, late flag, attempt, older versions) is kept in `Found`;
the parsers' docstrings cite the naming conventions they read.

Nothing is dropped silently: unreadable files, names that do not follow the LMS's
convention, ambiguous student folders, two submissions for one student and identical
files handed in by different students are reported as problems next to the
submissions found.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path

from harness.lms import blackboard, canvas, gradescope, moodle
from harness.lms.detect import detect, looks_like_student_entry
from harness.lms.files import SUFFIXES, choose, entries, is_gradeable, slug, walk_files
from harness.lms.found import LMS_NAMES, Discovery, Export, Found, Version
from harness.lms.safezip import unpack
from harness.lms.times import resolve_tz

__all__ = ["SUFFIXES", "Discovery", "Export", "Found", "Version", "discover"]  # the public names of discovery

_QUIET = (".toml", ".md", ".txt", ".csv", ".json", ".yml", ".yaml")
_PARSERS = {"canvas": canvas.parse, "moodle": moodle.parse, "blackboard": blackboard.parse,
            "gradescope": gradescope.parse}


def discover(paths: list[str | Path], *, tmp_root: Path | None = None, lms: str = "auto",
             tz: str | tzinfo | None = None) -> Discovery:
    """Finds every submission under `paths`.

    Args:
        paths: files (``.ipynb``/``.py``), folders (one file per student, a folder per
            student, or an unpacked LMS download), or ``.zip`` exports of either.
        tmp_root: where zip exports are unpacked (default: a new temporary folder).
        lms: ``"auto"`` (detect per export), or force one of ``plain``, ``canvas``,
            ``moodle``, ``blackboard``, ``gradescope`` for every path.
        tz: the time zone of LMS times written without an offset (Blackboard file
            names and receipts with an ambiguous zone): an IANA name
            (``"Asia/Seoul"``), ``"UTC"`` or ``"+09:00"``. Without it such times stay
            unknown (reported), never guessed.

    Returns:
        A `Discovery`; student ids are unique (a second submission of the same id is
        renamed ``<id>-2`` and reported).

    Raises:
        ValueError: an unknown `lms` or `tz` (the message lists what is accepted).
    """
    if lms != "auto" and lms not in LMS_NAMES:
        raise ValueError(f"Unknown LMS {lms!r}; use 'auto' or one of: {', '.join(LMS_NAMES)}.")
    zone = resolve_tz(tz)
    out = Discovery()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            out.problems.append(f"{p}: does not exist")
        elif p.is_file() and p.suffix.lower() == ".zip":
            root, problems = unpack(p, tmp_root=tmp_root)
            out.problems += problems
            if root is not None:
                _read_export(_unwrap_zip(root), origin=f"zip:{p.name}", source=str(p), lms=lms, tz=zone, out=out)
        elif p.is_file():
            if is_gradeable(p):
                _read_export(p.parent, origin=str(p.parent), source=str(p), lms=lms, tz=zone, out=out, items=[p])
            else:
                out.problems.append(f"{p}: not a notebook (.ipynb), module (.py) or zip; skipped")
        else:
            _read_export(_unwrap_folder(p), origin=str(p), source=str(p), lms=lms, tz=zone, out=out)
    _dedupe(out)
    return out


def _unwrap_zip(root: Path) -> Path:
    # A zip of one folder (e.g. "assignment_123_export/") holds the export one level down,
    # unless that folder is itself one student's entry.
    for _ in range(3):
        listing = entries(root, [])
        if gradescope.matches(root) or len(listing) != 1 or not listing[0].is_dir() \
                or looks_like_student_entry(listing[0]):
            break
        root = listing[0]
    return root


def _unwrap_folder(root: Path) -> Path:
    # Only an unpacked Gradescope export one level down: a folder of one student stays a folder of one student.
    listing = entries(root, [])
    if not gradescope.matches(root) and len(listing) == 1 and gradescope.matches(listing[0]):
        return listing[0]
    return root


def _read_export(root: Path, *, origin: str, source: str, lms: str, tz: tzinfo | None, out: Discovery,
                 items: list[Path] | None = None) -> None:
    if items is None:
        items = entries(root, out.problems)
    chosen = detect(root, items) if lms == "auto" else lms
    before = len(out.found)
    if chosen == "plain":
        _plain(root, items, origin=origin, out=out)
    else:
        if chosen == "gradescope" and not gradescope.matches(root):
            out.problems.append(f"{source}: read as Gradescope but there is no {gradescope.METADATA}; "
                                f"folders graded by folder name")
        found, problems = _PARSERS[chosen](root, items, origin=origin, tz=tz)
        out.found += found
        out.problems += problems
    out.exports.append(Export(source=source, lms=chosen, how="detected" if lms == "auto" else "given",
                              found=len(out.found) - before))


def _plain(root: Path, items: list[Path], *, origin: str, out: Discovery) -> None:
    for entry in items:
        if entry.is_file() and is_gradeable(entry):
            out.found.append(Found(entry, slug(entry.stem), f"{origin}/{entry.name}", display_name=entry.stem,
                                   original_name=entry.name))
        elif entry.is_dir():
            chosen, others = choose(walk_files(entry, out.problems))
            if chosen is None:
                out.problems.append(f"{entry}: student folder without a .ipynb or .py file; nothing graded")
                continue
            if others:
                out.problems.append(f"{entry}: {len(others) + 1} candidate files "
                                    f"({', '.join(f.name for f in [chosen, *others][:5])}); graded {chosen.name}")
            out.found.append(Found(chosen, slug(entry.name), f"{origin}/{chosen.relative_to(root)}",
                                   display_name=entry.name, original_name=chosen.name))
        elif entry.is_file() and entry.suffix.lower() not in _QUIET:
            out.problems.append(f"{entry}: not a notebook or module; skipped")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dedupe(out: Discovery) -> None:
    seen: dict[str, int] = {}
    digests: dict[str, str] = {}
    unique: list[Found] = []
    for f in out.found:
        try:
            digest = _sha256(f.path)
        except OSError as exc:
            out.problems.append(f"{f.path}: unreadable ({exc}); not graded")
            continue
        sid = f.student_id
        if sid in seen:
            seen[sid] += 1
            new = f"{sid}-{seen[sid]}"
            while new in seen:
                seen[sid] += 1
                new = f"{sid}-{seen[sid]}"
            seen[new] = 1
            out.problems.append(f"{f.origin}: a second submission for {sid!r}; graded as {new!r}")
            f = replace(f, student_id=new)
        else:
            seen[sid] = 1
        if digest in digests:
            out.problems.append(f"{f.origin}: identical to the submission of {digests[digest]!r} (same bytes)")
        else:
            digests[digest] = f.student_id
        unique.append(f)
    out.found = unique
