"""The result store: one folder per submission, committed atomically, keyed for resume.

``OUT/<submission-id>/key.json`` records the key the results were produced under:
the submission's content hash, the rubric version (which includes the rubric file's
digest, so recalibrated bands count), the harness version and the mode. A rerun skips
a submission whose stored key matches; anything else is graded again.

Commit protocol: results are written into ``OUT/.staging/<id>.<nonce>/`` and renamed
into place. A crash leaves at worst a staging folder or a ``.trash`` folder, both
removed on the next run; a half-written result folder never exists.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.serialize import write_atomic

KEY_FILE = "key.json"


@dataclass(frozen=True)
class ResultKey:
    """What a stored result was produced from."""

    sha256: str
    rubric_version: str
    harness_version: str
    quick: bool

    def to_dict(self) -> dict:
        return asdict(self)


class ResultStore:
    """Per-submission result folders under `root`, with atomic commits."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging = self.root / ".staging"
        self.trash = self.root / ".trash"

    def recover(self) -> list[str]:
        """Removes what an interrupted run left behind; returns what was removed."""
        removed = []
        for folder in (self.staging, self.trash):
            if folder.exists():
                removed += [p.name for p in folder.iterdir()]
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def stored_key(self, sid: str) -> ResultKey | None:
        """The key of the stored result of `sid`, or None (missing or unreadable)."""
        path = self.root / sid / KEY_FILE
        try:
            return ResultKey(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def is_done(self, sid: str, key: ResultKey) -> bool:
        """True when `sid` has a complete result produced under `key`."""
        return self.stored_key(sid) == key and (self.root / sid / "grade.json").is_file()

    def commit(self, sid: str, key: ResultKey, files: dict[str, bytes]) -> Path:
        """Writes `files` (relative path -> bytes) as the result of `sid`, atomically.

        Raises:
            ValueError: for a relative path that would leave the result folder.
        """
        stage = self.staging / f"{sid}.{secrets.token_hex(4)}"
        stage.mkdir(parents=True)
        for rel, data in files.items():
            target = (stage / rel).resolve()
            if not str(target).startswith(str(stage.resolve()) + os.sep):
                shutil.rmtree(stage, ignore_errors=True)
                raise ValueError(f"result file {rel!r} of {sid!r} would be written outside its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        write_atomic(stage / KEY_FILE, json.dumps(key.to_dict(), indent=2))
        with open(stage / KEY_FILE, "rb") as fh:
            os.fsync(fh.fileno())
        final = self.root / sid
        if final.exists():
            self.trash.mkdir(exist_ok=True)
            old = self.trash / f"{sid}.{secrets.token_hex(4)}"
            os.rename(final, old)
            os.rename(stage, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, final)
        for folder in (self.staging, self.trash):  # leave no empty bookkeeping folders behind
            try:
                folder.rmdir()
            except OSError:
                pass
        return final


def pack_folder(folder: Path, *, max_file_bytes: int = 512 << 20) -> dict[str, bytes]:
    """Every regular file under `folder` as relative path -> bytes (links are not followed)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size <= max_file_bytes:
            out[str(path.relative_to(folder))] = path.read_bytes()
    return out
