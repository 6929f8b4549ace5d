"""The Gradescope autograder: the bundle's contents, and run_autograder on a fake /autograder tree."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from harness import autograder
from harness.autograder import CONFIG_NAME, main, run_autograder, write_bundle

REPO = Path(__file__).resolve().parents[2]
LAB = "fashion-transfer"
METADATA = {"id": 123456, "created_at": "2026-10-01T14:22:32.365935+09:00",
            "assignment": {"due_date": "2026-10-01T23:59:00.000000+09:00", "title": "Lab 3", "total_points": "10.0"},
            "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada Lovelace", "sid": "20231234"}],
            "previous_submissions": []}


def test_bundle_from_the_source_checkout(tmp_path):
    out = write_bundle(lab=LAB, out=tmp_path / "autograder.zip", source=REPO)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
        config = json.loads(zf.read(CONFIG_NAME))
    assert {"setup.sh", "run_autograder", CONFIG_NAME, "labgrade/pyproject.toml", f"labgrade/rubrics/{LAB}.toml",
            "labgrade/harness/autograder.py", "labgrade/harness/grading.py"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") or "/." in n for n in names)
    assert all(n.split("/")[0] in ("setup.sh", "run_autograder", CONFIG_NAME, "labgrade") for n in names)
    assert stat.S_IMODE(modes["run_autograder"]) == 0o755 and stat.S_IMODE(modes["setup.sh"]) == 0o755
    assert "apt-get install -y --no-install-recommends bubblewrap" in setup
    assert 'pip install -e "/autograder/source/labgrade[tf]"' in setup
    assert f"--config /autograder/source/{CONFIG_NAME}" in run and "python -m harness.autograder" in run
    assert config == {"lab": LAB, "sandbox": "auto", "quick": False, "timeout": None, "data_root": None}
    for script in ("setup.sh", "run_autograder"):
        path = tmp_path / script
        path.write_text(setup if script == "setup.sh" else run)
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    assert write_bundle(lab=LAB, out=tmp_path / "again.zip", source=REPO).read_bytes() == out.read_bytes()


def test_bundle_from_a_wheel_carries_the_rubrics(tmp_path):
    wheel = tmp_path / "labgrade-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("harness/__init__.py", "")
    out = write_bundle(lab=LAB, out=tmp_path / "ag.zip", source=wheel, extras="", sandbox="none", quick=True)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        config = json.loads(zf.read(CONFIG_NAME))
    assert {f"dist/{wheel.name}", f"rubrics/{LAB}.toml"} <= names
    assert f'pip install "labgrade @ file:///autograder/source/dist/{wheel.name}"' in setup
    assert "from harness.labs import RUBRICS_DIR" in setup
    assert (config["sandbox"], config["quick"]) == ("none", True)


def test_bundle_refuses_bad_inputs(tmp_path):
    with pytest.raises(KeyError, match="Unknown lab 'lab9'"):
        write_bundle(lab="lab9", out=tmp_path / "x.zip", source=REPO)
    with pytest.raises(ValueError, match="is not a labgrade checkout"):
        write_bundle(lab=LAB, out=tmp_path / "x.zip", source=tmp_path)
    with pytest.raises(ValueError, match="neither a labgrade checkout nor a .whl/.tar.gz"):
        write_bundle(lab=LAB, out=tmp_path / "x.zip", source=tmp_path / "missing.whl")


def fake_tree(tmp_path: Path, files: dict[str, str], metadata: dict | None = METADATA) -> Path:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    for name, text in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    return root


class FakeGrader:
    """Stands in for grade_one: records the call and writes out/<sid>/results.json."""

    def __init__(self, score: float = 7.0):
        self.calls: list[dict] = []
        self.score = score

    def __call__(self, path, *, lab, out, student_id, **options):
        self.calls.append({"path": Path(path), "lab": lab, "student_id": student_id, **options})
        folder = Path(out) / (student_id or "submission")
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps({
            "score": self.score, "execution_time": 12.0, "output": "Your submission ran to the end.",
            "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": "Model A accuracy", "score": self.score, "max_score": 10.0, "status": "passed"}]}))


def _written(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


def test_grades_the_notebook_and_copies_results(tmp_path):
    root = fake_tree(tmp_path, {"fashion_transfer.ipynb": "{}", "notes.pdf": "%PDF"})
    grader = FakeGrader()
    results = run_autograder(root, lab=LAB, grade_fn=grader, quick=True)
    assert grader.calls == [{"path": root / "submission" / "fashion_transfer.ipynb", "lab": LAB,
                             "student_id": "20231234", "sandbox": "auto", "quick": True, "timeout": None,
                             "data_root": None}]
    assert _written(root) == results
    assert (results["score"], results["execution_time"], results["tests"][0]["name"]) == (7.0, 12.0,
                                                                                         "Model A accuracy")
    assert results["output"] == "Your submission ran to the end."


def test_several_notebooks_pick_the_one_named_like_the_lab(tmp_path):
    root = fake_tree(tmp_path, {"a_scratch.ipynb": "{}", "Fashion-Transfer (final).ipynb": "{}", "util.py": ""},
                     metadata={"users": [{"email": "ada@example.edu", "id": 1}]})
    grader = FakeGrader()
    results = run_autograder(root, lab=LAB, grade_fn=grader)
    assert grader.calls[0]["path"].name == "Fashion-Transfer (final).ipynb"
    assert grader.calls[0]["student_id"] == "ada@example.edu"
    assert results["output"].startswith("You uploaded 2 files that could be graded; graded Fashion-Transfer "
                                        "(final).ipynb (ignored: a_scratch.ipynb).")


def test_no_submission_file_gives_a_clear_zero(tmp_path):
    root = fake_tree(tmp_path, {"report.pdf": "%PDF", "README.txt": "hi"}, metadata=None)
    grader = FakeGrader()
    results = run_autograder(root, lab=LAB, grade_fn=grader)
    assert grader.calls == [] and results["score"] == 0.0 and results["tests"] == []
    assert results["output"] == ("No notebook (.ipynb) or Python module (.py) was found in your submission "
                                 "(received: README.txt, report.pdf). Upload your fashion-transfer notebook (a .ipynb "
                                 "file) and submit again.")
    assert _written(root) == results


def test_a_grader_crash_still_writes_valid_results(tmp_path, capsys):
    root = fake_tree(tmp_path, {"lab.ipynb": "{}"})

    def crash(path, **kwargs):
        raise MemoryError("the grader ran out of memory")

    results = run_autograder(root, lab=LAB, grade_fn=crash)
    assert results["score"] == 0.0 and results["stdout_visibility"] == "hidden"
    assert results["output"].startswith("The autograder could not grade your submission (MemoryError: the grader ran "
                                        "out of memory). This 0 is not a judgement of your work")
    assert "Traceback" in capsys.readouterr().out  # for the instructor's eyes (stdout is hidden from students)
    assert _written(root) == results


def test_a_grader_that_writes_nothing_is_reported(tmp_path):
    root = fake_tree(tmp_path, {"lab.ipynb": "{}"})
    results = run_autograder(root, lab=LAB, grade_fn=lambda path, **kw: None)
    assert results["score"] == 0.0 and "left 0 results.json file(s)" in results["output"]


def test_symlinks_in_the_submission_are_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_text("{}")
    root = fake_tree(tmp_path, {"real.py": "x = 1\n"})
    os.symlink(secret, root / "submission" / "lab.ipynb")
    grader = FakeGrader()
    run_autograder(root, lab=LAB, grade_fn=grader)
    assert grader.calls[0]["path"].name == "real.py"


def test_main_reads_the_root_from_the_environment(tmp_path, monkeypatch):
    root = fake_tree(tmp_path, {"lab.ipynb": "{}"})
    config = tmp_path / CONFIG_NAME
    config.write_text(json.dumps({"lab": LAB, "sandbox": "none", "quick": True, "timeout": 600,
                                  "data_root": "/autograder/source/data"}))
    monkeypatch.setenv("AUTOGRADER_ROOT", str(root))
    grader = FakeGrader(score=9.0)
    assert main(["--config", str(config)], grade_fn=grader) == 0
    assert _written(root)["score"] == 9.0
    assert [grader.calls[0][k] for k in ("sandbox", "quick", "timeout", "data_root")] == [
        "none", True, 600, "/autograder/source/data"]
    config.write_text("not json")
    assert main(["--config", str(config)], grade_fn=grader) == 1
    assert "misconfigured" in _written(root)["output"]


def test_default_grader_is_labgrades_grade_one(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(autograder, "grade_one", lambda path, **kw: seen.update(path=path, **kw))
    autograder._grade_with_labgrade(tmp_path / "lab.ipynb", lab=LAB, out=tmp_path, student_id="s", sandbox="auto",
                                    quick=True, timeout=300.0, data_root="/data")
    assert (seen["lab"], seen["out"], seen["student_id"], seen["quick"], seen["data_root"]) == (
        LAB, tmp_path, "s", True, "/data")
    assert seen["limits"].total_timeout_s == 300.0
