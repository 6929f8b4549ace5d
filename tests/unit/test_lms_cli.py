"""``labgrade discover`` and ``labgrade gradescope-bundle``: thin click layers over the LMS functions."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from harness.cli import main
from tests.unit.test_discover_lms import CANVAS, blackboard_export, make_zip

ROSTER = Path(__file__).resolve().parents[1] / "data" / "lms" / "roster" / "students.csv"
REPO = Path(__file__).resolve().parents[2]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_discover_table_with_roster(tmp_path):
    result = run("discover", str(make_zip(tmp_path / "canvas.zip", CANVAS)), "--roster", str(ROSTER))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["student", "name", "lms", "submitted", "late", "try", "file", "roster"]
    turing = next(line for line in lines if line.startswith("turingalan_1002"))
    assert turing.split() == ["turingalan_1002", "turingalan", "canvas", "-", "LATE", "lab3_backup.ipynb",
                              "20231235"]
    assert any(line.endswith("canvas.zip: read as canvas (detected), 6 submission(s)") for line in lines)
    assert "roster: 4 matched, 2 not on the roster, 0 ambiguous, 3 without a submission (20231238, 20231239, " \
           "20231240)" in result.output
    assert "  - zip:canvas.zip/random_notes.ipynb: name does not follow Canvas'" in result.output


def test_discover_json_is_one_document(tmp_path):
    result = run("discover", str(blackboard_export(tmp_path)), "--json", "--tz", "Asia/Seoul",
                 "--unpack-to", str(tmp_path / "unpacked"))
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["gradeable"] == 5 and doc["roster"] is None
    ada = next(f for f in doc["discovery"]["found"] if f["student_id"] == "alovelace")
    assert ada["submitted_at"] == "2026-10-01T23:41:07+09:00" and ada["comment"] == "Please grade the last cell too."
    assert Path(ada["path"]).is_file()  # --unpack-to keeps the files the paths point at
    assert doc["discovery"]["exports"][0]["lms"] == "blackboard"


def test_discover_nothing_gradeable_exits_2_and_says_why(tmp_path):
    (tmp_path / "report.pdf").write_text("%PDF")
    (tmp_path / "broken.zip").write_text("not a zip")
    result = run("discover", str(tmp_path / "report.pdf"), str(tmp_path / "broken.zip"))
    assert result.exit_code == 2
    assert "report.pdf: not a notebook (.ipynb), module (.py) or zip; skipped" in result.output
    assert "broken.zip: not a readable zip file" in result.output
    assert "Nothing gradeable (.ipynb or .py) found in" in result.output


def test_discover_reports_user_errors_without_tracebacks(tmp_path):
    bad = tmp_path / "students.csv"
    bad.write_text("name\nAda\n")
    nb = tmp_path / "alice.ipynb"
    nb.write_text("{}")
    result = run("discover", str(nb), "--roster", str(bad))
    assert result.exit_code == 2 and "no student id column" in result.output and "Traceback" not in result.output
    result = run("discover", str(nb), "--tz", "Mars/Olympus")
    assert result.exit_code == 2 and "Unknown time zone 'Mars/Olympus'" in result.output


def test_gradescope_bundle_command(tmp_path):
    out = tmp_path / "ag.zip"
    result = run("gradescope-bundle", "--lab", "dropout", "--out", str(out), "--source", str(REPO), "--quick")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out} (")
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("labgrade-autograder.json"))["quick"] is True
    result = run("gradescope-bundle", "--lab", "dropout", "--out", str(out), "--source", str(tmp_path))
    assert result.exit_code == 2 and "is not a labgrade checkout" in result.output
