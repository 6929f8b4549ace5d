"""A training record's contradictions (harness.execute.consistency), and the workspace walk that never follows a link."""

from __future__ import annotations

import os

from harness.execute.consistency import contradictions
from harness.execute.watchdog import disk_usage
from harness.models import EpochLog, TraceEvent


def _compile(seq: int, model: str = "model-a") -> TraceEvent:
    return TraceEvent(kind="compile", seq=seq, model_id=model)


def _fit(seq: int, start: dict, end: dict, *, model: str = "model-a", compiles: int = 1, steps: int = 10,
         frozen: set = frozenset()) -> TraceEvent:
    return TraceEvent(kind="fit", seq=seq, model_id=model, compile_count=compiles, complete=True,
                      epoch_logs=[EpochLog(epoch=0, steps=steps, logs={"loss": 1.0})],
                      weights_start=[[v, fp, 0 if v in frozen else 1] for v, fp in start.items()],
                      weights_end=[[v, fp, 0 if v in frozen else 1] for v, fp in end.items()])


def test_a_real_two_phase_transfer_record_has_no_contradiction():
    trace = [_compile(1), _fit(2, {"k": "k0", "out": "o0"}, {"k": "k0", "out": "o1"}, frozen={"k"}),
             _compile(3), _fit(4, {"k": "k0", "out": "o1"}, {"k": "k2", "out": "o2"}, compiles=2),
             TraceEvent(kind="weights", seq=5, model_id="model-a", weights_end=[["k", "k9", 1]]),
             _fit(6, {"k": "k9", "out": "o2"}, {"k": "k3", "out": "o3"}, compiles=2)]
    assert contradictions(trace) == []


def test_a_fit_starting_from_weights_nothing_recorded_is_a_contradiction():
    trace = [_compile(1), _fit(2, {"out": "o0"}, {"out": "invented"}), _fit(3, {"out": "o1"}, {"out": "o2"})]
    (problem,) = contradictions(trace)
    assert "fit 3" in problem and "no recorded step produced" in problem


def test_compile_counts_must_match_the_recorded_compiles():
    trace = [_compile(1), _compile(2), _fit(3, {"w": "a"}, {"w": "b"}, compiles=1)]
    (problem,) = contradictions(trace)
    assert "counts 1 compile() call(s)" in problem and "2 were recorded" in problem


def test_a_fit_of_a_model_never_compiled_is_a_contradiction():
    (problem,) = contradictions([_fit(1, {"w": "a"}, {"w": "b"}, model="model-x", compiles=0)])
    assert "never compiled" in problem


def test_a_fit_that_trained_nothing_is_a_contradiction_unless_everything_was_frozen():
    sham = [_compile(1), _fit(2, {"w": "a"}, {"w": "a"})]
    assert "changed none of its trainable weights" in contradictions(sham)[0]
    frozen = [_compile(1), _fit(2, {"w": "a"}, {"w": "a"}, frozen={"w"})]
    assert contradictions(frozen) == []
    no_steps = [_compile(1), _fit(2, {"w": "a"}, {"w": "a"}, steps=0)]
    assert contradictions(no_steps) == []


def test_disk_usage_counts_files_and_never_enters_a_link(tmp_path):
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    (ws / "a" / "b").mkdir(parents=True)
    outside.mkdir()
    (ws / "a" / "b" / "f").write_bytes(b"x" * 100_000)
    (outside / "big").write_bytes(b"y" * 2_000_000)
    os.symlink(outside, ws / "link")
    used, entries, too_deep = disk_usage(ws)
    assert 100_000 <= used < 1_000_000 and entries == 4 and not too_deep


def test_disk_usage_reports_folders_nested_too_deep(tmp_path):
    path = tmp_path
    for _ in range(12):
        path = path / "d"
    path.mkdir(parents=True)
    assert disk_usage(tmp_path, max_depth=10)[2] is True
    assert disk_usage(tmp_path, max_depth=20)[2] is False
