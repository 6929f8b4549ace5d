"""Olympic rule, bands, time-to-band, rubric writing, provenance, config merging."""

from __future__ import annotations

import math
import tomllib

import pytest

from harness import calibration as cal
from harness import machine as provenance
from reference.config import merge_config
from harness.reference_result import ReferenceResult


def _result(seed, **metrics):
    return ReferenceResult(lab="dropout", seed=seed, quick=False, metrics=metrics,
                           curves={"accuracy": [[1.0, metrics["accuracy"] - 0.1], [2.0, metrics["accuracy"]]]},
                           timings={"wall_s": 3.0 + seed, "train_images_per_s": 100.0, "infer_images_per_s": 1000.0},
                           config={"epochs": 2, "data_fingerprint": "abc"})


def test_olympic_drops_one_best_and_one_worst():
    assert cal.olympic([0.5, 0.9, 0.7, 0.1, 0.6]) == [0.5, 0.7, 0.6]
    assert cal.olympic([0.8, 0.8, 0.8]) == [0.8]
    with pytest.raises(ValueError, match="at least 3.*received 2"):
        cal.olympic([0.1, 0.2])


def test_band_widens_by_margin_and_clips():
    b = cal.band([0.90, 0.95, 0.97, 0.99, 0.80], margin=0.02, clip=(0.0, 1.0))
    assert b["kept"] == [0.90, 0.95, 0.97]
    assert b["low"] == pytest.approx(0.88) and b["high"] == pytest.approx(0.99)
    assert b["mean"] == pytest.approx(0.922) and b["std"] > 0
    b = cal.band([0.99, 1.0, 1.0, 0.98, 0.97], margin=0.05, clip=(0.0, 1.0))
    assert b["high"] == 1.0


def test_compute_bands_only_clips_accuracies():
    results = [_result(s, accuracy=a, train_val_gap=g) for s, (a, g) in enumerate(
        [(0.8, -0.05), (0.82, -0.04), (0.81, -0.06), (0.79, -0.03), (0.83, -0.07)])]
    bands = cal.compute_bands(results, margin=0.02)
    assert set(bands) == {"accuracy", "train_val_gap"}
    assert bands["train_val_gap"]["low"] == pytest.approx(-0.06 - 0.02)
    assert cal.compute_bands(results, margin=0.02, prefixes=("acc",)).keys() == {"accuracy"}


def test_time_to_band():
    curve = [[1.0, 0.5], [2.0, 0.85], [3.0, 0.95], [4.0, 0.86]]
    assert cal.time_to_band(curve, 0.84, 0.9) == 2.0
    assert cal.time_to_band(curve, 0.99, 1.0) is None
    res = _result(0, accuracy=0.8)
    assert cal.result_time_to_band(res, {"accuracy": {"low": 0.75, "high": 0.85}}) == 2.0
    assert cal.result_time_to_band(res, {"accuracy": {"low": 0.9, "high": 1.0}}) is None


HAND = '[rubric]\nlab = "dropout"\ntitle = "Dropout"  # hand-written\n\n[[items]]\nid = "bands"\npoints = 3\n\n'


def test_write_band_section_keeps_hand_text_and_other_mode(tmp_path):
    path = tmp_path / "dropout.toml"
    path.write_text(HAND)
    full = {"calibration": {"backend": "tensorflow", "n": 5}, "bands": {"accuracy": {"low": 0.8, "high": 0.9}}}
    quick = {"calibration": {"backend": "jax", "n": 5, "gpus": None}, "bands": {"accuracy": {"low": 0.7, "high": 0.8}}}
    cal.write_band_section(path, "dropout", "full", full)
    cal.write_band_section(path, "dropout", "quick", quick)
    full2 = {"calibration": {"backend": "torch", "n": 6}, "bands": {"accuracy": {"low": 0.81, "high": 0.91}}}
    cal.write_band_section(path, "dropout", "full", full2)
    text = path.read_text()
    assert text.startswith(HAND + cal.MARKER + "\n")
    assert text.count(cal.MARKER) == 1
    data = tomllib.loads(text)
    assert data["rubric"]["lab"] == "dropout" and data["items"][0]["points"] == 3
    assert data["calibration"]["full"]["backend"] == "torch"
    assert data["calibration"]["quick"] == {"backend": "jax", "n": 5}  # None dropped
    assert cal.bands_for("dropout", "quick", rubric_path=path) == {"accuracy": {"low": 0.7, "high": 0.8}}


