"""Reading what a submission left behind: never through a link, never unbounded, never trusted.

Everything under a workspace, every export and every message from the sandbox is
hostile input. Files are opened with ``O_NOFOLLOW`` (a planted symlink fails instead of
leading the grader, which may be root, to a file of its choosing), must be regular
files (a FIFO would block the grader), and are read up to a cap. JSON is parsed with
non-finite numbers, huge integers and deep nesting turned into errors or sanitised
values, so that a crafted value becomes a status for that submission, never a grader
crash.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

MAX_DEPTH = 24
MAX_ITEMS = 20_000
MAX_STRING = 200_000
MAX_INT = 2**63


class UntrustedDataError(ValueError):
    """A file or value from the sandbox is unusable (a link, too big, not JSON...); the message says which."""


def open_regular(path: str | Path, *, dir_fd: int | None = None) -> int:
    """Opens `path` read-only without following a final symlink; only regular files are accepted.

    Returns:
        An open file descriptor (the caller closes it).

    Raises:
        UntrustedDataError: a link, a missing file, or not a regular file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        why = "a symbolic link" if exc.errno == 40 else exc.strerror or type(exc).__name__
        raise UntrustedDataError(f"{Path(path).name}: cannot be read ({why})") from None
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise UntrustedDataError(f"{Path(path).name}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UntrustedDataError(f"{Path(path).name}: not a regular file")
    return fd


def read_bytes(path: str | Path, *, max_bytes: int, dir_fd: int | None = None) -> bytes:
    """The content of a regular file, at most `max_bytes`.

    Raises:
        UntrustedDataError: a link, not a regular file, or larger than `max_bytes`.
    """
    fd = open_regular(path, dir_fd=dir_fd)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise UntrustedDataError(f"{Path(path).name}: {size} bytes, more than the {max_bytes} allowed")
        chunks, total = [], 0
        while total <= max_bytes:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
        if total > max_bytes:  # grew while being read
            raise UntrustedDataError(f"{Path(path).name}: more than the {max_bytes} bytes allowed")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_head(path: str | Path, *, max_bytes: int) -> bytes:
    """At most the first `max_bytes` of a regular file, whatever its size.

    Raises:
        UntrustedDataError: a link or not a regular file.
    """
    fd = open_regular(path)
    try:
        chunks, total = [], 0
        while total < max_bytes:
            block = os.read(fd, min(1 << 20, max_bytes - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_tail(path: str | Path, *, keep: int) -> str:
    """The last `keep` bytes of a regular file as text ('' when it cannot be read safely)."""
    try:
        fd = open_regular(path)
    except UntrustedDataError:
        return ""
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - keep), os.SEEK_SET)
        return os.read(fd, keep).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def copy_regular(src: str | Path, dest: Path, *, max_bytes: int) -> int:
    """Copies a regular file (no links) into `dest`, refusing more than `max_bytes`; returns the size.

    Raises:
        UntrustedDataError: as `read_bytes`.
    """
    fd = open_regular(src)
    total = 0
    try:
        if os.fstat(fd).st_size > max_bytes:
            raise UntrustedDataError(f"{Path(src).name}: {os.fstat(fd).st_size >> 20} MB, more than the "
                                     f"{max_bytes >> 20} MB allowed")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "wb") as out:
            while True:
                block = os.read(fd, 1 << 20)
                if not block:
                    break
                total += len(block)
                if total > max_bytes:
                    raise UntrustedDataError(f"{Path(src).name}: more than the {max_bytes >> 20} MB allowed")
                out.write(block)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return total


def parse_json(data: bytes | str, *, what: str = "data", max_nodes: int | None = None) -> Any:
    """Parses JSON from the sandbox and sanitises it (see `sanitize`).

    Raises:
        UntrustedDataError: not JSON, nested too deeply for the parser, or an integer too long to read.
    """
    return parse_json_counted(data, what=what, max_nodes=max_nodes)[0]


def parse_json_counted(data: bytes | str, *, what: str = "data", max_nodes: int | None = None) -> tuple[Any, int]:
    """`parse_json`, also returning how many values the sanitised copy holds (what keeping it costs).

    Raises:
        UntrustedDataError: as `parse_json`.
    """
    try:
        raw = json.loads(data, parse_constant=lambda name: None)
    except RecursionError:
        raise UntrustedDataError(f"{what}: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # includes integers beyond Python's digit limit
        raise UntrustedDataError(f"{what}: not valid JSON ({str(exc)[:120]})") from None
    return sanitize_counted(raw, max_nodes=max_nodes)


def load_json_file(path: str | Path, *, max_bytes: int) -> Any:
    """`read_bytes` then `parse_json`."""
    return parse_json(read_bytes(path, max_bytes=max_bytes), what=Path(path).name)


def sanitize(value: Any, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS,
             max_string: int = MAX_STRING, max_nodes: int | None = None) -> Any:
    """A copy of a JSON-like value that every later step can handle.

    Non-finite floats become None; integers beyond 64 bits become floats (None when not
    finite); strings are cut at `max_string`; containers keep their first `max_items`
    entries; anything deeper than `max_depth` becomes the string ``"[too deep]"``; past
    `max_nodes` values in all (default ``50 * max_items``), containers become
    ``"[too large]"`` and scalars None; keys become strings. Iterative, so no recursion
    limit applies to hostile input.
    """
    return sanitize_counted(value, max_depth=max_depth, max_items=max_items, max_string=max_string,
                            max_nodes=max_nodes)[0]


def sanitize_counted(value: Any, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS,
                     max_string: int = MAX_STRING, max_nodes: int | None = None) -> tuple[Any, int]:
    """`sanitize`, also returning the number of values (containers and scalars) copied (`max_nodes` at most)."""
    limit = max_items * 50 if max_nodes is None else max_nodes
    nodes = 0

    def scalar(v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, int):
            if -MAX_INT <= v <= MAX_INT:
                return v
            try:
                f = float(v)
            except OverflowError:
                return None
            return f if math.isfinite(f) else None
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, str):
            return v if len(v) <= max_string else v[:max_string]
        return str(v)[:200]

    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]  # (source, parent, key, depth)
    while stack:
        src, parent, key, depth = stack.pop()
        container = isinstance(src, (dict, list, tuple))
        if nodes >= limit:  # what keeping it costs is bounded, whatever the shape
            parent[key] = "[too large]" if container else None
            continue
        nodes += 1
        if container and depth >= max_depth:
            parent[key] = "[too deep]"
        elif isinstance(src, dict):
            out: dict[str, Any] = {}
            parent[key] = out
            for k, v in list(src.items())[:max_items]:
                sk = k if isinstance(k, str) else str(k)
                out[sk[:1000]] = None
                stack.append((v, out, sk[:1000], depth + 1))
        elif isinstance(src, (list, tuple)):
            items = list(src[:max_items])
            lst: list[Any] = [None] * len(items)
            parent[key] = lst
            for i, v in enumerate(items):
                stack.append((v, lst, i, depth + 1))
        else:
            parent[key] = scalar(src)
    return root[0], nodes


def number(value: Any, *, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A finite number within [low, high] from an untrusted value, else None (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if math.isfinite(f) and low <= f <= high else None


def integer(value: Any, *, low: int = -MAX_INT, high: int = MAX_INT) -> int | None:
    """An int within [low, high] from an untrusted value, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= high else None
