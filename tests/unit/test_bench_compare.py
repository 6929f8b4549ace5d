"""Baselines and the regression gate: fingerprints, ratios, tolerance, other machines."""

from __future__ import annotations

import json

import pytest

from harness.measure import baseline as bl
from harness.machine import fingerprint, fingerprint_fields
from harness.measure.results import BenchRun, Measurement

CPU = {"backend": "tensorflow", "precision": "float32", "device": "CPU", "cpu": "AMD EPYC", "cpu_count": 2,
       "gpu_names": [], "keras": "3.15.1"}
H100 = {"backend": "jax", "precision": "mixed_bfloat16", "device": "GPU (NVIDIA H100 80GB HBM3)", "cpu": "Intel Xeon",
        "cpu_count": 16, "gpu_names": ["NVIDIA H100 80GB HBM3"], "keras": "3.15.1"}


def run_of(machine: dict, *, infer: float = 100.0, epoch_s: float = 10.0) -> BenchRun:
    run = BenchRun(machine=dict(machine), fingerprint=fingerprint(machine), suites=["models"])
    run.add(Measurement("resnet50_infer_b32", "images/s", infer, True, infer * 0.9))
    run.add(Measurement("fashion_mlp_epoch", "s", epoch_s, False, epoch_s * 1.1))
    run.add(Measurement("batch_speedup_jobs2", "x", 1.5, True, compare=False))
    return run


def test_fingerprint_ignores_library_versions_but_not_device_or_precision():
    assert fingerprint(CPU) == fingerprint({**CPU, "keras": "3.99", "tensorflow": "9"})
    assert fingerprint(CPU) != fingerprint({**CPU, "precision": "mixed_bfloat16"})
    assert fingerprint(CPU) != fingerprint({**CPU, "cpu_count": 16})
    assert fingerprint(CPU) != fingerprint(H100)
    assert fingerprint(H100).startswith("jax-mixed-bfloat16-nvidia-h100")
    assert "/" not in fingerprint(H100) and " " not in fingerprint(H100)


def test_fingerprint_fields_read_a_rubric_calibration_table():
    calibration = {"backend": "tensorflow", "device": "CPU", "cpu": "AMD EPYC", "cpu_count": 2, "gpus": []}
    assert fingerprint_fields(calibration) == fingerprint_fields(CPU)
    gpu_cal = {**calibration, "gpus": ["NVIDIA H100 80GB HBM3, 580.159.04"], "device": "GPU x1"}
    assert fingerprint_fields(gpu_cal)["gpu_names"] == ["NVIDIA H100 80GB HBM3"]
    # jax reports "CPU (cpu)": the same device class as "CPU".
    assert fingerprint_fields({**CPU, "device": "CPU (cpu)"})["device"] == "CPU"


def test_same_machine_2x_slower_regresses_and_rerun_passes(tmp_path):
    bl.save_baseline(run_of(CPU), baselines_dir=tmp_path)
    slow = bl.compare_run(run_of(CPU, infer=50.0, epoch_s=20.0), baselines_dir=tmp_path)
    assert slow.same_machine and slow.failed
    assert {r.name for r in slow.regressions} == {"resnet50_infer_b32", "fashion_mlp_epoch"}
    assert all(r.speed == pytest.approx(0.5) for r in slow.regressions)
    rerun = bl.compare_run(run_of(CPU, infer=90.0, epoch_s=11.0), baselines_dir=tmp_path)
    assert not rerun.failed
    assert {r.name: r.status for r in rerun.rows}["resnet50_infer_b32"] == "ok"


def test_tolerance_boundary_is_a_ratio(tmp_path):
    bl.save_baseline(run_of(CPU), baselines_dir=tmp_path)
    # tolerance 0.5: fails when more than 1.5x slower (speed < 1/1.5).
    assert not bl.compare_run(run_of(CPU, infer=100 / 1.49), baselines_dir=tmp_path).failed
    assert bl.compare_run(run_of(CPU, infer=100 / 1.51), baselines_dir=tmp_path).failed
    assert not bl.compare_run(run_of(CPU, infer=100 / 1.51), baselines_dir=tmp_path, tolerance=0.6).failed
    faster = bl.compare_run(run_of(CPU, infer=300.0), baselines_dir=tmp_path)
    assert {r.name: r.status for r in faster.rows}["resnet50_infer_b32"] == "improved"
    with pytest.raises(ValueError, match="received -0.1"):
        bl.compare_run(run_of(CPU), baselines_dir=tmp_path, tolerance=-0.1)


