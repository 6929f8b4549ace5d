"""The reference gate's decisions, without running a reference: bands, provenance, throughput baselines."""

from __future__ import annotations

import pytest

from harness.measure import baseline as bl
from harness.machine import fingerprint, fingerprint_fields
from harness.measure.results import BenchRun, Measurement
from harness.measure.verify import (band_mismatches, check_bands, check_throughput, lab_config, reference_baseline,
                            throughput_key)

MACHINE = {"backend": "tensorflow", "precision": "float32", "device": "CPU", "cpu": "AMD EPYC", "cpu_count": 2,
           "gpu_names": []}
CAL = {"backend": "tensorflow", "device": "CPU", "cpu": "AMD EPYC", "cpu_count": 2, "gpus": [],
       "data_fingerprint": "abc", "config": {"epochs": 10, "alpha": 0.35, "model": "mlp"},
       "throughput": {"train_images_per_s": [100.0, 80.0, 120.0, 90.0, 110.0]}, "date": "2026-11-26"}
BANDS = {"accuracy": {"low": 0.9, "high": 0.95}, "gap": {"low": 0.0, "high": 0.1}}


def test_metric_inside_band_passes_and_outside_fails():
    checks = {c.name: c.status for c in check_bands({"accuracy": 0.93, "gap": 0.2}, BANDS, foreign=False)}
    assert checks == {"accuracy": "pass", "gap": "fail"}
    assert check_bands({"accuracy": 0.9, "gap": 0.1}, BANDS, foreign=False)[0].status == "pass"  # inclusive
    assert {c.status for c in check_bands({"accuracy": 0.93}, BANDS, foreign=False)} == {"pass", "missing"}


def test_foreign_band_miss_warns_unless_strict():
    assert check_bands({"accuracy": 0.5, "gap": 0.05}, BANDS, foreign=True)[0].status == "warn"
    assert check_bands({"accuracy": 0.5, "gap": 0.05}, BANDS, foreign=True, strict=True)[0].status == "fail"


def test_band_mismatches_name_each_difference():
    same = band_mismatches(CAL, fingerprint_fields(MACHINE), {"data_fingerprint": "abc", "epochs": 10, "alpha": 0.35})
    assert same == []
    jax_gpu = {**MACHINE, "backend": "jax", "device": "GPU (NVIDIA H100)", "precision": "mixed_bfloat16"}
    diff = band_mismatches(CAL, fingerprint_fields(jax_gpu), {"data_fingerprint": "xyz", "epochs": 10, "alpha": 1.0})
    text = "\n".join(diff)
    for what in ("backend: 'tensorflow' (bands) vs 'jax'", "device:", "precision:", "data:", "config alpha: 0.35"):
        assert what in text
    assert band_mismatches({}, fingerprint_fields(MACHINE), {}) == ["no calibration provenance in the rubric"]


def test_throughput_regresses_beyond_tolerance_only():
    assert check_throughput("t", 49.0, 100.0, "x", tolerance=1.0).status == "regressed"
    assert check_throughput("t", 51.0, 100.0, "x", tolerance=1.0).status == "ok"
    assert check_throughput("t", 251.0, 100.0, "x", tolerance=1.0).status == "improved"
    none = check_throughput("t", 5.0, None, "no baseline for this machine", tolerance=1.0)
    assert none.status == "none" and none.speed is None


def test_throughput_key_prefers_training():
    assert throughput_key({"train_images_per_s": 10.0, "infer_images_per_s": 5.0}) == "train_images_per_s"
    assert throughput_key({"train_images_per_s": 0.0, "infer_images_per_s": 5.0}) == "infer_images_per_s"
    assert throughput_key({"wall_s": 1.0}) is None


def test_reference_baseline_same_machine_calibration_then_saved_file(tmp_path):
    fields = fingerprint_fields(MACHINE)
    fp = fingerprint(MACHINE)
    value, src = reference_baseline("dropout", "quick", "train_images_per_s", fingerprint_=fp, run_fields=fields,
                                    calibration=CAL, baselines_dir=tmp_path)
    assert value == 100.0 and "median of 5" in src
    other = {**MACHINE, "cpu_count": 16}
    value, src = reference_baseline("dropout", "quick", "train_images_per_s", fingerprint_=fingerprint(other),
                                    run_fields=fingerprint_fields(other), calibration=CAL, baselines_dir=tmp_path)
    assert value is None and "another machine" in src
    run = BenchRun(machine=MACHINE, fingerprint=fp)
    run.add(Measurement("dropout:quick:train_images_per_s", "images/s", 250.0, True))
    bl.save_baseline(run, baselines_dir=tmp_path, section="reference")
    value, src = reference_baseline("dropout", "quick", "train_images_per_s", fingerprint_=fp, run_fields=fields,
                                    calibration=CAL, baselines_dir=tmp_path)
    assert value == 250.0 and src.startswith(fp)


def test_lab_config_keeps_only_keys_the_lab_knows():
    class Module:
        DEFAULTS = {"epochs": 10, "alpha": 1.0, "optimizers": ("sgd", "adam")}

    cal = {"config": {**CAL["config"], "optimizers": ["sgd", "adam"], "weights_id": "x"}}
    assert lab_config(Module, cal) == {"alpha": 0.35}  # only scalar keys that differ from the default
    assert lab_config(Module, {}) is None


def test_verify_rejects_unknown_labs_before_running_anything():
    from harness.data.source import DataSource
    from harness.measure.verify import verify

    with pytest.raises(ValueError, match="Unknown lab id.*'nope'"):
        verify(["nope"], source=DataSource())
    with pytest.raises(ValueError, match="received 'float16'"):
        verify(["dropout"], source=DataSource(), precision="float16")
