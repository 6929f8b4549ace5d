"""Unpacking hostile export zips: traversal, symlinks, special files, bombs, odd encodings."""

from __future__ import annotations

import os
import random
import stat
import zipfile
from pathlib import Path

import pytest

from harness.discover import discover
from harness.lms import safezip


def _files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_traversal_and_absolute_names_never_escape(tmp_path):
    z = tmp_path / "export.zip"
    evil = ["../escape.ipynb", "/tmp/labgrade-abs-evil.ipynb", "..\\..\\win.ipynb", "C:/drive.ipynb",
            "ok/../../up.ipynb"]
    with zipfile.ZipFile(z, "w") as zf:
        for name in evil:
            zf.writestr(name, "{}")
        zf.writestr("alice/lab.ipynb", '{"a": 1}')
        zf.writestr("bob/lab.ipynb", '{"b": 1}')
    unpack_root = tmp_path / "unpack"
    unpack_root.mkdir()
    d = discover([z], tmp_root=unpack_root)
    assert [f.student_id for f in d.found] == ["alice", "bob"]
    assert sum("path leaves the export" in p for p in d.problems) == len(evil)
    assert _files_under(tmp_path) == {"export.zip"} | {f"unpack/{p}" for p in _files_under(unpack_root)}
    assert {p.split("/", 1)[1] for p in _files_under(unpack_root)} == {"alice/lab.ipynb", "bob/lab.ipynb"}
    assert not Path("/tmp/labgrade-abs-evil.ipynb").exists()


def test_symlink_and_special_members_are_not_created(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(_info("alice/lab.ipynb", stat.S_IFLNK | 0o777), "/etc/passwd")
        zf.writestr(_info("link", stat.S_IFLNK | 0o777), str(tmp_path))
        zf.writestr("link/through-the-link.ipynb", "{}")
        zf.writestr(_info("bob/dev.ipynb", stat.S_IFCHR | 0o600), "")
        zf.writestr(_info("carol/lab.ipynb", stat.S_IFREG | 0o644), '{"c": 1}')
    root, problems = safezip.unpack(z, tmp_root=tmp_path)
    assert not any(p.is_symlink() for p in root.rglob("*"))
    assert (root / "link").is_dir() and not (tmp_path / "through-the-link.ipynb").exists()
    assert sum("symbolic link" in p for p in problems) == 2
    assert any("bob/dev.ipynb: not a regular file" in p for p in problems)
    assert (root / "carol" / "lab.ipynb").read_text() == '{"c": 1}'


def test_member_count_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(safezip, "MAX_MEMBERS", 5)
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(6):
            zf.writestr(f"s{i}.ipynb", "{}")
    d = discover([z], tmp_root=tmp_path)
    assert d.found == [] and d.problems == [f"{z}: 6 members, more than 5; refused as a possible zip bomb"]


def test_compression_ratio_bombs(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("alice/lab.ipynb", b"\0" * (8 << 20))
    root, problems = safezip.unpack(bomb, tmp_root=tmp_path)
    assert root is None and "refused as a possible zip bomb" in problems[0]
    # One bomb-like member among ordinary (incompressible) ones: only that member is refused.
    mixed = tmp_path / "mixed.zip"
    noise = random.Random(0).randbytes(600_000)
    with zipfile.ZipFile(mixed, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bob/lab.ipynb", noise)
        zf.writestr("bob/data.bin", b"\0" * (3 << 20))
    root, problems = safezip.unpack(mixed, tmp_root=tmp_path)
    assert (root / "bob" / "lab.ipynb").read_bytes() == noise and not (root / "bob" / "data.bin").exists()
    assert len(problems) == 1 and "bob/data.bin: unpacks" in problems[0] and "possible zip bomb" in problems[0]


def test_size_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 1000)
    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("alice/lab.ipynb", b"x" * 2000)
        zf.writestr("bob/lab.ipynb", b"y" * 10)
    root, problems = safezip.unpack(z, tmp_root=tmp_path)
    assert _files_under(root) == {"bob/lab.ipynb"} and "alice/lab.ipynb: 0 MB, more than 0 MB" in problems[0]
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 1500)
    assert safezip.unpack(z, tmp_root=tmp_path) == (None, [f"{z}: unpacks to 0 MB, more than 0 MB; skipped"])


def test_duplicate_members_keep_the_first(tmp_path):
    z = tmp_path / "dup.zip"
    with zipfile.ZipFile(z, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("alice/lab.ipynb", "first")
        zf.writestr("alice/lab.ipynb", "second")
    root, problems = safezip.unpack(z, tmp_root=tmp_path)
    assert (root / "alice" / "lab.ipynb").read_text() == "first"
    assert problems == ["dup.zip:alice/lab.ipynb: a second member with the same name; the first one was kept"]


class _Cp949Info(zipfile.ZipInfo):
    """A member whose name is stored in CP949 without the UTF-8 flag (Korean Windows zip tools)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's hook
        return self.filename.encode("cp949"), self.flag_bits & ~0x800


def test_korean_names_from_windows_zip_tools(tmp_path):
    z = tmp_path / "kr.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(_Cp949Info("홍길동/과제3.ipynb"), '{"h": 1}')
        zf.writestr(_Cp949Info("김철수/과제3.ipynb"), '{"k": 1}')
    with zipfile.ZipFile(z) as zf:
        assert zf.infolist()[0].filename != "홍길동/과제3.ipynb"  # what zipfile alone would make of it
    d = discover([z], tmp_root=tmp_path)
    assert [(f.display_name, f.original_name, f.student_id) for f in d.found] == [
        ("김철수", "과제3.ipynb", "student"), ("홍길동", "과제3.ipynb", "student-2")]
    assert "a second submission for 'student'; graded as 'student-2'" in d.problems[0]


def test_symlinks_in_folders_are_reported_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_text('{"secret": true}')
    cls = tmp_path / "class"
    (cls / "alice").mkdir(parents=True)
    (cls / "alice" / "lab.ipynb").symlink_to(secret)
    (cls / "alice" / "real.py").write_text("x = 1\n")
    os.symlink(secret, cls / "mallory.ipynb")
    d = discover([cls])
    assert [(f.student_id, f.path.name) for f in d.found] == [("alice", "real.py")]
    assert sum("a symbolic link; not followed" in p for p in d.problems) == 2
