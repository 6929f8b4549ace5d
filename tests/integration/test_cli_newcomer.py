"""The newcomer path and bad input, through the real command line (a subprocess per call).

Every user error ends in one message on stderr that says what was received and what to
do, a documented exit code, and no traceback; ``--json`` prints exactly one document;
grading refuses to run untrusted code without namespace isolation unless asked on purpose.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from harness.execute.sandbox import bwrap_path

REPO = Path(__file__).resolve().parents[2]
TF_CHATTER = ("oneDNN", "cpu_feature_guard", "absl::InitializeLog", "rebuild TensorFlow")


def labgrade(*args, env: dict | None = None, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs ``python -m harness.cli ARGS`` as a user would, with the project importable."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "harness.cli", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd or REPO, timeout=timeout)


def assert_user_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


def test_unsupported_file_type(tmp_path, data_root):
    notes = tmp_path / "notes.txt"
    notes.write_text("my answers")
    assert_user_error(labgrade("check", notes, "--lab", "dropout", "--data-root", data_root),
                      "Unsupported submission type '.txt'", "expected a Jupyter notebook (.ipynb)")


def test_data_root_that_does_not_exist(tmp_path):
    nb = _notebook(tmp_path / "a.ipynb", "print(1)")
    assert_user_error(labgrade("check", nb, "--lab", "dropout", "--data-root", "/does/not/exist"),
                      "Data root '/does/not/exist'", "does not exist")


def test_wrong_lab_id(tmp_path):
    nb = _notebook(tmp_path / "a.ipynb", "print(1)")
    result = labgrade("check", nb, "--lab", "catsdogs")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'catsdogs' is not one of" in result.stderr and "cats-dogs" in result.stderr


def test_malformed_notebook_is_refused_before_running(tmp_path, data_root):
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{ not json")
    assert_user_error(labgrade("check", bad, "--lab", "dropout", "--data-root", data_root),
                      "broken.ipynb is not valid JSON")


def test_grading_an_empty_folder_lists_what_was_skipped(tmp_path, data_root):
    empty = tmp_path / "class"
    empty.mkdir()
    (empty / "readme.pdf").write_bytes(b"%PDF")
    result = labgrade("grade", empty, "--lab", "dropout", "--data-root", data_root, "--sandbox", "none",
                      "--out", tmp_path / "out")
    assert_user_error(result, "Nothing to grade", "readme.pdf")
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_zip_with_nothing_gradeable(tmp_path, data_root):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Ada Lovelace_1234_assignsubmission_file_/report.docx", "not a notebook")
    assert_user_error(labgrade("grade", z, "--lab", "dropout", "--data-root", data_root, "--sandbox", "none",
                               "--out", tmp_path / "out"), "Nothing to grade")


def test_data_status_exit_code_follows_readiness(tmp_path, data_root):
    ready = labgrade("data", "status", "--data-root", data_root, "--lab", "dropout")
    assert ready.returncode == 0 and "dropout" in ready.stdout and "ready" in ready.stdout
    (tmp_path / "keras-home").mkdir()
    missing = labgrade("data", "status", "--data-root", tmp_path, "--lab", "dropout")
    assert missing.returncode == 1 and "NOT READY" in missing.stdout
    assert "train-images-idx3-ubyte.gz" in missing.stdout
    doc = json.loads(labgrade("data", "status", "--data-root", tmp_path, "--json").stdout)
    assert doc["ready"] is False and any(r["state"] == "missing" for r in doc["labs"]["dropout"])


def test_missing_data_stops_before_any_code_runs(tmp_path):
    """No data root and no network: one message naming the file, exit 2, nothing run, stdout empty."""
    nb = _notebook(tmp_path / "a.ipynb", "open('ran.txt', 'w').write('x')")
    env = {"KERAS_HOME": str(tmp_path / "empty-keras"), "LABGRADE_DATA": "", "HOME": str(tmp_path),
           # no network here or on CI; the proxy makes a download fail fast even where there is one
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    result = labgrade("run", nb, "--lab", "dropout", "--json", "--sandbox", "none", "--out", tmp_path / "out", env=env)
    assert_user_error(result, "train-images-idx3-ubyte.gz", "Looked for it at", "--data-root", "no submission code")
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()
    # The download attempt imported TensorFlow in the grader: its start-up logs stay off the console.
    assert not any(chatter in result.stderr for chatter in TF_CHATTER), result.stderr


def test_an_empty_folder_fails_before_any_data_is_provisioned(tmp_path):
    """With no data anywhere, an empty class folder is reported as empty, not as missing data."""
    (tmp_path / "class").mkdir()
    env = {"KERAS_HOME": str(tmp_path / "empty-keras"), "LABGRADE_DATA": "", "HOME": str(tmp_path),
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    result = labgrade("grade", tmp_path / "class", "--lab", "dropout", "--sandbox", "none", "--out", tmp_path / "out",
                      env=env)
    assert_user_error(result, "Nothing to grade")
    assert "Missing data file" not in result.stderr and "downloading" not in result.stderr


def test_a_failed_weights_download_names_the_weights_file(tmp_path, data_root):
    from harness.execute.diagnose import diagnose
    from harness.models import Cell, ErrorInfo

    cell = Cell(index=3, cell_type="code", source="model = ResNet50(weights='imagenet')", status="error",
                error=ErrorInfo("Exception", "URL fetch failure on https://storage.googleapis.com/tensorflow/"
                                             "keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5: "
                                             "None -- [Errno -3] Temporary failure in name resolution"))
    [d] = diagnose([cell], [])
    assert "resnet50_weights_tf_dim_ordering_tf_kernels.h5" in d.message
    assert "MobileNet" not in d.message + d.replacement and "alpha" not in d.replacement


def test_run_json_is_one_document_and_no_library_chatter_reaches_outputs(tmp_path, data_root):
    nb = _notebook(tmp_path / "tf.ipynb", "import tensorflow as tf\nimport keras\nprint('hello', keras.__version__)")
    result = labgrade("run", nb, "--lab", "dropout", "--json", "--quick", "--data-root", data_root,
                      "--sandbox", "auto", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    exe = json.loads(result.stdout)  # exactly one JSON document on stdout
    outputs = "\n".join(c["output"] for c in exe["cells"]) + exe["stdout"]
    assert "hello" in outputs
    assert not any(chatter in outputs for chatter in TF_CHATTER), outputs


@pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap not usable here: nothing to hide")
def test_grade_refuses_without_bubblewrap_and_none_proceeds_with_a_red_badge(tmp_path, data_root):
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    env = {"PATH": str(no_bwrap)}  # bubblewrap (and everything else) hidden from PATH
    folder = tmp_path / "class"
    folder.mkdir()
    _notebook(folder / "ann.ipynb", "print('ann')")
    _notebook(folder / "bob.ipynb", "x = 1 / 0")
    refused = labgrade("grade", folder, "--lab", "dropout", "--quick", "--data-root", data_root, "--out",
                       tmp_path / "out", env=env)
    assert_user_error(refused, "namespace isolation", "apt-get install bubblewrap", "dnf install bubblewrap",
                      "pacman -S bubblewrap", "--sandbox none")
    os.umask(0o022)
    result = labgrade("grade", folder, "--lab", "dropout", "--quick", "--data-root", data_root, "--out",
                      tmp_path / "out", "--sandbox", "none", "--jobs", "1", env=env)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    for sid in ("ann", "bob"):
        report = (out / sid / "report.html").read_text()
        assert "NOT ISOLATED" in report and 'id="isolation-warning"' in report
        assert (out / sid / "feedback.html").is_file()  # the student view of every graded submission
        assert stat.S_IMODE((out / sid / "grade.json").stat().st_mode) == 0o644  # follows the umask
    assert "NOT ISOLATED" in (out / "index.html").read_text()
    rows = (out / "grades.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert "isolation" in header and all(",limits-only," in r for r in rows[1:])
    score = header.index("score")
    assert all(len(r.split(",")[score].split(".")[-1]) == 2 for r in rows[1:])  # two decimals
    items = (out / "items.csv").read_text().splitlines()
    assert items[0].startswith("lab,item,name,max_points") and any(",analysis," in r for r in items)
    assert not (out / ".staging").exists() and not (out / ".trash").exists()


def test_check_leaves_only_the_students_view(tmp_path, data_root):
    nb = _notebook(tmp_path / "mine.ipynb", "print('my lab')")
    result = labgrade("check", nb, "--lab", "dropout", "--quick", "--data-root", data_root, "--out", tmp_path / "fb",
                      "--timeout", "120", "--cell-timeout", "60", "--memory-mb", "2048")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "fb" / "mine"
    names = {p.name for p in folder.iterdir()}
    assert {"feedback.html", "feedback.json"} <= names
    assert not names & {"grade.json", "execution.json", "results.json", "report.html", "measurements.json", "exports"}
    text = (folder / "feedback.html").read_text() + (folder / "feedback.json").read_text()
    assert "band" not in text.lower() and "evidence" not in text.lower()
    assert "feedback.html" in result.stdout


def test_a_bad_overrides_file_is_a_user_error(tmp_path, data_root):
    folder = tmp_path / "class"
    folder.mkdir()
    _notebook(folder / "alice.ipynb", "print(1)")
    bad = tmp_path / "manual.csv"
    bad.write_text("submission,item,points,comment\nalice,no_such_item,3,typo\n", encoding="utf-8")
    assert_user_error(labgrade("grade", folder, "--lab", "dropout", "--quick", "--data-root", data_root,
                               "--sandbox", "none", "--out", tmp_path / "out", "--overrides", bad),
                      "manual.csv:2", "unknown item 'no_such_item'")


def test_a_malformed_roster_is_a_user_error(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    _notebook(folder / "alice.ipynb", "print(1)")
    roster = tmp_path / "students.csv"
    roster.write_text("name,email\nAda,ada@example.edu\n", encoding="utf-8")
    assert_user_error(labgrade("discover", folder, "--roster", roster), "students.csv")


@pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap not usable here: nothing to hide")
def test_check_without_isolation_runs_with_a_notice_that_says_why(tmp_path, data_root):
    """A student's own code may run limits-only; the one-line notice names the actual reason."""
    nb = _notebook(tmp_path / "mine.ipynb", "print('my lab')")
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    missing = labgrade("check", nb, "--lab", "dropout", "--quick", "--data-root", data_root, "--out", tmp_path / "a",
                       env={"PATH": str(no_bwrap)})
    assert missing.returncode == 0, missing.stderr
    assert "bubblewrap is not installed" in missing.stderr and "limits only" in missing.stderr
    chosen = labgrade("check", nb, "--lab", "dropout", "--quick", "--data-root", data_root, "--out", tmp_path / "b",
                      "--sandbox", "none")
    assert chosen.returncode == 0, chosen.stderr
    assert "you chose --sandbox none" in chosen.stderr and "not installed" not in chosen.stderr
