"""The result store: atomic commits, resume keys, recovery after a crash."""

from __future__ import annotations

import pytest

from harness.batch.store import ResultKey, ResultStore, pack_folder

KEY = ResultKey(sha256="a" * 64, rubric_version="1+abc", harness_version="0.1.0", quick=True)


def test_commit_and_resume_key(tmp_path):
    store = ResultStore(tmp_path)
    assert not store.is_done("alice", KEY)
    store.commit("alice", KEY, {"grade.json": b"{}", "figures/a.png": b"png"})
    assert store.is_done("alice", KEY)
    assert (tmp_path / "alice" / "figures" / "a.png").read_bytes() == b"png"
    other = ResultKey(sha256="a" * 64, rubric_version="2+def", harness_version="0.1.0", quick=True)
    assert not store.is_done("alice", other)  # new rubric or bands: regrade


def test_recommit_replaces_the_whole_folder(tmp_path):
    store = ResultStore(tmp_path)
    store.commit("bob", KEY, {"grade.json": b"1", "old.txt": b"x"})
    store.commit("bob", KEY, {"grade.json": b"2"})
    assert (tmp_path / "bob" / "grade.json").read_bytes() == b"2" and not (tmp_path / "bob" / "old.txt").exists()
    assert not (tmp_path / ".trash").exists() and not (tmp_path / ".staging").exists()  # nothing left behind


def test_recover_removes_leftovers_of_a_crash(tmp_path):
    store = ResultStore(tmp_path)
    (tmp_path / ".staging" / "carol.1234").mkdir(parents=True)
    (tmp_path / ".staging" / "carol.1234" / "grade.json").write_text("half")
    assert store.recover() == ["carol.1234"]
    assert not (tmp_path / "carol").exists() and not store.is_done("carol", KEY)


def test_result_files_cannot_escape(tmp_path):
    store = ResultStore(tmp_path / "out")
    with pytest.raises(ValueError, match="outside its folder"):
        store.commit("eve", KEY, {"../../pwned": b"x"})
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out" / "eve").exists()


def test_missing_grade_means_not_done(tmp_path):
    store = ResultStore(tmp_path)
    store.commit("dan", KEY, {"execution.json": b"{}"})
    assert not store.is_done("dan", KEY)


def test_pack_folder_skips_links(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "link").symlink_to("/etc/passwd")
    assert pack_folder(tmp_path) == {"a.txt": b"a"}
