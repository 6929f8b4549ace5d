"""Dataclass <-> JSON round-trip for the stage values that cross process boundaries.

Every value that leaves a process (an `Execution` written by a worker, a `Grade`
read back by the report) travels as JSON with a schema version, never as a pickle:
a pickle written next to untrusted code is an invitation to run code in the grader.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import tempfile
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class SchemaError(ValueError):
    """A JSON document does not match the stage type it was read as."""


def to_jsonable(value: Any) -> Any:
    """Converts dataclasses (recursively), paths and tuples into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def from_jsonable(cls: type[T], data: Any, *, where: str = "$") -> T:
    """Builds `cls` from JSON data, checking types field by field.

    Args:
        cls: a dataclass (or a typing construct made of dataclasses, lists,
            dicts, optionals and plain JSON types).
        data: the decoded JSON value.
        where: JSON path used in error messages.

    Raises:
        SchemaError: naming the JSON path of the first mismatch.
    """
    return _convert(cls, data, where)


def _convert(tp: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, data, where)
            except SchemaError as exc:
                errors.append(str(exc))
        raise SchemaError(f"{where}: no variant of {tp} matches: {'; '.join(errors)}")
    if origin is typing.Literal:
        if data not in typing.get_args(tp):
            raise SchemaError(f"{where}: expected one of {typing.get_args(tp)}, received {data!r}")
        return data
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise SchemaError(f"{where}: expected a list, received {type(data).__name__}")
        (item,) = typing.get_args(tp)[:1] or (Any,)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise SchemaError(f"{where}: expected an object, received {type(data).__name__}")
        _, val = typing.get_args(tp) or (str, Any)
        return {k: _convert(val, v, f"{where}.{k}") for k, v in data.items()}
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise SchemaError(f"{where}: expected an object for {tp.__name__}, received {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SchemaError(f"{where}: missing field {f.name!r} of {tp.__name__}")
        return tp(**kwargs)
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise SchemaError(f"{where}: expected a number, received {data!r}")
        return float(data)
    if tp in (int, str, bool):
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            raise SchemaError(f"{where}: expected {tp.__name__}, received {data!r}")
        return data
    return data


@functools.lru_cache(maxsize=None)
def _hints(tp: type) -> dict[str, Any]:
    # Resolving string annotations is slow; each stage class has fixed hints.
    return typing.get_type_hints(tp)


def dumps(value: Any) -> str:
    """Serialises a stage value as indented JSON."""
    return json.dumps(to_jsonable(value), indent=2, sort_keys=False, allow_nan=False)


def write_atomic(path: Path, text: str) -> None:
    """Writes `text` to `path` so that readers see the old file or the new one, never half.

    A temporary file in the same directory is fsynced and renamed over the target;
    a crash (even SIGKILL) leaves either no file or a complete one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600 files; results follow the umask like any other file the user writes.
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
