"""``labgrade similarity``: thin over the API, defaults from it, exit 2 with a clear message on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.cli.options import default
from harness.cli.similarity import similarity_command
from harness.integrity import detect
from harness.integrity.detect import DEFAULT_THRESHOLD, similarity
from tests.unit.integrity_class import OWN_CODE_CLASSES, sample_cells, write_student


@pytest.fixture()
def out(tmp_path):
    cells = sample_cells("cats-dogs/correct.ipynb")
    write_student(tmp_path, "alice", cells)
    write_student(tmp_path, "bob", cells)
    write_student(tmp_path, "carol", [("code", c) for c in OWN_CODE_CLASSES])
    return tmp_path


def test_defaults_come_from_the_function():
    params = {p.name: p.default for p in similarity_command.params}
    assert params["threshold"] == default(similarity, "threshold") == DEFAULT_THRESHOLD
    assert params["jobs"] == default(similarity, "jobs") and params["starter"] is None and params["lab"] is None


def test_summary_lists_flagged_pairs_and_writes_the_report(out):
    result = CliRunner().invoke(main, ["similarity", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 submission(s) compared" in result.output and "1 flagged at 0.5" in result.output
    assert "alice <-> bob" in result.output
    assert (out / "similarity.html").is_file() and (out / "similarity.json").is_file()


def test_json_prints_the_report(out):
    result = CliRunner().invoke(main, ["similarity", str(out), "--json", "--threshold", "0.99"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema_version"] == 1 and data["threshold"] == 0.99
    assert [(p["a"], p["b"], p["flagged"]) for p in data["pairs"]][0] == ("alice", "bob", True)


@pytest.mark.parametrize("case,expected", [
    ("missing", "is not a folder"), ("empty", "is not a results folder"), ("one", "at least 2 are needed"),
    ("bad-starter", "Starter not found"), ("other-lab", "of lab 'cats-dogs'"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, case, expected):
    args = ["similarity", str(tmp_path / "missing")]
    if case != "missing":
        (tmp_path / "res").mkdir()
        args = ["similarity", str(tmp_path / "res")]
    if case in ("one", "bad-starter", "other-lab"):
        write_student(tmp_path / "res", "alice", sample_cells("cats-dogs/correct.ipynb"))
    if case in ("bad-starter", "other-lab"):
        write_student(tmp_path / "res", "bob", sample_cells("cats-dogs/correct.ipynb"))
    if case == "bad-starter":
        args += ["--starter", str(tmp_path / "nope.ipynb")]
    if case == "other-lab":
        args += ["--lab", "cats-dogs"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output


def test_threshold_is_checked(out):
    result = CliRunner().invoke(main, ["similarity", str(out), "--threshold", "2"])
    assert result.exit_code == 2 and "2" in result.output


def test_an_unwritable_results_folder_is_a_message_not_a_traceback(out, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(detect, "write_atomic", refuse)
    result = CliRunner().invoke(main, ["similarity", str(out)])
    assert result.exit_code == 1 and "could not write similarity.json" in result.output
    assert "Permission denied" in result.output and "Traceback" not in result.output
