"""Finding submissions in files, folders, folders per student and LMS export zips."""

from __future__ import annotations

import zipfile

from harness.discover import discover


def _nb(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_and_folder_of_files(tmp_path):
    _nb(tmp_path / "class" / "alice.ipynb", "a")
    _nb(tmp_path / "class" / "bob.py", "b")
    _nb(tmp_path / "class" / "notes.txt")
    _nb(tmp_path / "class" / "expected.toml")
    single = _nb(tmp_path / "carol.ipynb", "c")
    d = discover([tmp_path / "class", single])
    assert [(f.student_id, f.path.name) for f in d.found] == [("alice", "alice.ipynb"), ("bob", "bob.py"),
                                                             ("carol", "carol.ipynb")]
    assert d.problems == []


def test_folder_per_student_prefers_notebooks_and_reports_ambiguity(tmp_path):
    _nb(tmp_path / "c" / "alice" / "lab.ipynb", "a")
    _nb(tmp_path / "c" / "alice" / "helper.py", "h")
    _nb(tmp_path / "c" / "bob" / "v1.ipynb", "b1")
    _nb(tmp_path / "c" / "bob" / "v2.ipynb", "b2")
    _nb(tmp_path / "c" / "bob" / ".ipynb_checkpoints" / "v1-checkpoint.ipynb", "x")
    (tmp_path / "c" / "empty").mkdir()
    d = discover([tmp_path / "c"])
    assert [(f.student_id, f.path.name) for f in d.found] == [("alice", "lab.ipynb"), ("bob", "v1.ipynb")]
    assert any("2 candidate files" in p for p in d.problems)
    assert any("empty" in p and "without a .ipynb" in p for p in d.problems)


def test_duplicates_and_identical_files_are_reported(tmp_path):
    _nb(tmp_path / "c" / "alice.ipynb", "same")
    _nb(tmp_path / "c" / "alice.py", "other")
    _nb(tmp_path / "c" / "bob.ipynb", "same")
    d = discover([tmp_path / "c"])
    assert [f.student_id for f in d.found] == ["alice", "alice-2", "bob"]
    assert any("second submission for 'alice'" in p for p in d.problems)
    assert any("identical to the submission of 'alice'" in p for p in d.problems)


def test_lms_zip_export(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Ada Lovelace_1234_assignsubmission_file_/lab.ipynb", "ada")
        zf.writestr("Alan Turing_5678_assignsubmission_file_/lab.ipynb", "alan")
        zf.writestr("__MACOSX/._junk", "x")
        zf.writestr("../escape.ipynb", "evil")
    d = discover([z], tmp_root=tmp_path)
    assert [f.student_id for f in d.found] == ["Ada_Lovelace_1234", "Alan_Turing_5678"]
    assert not (tmp_path.parent / "escape.ipynb").exists()


def test_bad_inputs_are_reported(tmp_path):
    (tmp_path / "broken.zip").write_text("not a zip")
    (tmp_path / "doc.pdf").write_text("x")
    d = discover([tmp_path / "broken.zip", tmp_path / "doc.pdf", tmp_path / "missing"])
    assert d.found == []
    assert len(d.problems) == 3 and "does not exist" in d.problems[2]