def test_another_machines_baseline_is_reported_never_fails(tmp_path):
    bl.save_baseline(run_of(H100, infer=10_000.0), baselines_dir=tmp_path)
    cmp = bl.compare_run(run_of(CPU, infer=10.0), baselines_dir=tmp_path)
    assert not cmp.same_machine and not cmp.failed
    assert cmp.baseline_fingerprint == fingerprint(H100)
    assert {r.status for r in cmp.rows if r.baseline is not None} == {"info"}
    assert "another configuration" in cmp.note and "backend" in cmp.note


def test_no_baseline_at_all_compares_nothing(tmp_path):
    cmp = bl.compare_run(run_of(CPU), baselines_dir=tmp_path / "none")
    assert not cmp.failed and cmp.baseline_fingerprint is None
    assert {r.status for r in cmp.rows} == {"new"} and "labgrade bench --save" in cmp.note


def test_report_only_numbers_never_fail_and_missing_ones_are_listed(tmp_path):
    base = run_of(CPU)
    base.add(Measurement("mobilenetv2_infer_b1", "images/s", 50.0, True))
    bl.save_baseline(base, baselines_dir=tmp_path)
    run = run_of(CPU)
    run.measurements["batch_speedup_jobs2"].value = 0.1  # reported only (compare=False), never saved
    cmp = bl.compare_run(run, baselines_dir=tmp_path)
    status = {r.name: r.status for r in cmp.rows}
    assert status["batch_speedup_jobs2"] == "new" and status["mobilenetv2_infer_b1"] == "missing"
    assert not cmp.failed


def test_save_merges_suites_and_round_trips(tmp_path):
    first = run_of(CPU)
    bl.save_baseline(first, baselines_dir=tmp_path)
    second = BenchRun(machine=dict(CPU), fingerprint=fingerprint(CPU))
    second.add(Measurement("kernel_startup_s", "s", 0.7, False))
    path = bl.save_baseline(second, baselines_dir=tmp_path)
    data = json.loads(path.read_text())
    assert set(data["benchmarks"]) == {"resnet50_infer_b32", "fashion_mlp_epoch", "kernel_startup_s"}
    assert data["fingerprint_fields"] == fingerprint_fields(CPU)
    assert BenchRun.from_dict(first.to_dict()).measurements["fashion_mlp_epoch"].value == 10.0


def test_unreadable_inputs_say_what_was_received(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"schema_version": 99, "fingerprint": "f"}))
    with pytest.raises(ValueError, match="schema_version=99"):
        bl.load_baseline(bad)
    with pytest.raises(ValueError, match="kind='other'"):
        BenchRun.from_dict({"kind": "other", "schema_version": 1})


def test_measurement_from_times_uses_best_round_and_keeps_median():
    m = Measurement.from_times("w", [2.0, 1.0, 4.0], items=32, unit="images/s", precision="float32", info={})
    assert m.value == 32.0 and m.median == 16.0 and m.higher_is_better
    t = Measurement.from_times("e", [2.0, 1.0, 4.0], items=0, unit="s", precision="float32", info={})
    assert t.value == 1.0 and t.median == 2.0 and not t.higher_is_better


def test_table_warns_when_the_machine_was_busy(tmp_path):
    from harness.measure.table import format_run

    bl.save_baseline(run_of(CPU), baselines_dir=tmp_path)
    busy = run_of({**CPU, "load_avg_1m": 5.0}, infer=40.0)
    text = format_run(busy, bl.compare_run(busy, baselines_dir=tmp_path))
    assert "REGRESSION" in text and "machine was busy (load average 5 on 2 cores" in text
    quiet = run_of({**CPU, "load_avg_1m": 1.0})
    assert "busy" not in format_run(quiet, bl.compare_run(quiet, baselines_dir=tmp_path))