def test_write_band_section_creates_missing_rubric(tmp_path):
    path = tmp_path / "new.toml"
    cal.write_band_section(path, "cats-dogs", "quick", {"bands": {"accuracy": {"low": 0.5, "high": 0.6}}})
    text = path.read_text()
    assert text.startswith('[rubric]\nlab = "cats-dogs"\n')
    assert cal.MARKER in text
    assert cal.read_band_section(path)["bands"]["quick"]["accuracy"]["high"] == 0.6


def test_build_section_format():
    import types

    module = types.SimpleNamespace(PRIMARY="accuracy")
    results = [_result(s, accuracy=0.8 + 0.01 * s) for s in range(5)]
    section = cal.build_section(module, results, mode="full", margin=0.02, source=None)
    c = section["calibration"]
    for key in ("backend", "keras", "device", "cpu", "platform", "data_fingerprint", "seeds", "date", "wall_s", "n",
                "rule", "margin", "primary", "config", "harness_version", "throughput"):
        assert key in c, key
    assert c["seeds"] == [0, 1, 2, 3, 4] and c["n"] == 5 and c["primary"] == "accuracy"
    assert "data_fingerprint" not in c["config"]
    assert len(c["throughput"]["time_to_band_s"]) == 5
    b = section["bands"]["accuracy"]
    assert b["kept"] == pytest.approx([0.81, 0.82, 0.83]) and b["low"] == pytest.approx(0.79)
    ttb = c["throughput"]["time_to_band_s"]
    assert all(not math.isnan(t) for t in ttb[1:4])


def test_calibrate_needs_three_seeds():
    with pytest.raises(ValueError, match="at least 3 seeds"):
        cal.calibrate("dropout", seeds=2, source=None)


def test_machine_info_and_hooks(monkeypatch):
    info = provenance.machine_info()
    for key in ("backend", "keras", "device", "cpu", "cpu_count", "platform", "python"):
        assert key in info
    provenance.register_hook(lambda d: {**d, "site": "lab-1"})
    try:
        assert provenance.machine_info()["site"] == "lab-1"
        assert provenance.machine_info(hooks=[lambda d: d.update(cpu="X") or None])["cpu"] == "X"
    finally:
        provenance.clear_hooks()
    monkeypatch.setenv(provenance.HOOK_ENV, "nonsense")
    with pytest.raises(ValueError, match="module:function"):
        provenance.machine_info()


def test_merge_config():
    defaults = {"epochs": 10, "alpha": 0.35, "weights": "imagenet", "flag": False}
    assert merge_config("x", defaults, {"epochs": "3", "alpha": "0.25", "flag": "yes"}) == \
        {"epochs": 3, "alpha": 0.25, "weights": "imagenet", "flag": True}
    with pytest.raises(ValueError, match="Unknown config key.*nope.*Known keys: alpha, epochs, flag, weights"):
        merge_config("x", defaults, {"nope": 1})
    with pytest.raises(ValueError, match="expects a int.*received 'ten'"):
        merge_config("x", defaults, {"epochs": "ten"})


def test_reference_result_round_trip():
    res = _result(2, accuracy=0.9)
    again = ReferenceResult.from_dict(res.to_dict())
    assert again == res
    with pytest.raises(ValueError, match="schema_version"):
        ReferenceResult.from_dict({**res.to_dict(), "schema_version": 99})
