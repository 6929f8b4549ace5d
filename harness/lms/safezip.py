"""Unpacking an LMS export zip without letting its contents escape or explode.

An export zip is assembled by the LMS but named and filled by students, so every
member is hostile input:

- names with ``..``, absolute paths, drive letters or backslash tricks are skipped;
  every file is created with ``O_EXCL | O_NOFOLLOW`` inside a fresh temporary folder
  whose resolved path is checked, so nothing is ever written outside it;
- symbolic links and other special members (devices, FIFOs) are never created;
- zip bombs are refused: at most `MAX_MEMBERS` members, `MAX_TOTAL_BYTES` in all,
  `MAX_MEMBER_BYTES` per member, and no member (or archive) above `MAX_RATIO`
  uncompressed/compressed once it is bigger than `RATIO_FLOOR_BYTES`; sizes are
  counted while writing, not trusted from the header;
- macOS resource forks (``__MACOSX``), dot files, ``__pycache__`` and notebook
  checkpoints are skipped silently;
- names not flagged as UTF-8 are decoded as UTF-8 or CP949 when they are (zips made
  by Korean Windows tools), instead of CP437 mojibake.

Everything skipped is reported, one problem per member.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 2 << 30
MAX_MEMBER_BYTES = 512 << 20
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1 << 20
SKIP = re.compile(r"(^|/)(\.|__MACOSX(/|$)|__pycache__(/|$)|\.ipynb_checkpoints(/|$))")
_CHUNK = 1 << 16


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if info.flag_bits & 0x800:  # the zip says UTF-8
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _safe_parts(name: str) -> tuple[str, ...] | None:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return None
    parts = tuple(p for p in PurePosixPath(normalized).parts if p not in ("", "."))
    if not parts or any(p == ".." for p in parts):
        return None
    return parts


def _write_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Streams one member to `target`; returns the bytes written. Raises OSError/ValueError."""
    limit = min(info.file_size, MAX_MEMBER_BYTES, budget)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    written = 0
    try:
        with zf.open(info) as src, os.fdopen(fd, "wb") as dst:
            while True:
                chunk = src.read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise ValueError(f"unpacks to more than its declared {info.file_size} bytes or the size caps")
                dst.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return written


def unpack(path: Path, *, tmp_root: Path | None = None) -> tuple[Path | None, list[str]]:
    """Unpacks an export zip into a new temporary folder.

    Args:
        path: the zip.
        tmp_root: where the temporary folder is made (default: the system's).

    Returns:
        ``(folder, problems)``; folder is None when the whole zip was refused (not a
        zip, too many members, too big, bomb-like ratio). The folder is left for the
        caller (the files found in it are graded later).
    """
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return None, [f"{path}: not a readable zip file ({exc})"]
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return None, [f"{path}: {len(infos)} members, more than {MAX_MEMBERS}; refused as a possible zip bomb"]
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            return None, [f"{path}: unpacks to {total >> 20} MB, more than {MAX_TOTAL_BYTES >> 20} MB; skipped"]
        if total > RATIO_FLOOR_BYTES and total > MAX_RATIO * max(packed, 1):
            return None, [f"{path}: unpacks {total // max(packed, 1)}x its packed size (limit {MAX_RATIO}x); refused "
                          f"as a possible zip bomb"]
        dest = Path(tempfile.mkdtemp(prefix="labgrade-zip-", dir=tmp_root)).resolve()
        budget = MAX_TOTAL_BYTES
        for info in infos:
            name = _member_name(info)
            where = f"{path.name}:{name}"
            parts = _safe_parts(name)
            if parts is None:
                problems.append(f"{where}: path leaves the export (absolute or '..'); not unpacked")
                continue
            if SKIP.search("/".join(parts)):
                continue
            mode = info.external_attr >> 16 if info.create_system == 3 else 0  # Unix mode bits, when made on Unix
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                problems.append(f"{where}: a symbolic link inside the zip; not unpacked (links are never followed)")
                continue
            if info.is_dir() or kind == stat.S_IFDIR:
                continue
            if kind and kind != stat.S_IFREG:
                problems.append(f"{where}: not a regular file (device, pipe...); not unpacked")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                problems.append(f"{where}: {info.file_size >> 20} MB, more than {MAX_MEMBER_BYTES >> 20} MB; "
                                f"not unpacked")
                continue
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                problems.append(f"{where}: unpacks {info.file_size // max(info.compress_size, 1)}x its packed size "
                                f"(limit {MAX_RATIO}x); not unpacked as a possible zip bomb")
                continue
            target = dest.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.parent.resolve().is_relative_to(dest):  # belt and braces: never write outside
                    raise ValueError("resolves outside the unpack folder")
                budget -= _write_member(zf, info, target, budget)
            except FileExistsError:
                problems.append(f"{where}: a second member with the same name; the first one was kept")
            except (OSError, ValueError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
                problems.append(f"{where}: could not be unpacked ({exc}); skipped")
    return dest, problems
