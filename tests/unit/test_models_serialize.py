"""Stage values round-trip through JSON with type checks and schema versions."""

from __future__ import annotations

import json

import pytest

from harness.models import (Cell, CheckResult, EpochLog, ErrorInfo, Execution, Export, Grade, LabResult, Submission,
                            TraceEvent)
from harness.serialize import SchemaError, from_jsonable, write_atomic


def _execution() -> Execution:
    sub = Submission(path="a.ipynb", lab="dropout", student_id="alice", sha256="0" * 64, kind="notebook")
    return Execution(
        submission=sub, status="error", status_detail="cell 1 raised ValueError",
        cells=[Cell(index=0, cell_type="markdown", source="# hi there"),
               Cell(index=1, cell_type="code", source="1/0", status="error",
                    error=ErrorInfo("ZeroDivisionError", "division by zero", "tb"))],
        trace=[TraceEvent(kind="fit", seq=0, epochs=2, epoch_logs=[EpochLog(epoch=0, lr=0.01, logs={"loss": 1.0})])],
        exports={"model": Export(name="model", kind="model", found=True, path="exports/model.keras")},
    )


def test_execution_round_trip_is_exact():
    exe = _execution()
    assert Execution.from_json(exe.to_json()) == exe


def test_execution_helpers():
    exe = _execution()
    assert [c.index for c in exe.code_cells] == [1]
    assert exe.analysis_words() == 3


def test_wrong_schema_version_is_refused_with_a_fix():
    data = json.loads(_execution().to_json())
    data["schema_version"] = 99
    with pytest.raises(SchemaError, match="schema_version=99.*--force"):
        Execution.from_json(json.dumps(data))


def test_type_mismatch_names_the_json_path():
    data = json.loads(_execution().to_json())
    data["cells"][1]["duration_s"] = "slow"
    with pytest.raises(SchemaError, match=r"\$\.cells\[1\]\.duration_s"):
        Execution.from_json(json.dumps(data))


def test_literal_fields_are_checked():
    data = json.loads(_execution().to_json())
    data["status"] = "great"
    with pytest.raises(SchemaError, match="status"):
        Execution.from_json(json.dumps(data))


def test_not_json_is_a_schema_error():
    with pytest.raises(SchemaError, match="Not JSON"):
        Grade.from_json("{nope")


def test_grade_round_trip():
    sub = _execution().submission
    grade = Grade(submission=sub, lab_result=LabResult(lab="dropout", rubric_version="1", checks=[
        CheckResult(item="runs", name="Runs", status="passed", score=5, max_score=5)]), score=5, max_score=100)
    assert Grade.from_json(grade.to_json()) == grade


def test_nan_becomes_null():
    ev = TraceEvent(kind="fit", seq=0, epoch_logs=[EpochLog(epoch=0, lr=float("nan"))])
    assert '"lr": null' in Execution(submission=_execution().submission, status="ok", trace=[ev]).to_json()


def test_nested_dataclasses_are_rebuilt():
    ev = from_jsonable(TraceEvent, {"kind": "fit", "seq": 0, "epoch_logs": [{"epoch": 0, "lr": None}]})
    assert isinstance(ev, TraceEvent) and isinstance(ev.epoch_logs[0], EpochLog)


def test_submission_from_path(tmp_path):
    p = tmp_path / "bob.ipynb"
    p.write_text("{}")
    sub = Submission.from_path(p, lab="cats-dogs")
    assert (sub.student_id, sub.kind, sub.size_bytes) == ("bob", "notebook", 2)
    assert len(sub.sha256) == 64
    with pytest.raises(ValueError, match=r"Unsupported submission type '\.txt'"):
        (tmp_path / "x.txt").write_text("x")
        Submission.from_path(tmp_path / "x.txt", lab="cats-dogs")
    with pytest.raises(FileNotFoundError, match="missing.py' does not exist"):
        Submission.from_path(tmp_path / "missing.py", lab="cats-dogs")


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "x.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]
