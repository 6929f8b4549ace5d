"""Finding submissions: files, folders of files, a folder per student, or an LMS export zip.

Nothing is dropped silently: unreadable files, ambiguous student folders, two
submissions for one student and identical files handed in by different students are
reported as `Problem`s next to the submissions found.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".ipynb", ".py")
_SKIP = re.compile(r"(^|/)(\.|__MACOSX|__pycache__|\.ipynb_checkpoints)")
_MAX_ZIP_BYTES = 2 << 30


@dataclass(frozen=True)
class Found:
    """One submission found.

    Attributes:
        path: the file to grade.
        student_id: who handed it in (file stem or folder name).
        origin: where it came from (the path given, or ``zip:member``).
    """

    path: Path
    student_id: str
    origin: str


@dataclass
class Discovery:
    """Submissions found under the given paths, and what was wrong on the way."""

    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _student(name: str) -> str:
    # LMS exports prefix files/folders with the student's name and ids ("Ada Lovelace_123_assignsubmission...").
    name = re.sub(r"_assignsubmission.*$", "", name)
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._") or "student"


def _candidates(folder: Path) -> list[Path]:
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
             and not _SKIP.search(str(p.relative_to(folder)))]
    notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
    return sorted(notebooks or files)


def discover(paths: list[str | Path], *, tmp_root: Path | None = None) -> Discovery:
    """Finds every submission under `paths`.

    Args:
        paths: files (``.ipynb``/``.py``), folders (one file per student, or one folder
            per student), or ``.zip`` exports of either.
        tmp_root: where zip exports are unpacked (default: a new temporary folder).

    Returns:
        A `Discovery`; student ids are unique (a second submission of the same id is
        renamed ``<id>-2`` and reported).
    """
    out = Discovery()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            out.problems.append(f"{p}: does not exist")
        elif p.is_file() and p.suffix.lower() == ".zip":
            _from_zip(p, out, tmp_root)
        elif p.is_file():
            if p.suffix.lower() in SUFFIXES:
                out.found.append(Found(p, _student(p.stem), str(p)))
            else:
                out.problems.append(f"{p}: not a notebook (.ipynb), module (.py) or zip; skipped")
        else:
            _from_folder(p, out, origin=str(p))
    _dedupe(out)
    return out


def _from_folder(folder: Path, out: Discovery, *, origin: str) -> None:
    for entry in sorted(folder.iterdir()):
        if _SKIP.search(entry.name):
            continue
        if entry.is_file() and entry.suffix.lower() in SUFFIXES:
            out.found.append(Found(entry, _student(entry.stem), f"{origin}/{entry.name}"))
        elif entry.is_dir():
            files = _candidates(entry)
            if not files:
                out.problems.append(f"{entry}: student folder without a .ipynb or .py file; nothing graded")
                continue
            if len(files) > 1:
                out.problems.append(f"{entry}: {len(files)} candidate files ({', '.join(f.name for f in files[:5])}); "
                                    f"graded {files[0].name}")
            out.found.append(Found(files[0], _student(entry.name), f"{origin}/{entry.name}/{files[0].name}"))
        elif entry.is_file() and entry.suffix.lower() not in (".toml", ".md", ".txt", ".csv", ".json"):
            out.problems.append(f"{entry}: not a notebook or module; skipped")


def _from_zip(path: Path, out: Discovery, tmp_root: Path | None) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        out.problems.append(f"{path}: not a readable zip file")
        return
    with zf:
        total = sum(i.file_size for i in zf.infolist())
        if total > _MAX_ZIP_BYTES:
            out.problems.append(f"{path}: unpacks to {total >> 20} MB, more than {_MAX_ZIP_BYTES >> 20} MB; skipped")
            return
        dest = Path(tempfile.mkdtemp(prefix="labgrade-zip-", dir=tmp_root))
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or _SKIP.search(name) or name.startswith("/") or ".." in Path(name).parts:
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    roots = [p for p in dest.iterdir()]
    top = roots[0] if len(roots) == 1 and roots[0].is_dir() else dest  # a zip of one folder
    _from_folder(top, out, origin=f"zip:{path.name}")


def _dedupe(out: Discovery) -> None:
    seen: dict[str, int] = {}
    digests: dict[str, str] = {}
    unique: list[Found] = []
    for f in out.found:
        try:
            digest = hashlib.sha256(f.path.read_bytes()).hexdigest()
        except OSError as exc:
            out.problems.append(f"{f.path}: unreadable ({exc}); not graded")
            continue
        sid = f.student_id
        if sid in seen:
            seen[sid] += 1
            new = f"{sid}-{seen[sid]}"
            out.problems.append(f"{f.origin}: a second submission for {sid!r}; graded as {new!r}")
            f = Found(f.path, new, f.origin)
        else:
            seen[sid] = 1
        if digest in digests:
            out.problems.append(f"{f.origin}: identical to the submission of {digests[digest]!r} (same bytes)")
        else:
            digests[digest] = f.student_id
        unique.append(f)
    out.found = unique
