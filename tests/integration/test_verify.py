"""``labgrade reference verify``: the quick gate over every lab on CPU, and its failure modes."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from harness.calibration import MARKER
from harness.cli.verify import verify as verify_command
from harness.reference_result import ReferenceResult


@pytest.fixture(autouse=True)
def _reset_dtype_policy():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


def test_verify_quick_all_passes_on_cpu(real_root, tmp_path, capsys):
    """The CI gate: every lab's quick reference inside its quick bands, throughput not regressed.

    Measured here: about 2-3 minutes on the 2-core CI machine (printed below)."""
    out = tmp_path / "verify.json"
    t0 = time.perf_counter()
    res = CliRunner().invoke(verify_command, ["--quick", "--all", "--data-root", str(real_root), "--json", str(out),
                                              "--baselines", str(tmp_path / "no-baselines")])
    wall = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[verify --quick --all: {wall:.0f} s wall]\n{res.output}")
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert [lab["lab"] for lab in report["labs"]] == ["resnet50-top3", "fashion-transfer", "cats-dogs", "optimizers",
                                                      "lr-schedules", "dropout"]
    assert all(lab["status"] in ("pass", "warn") for lab in report["labs"]), res.output
    banded = [m for lab in report["labs"] for m in lab["metrics"]]
    assert banded and all(m["status"] in ("pass", "warn") for m in banded)


class FakeLab:
    """A lab module whose run returns a canned result (no training)."""

    DEFAULTS = {"epochs": 10}
    accuracy = 0.93
    train_images_per_s = 100.0

    @classmethod
    def run(cls, *, seed, quick, source, config=None, out_dir=None):
        res = ReferenceResult(lab="dropout", seed=seed, quick=quick, metrics={"accuracy": cls.accuracy},
                              curves={"accuracy": [[1.0, 0.5], [2.0, cls.accuracy]]},
                              timings={"wall_s": 3.0, "train_images_per_s": cls.train_images_per_s},
                              config={"epochs": (config or {}).get("epochs", 10), "data_fingerprint": "d1"})
        return res


def _rubric(path, machine: dict) -> None:
    from harness.calibration import write_band_section

    path.write_text('[rubric]\nlab = "dropout"\n\n' + MARKER + "\n")
    cal = {k: machine[k] for k in ("backend", "device", "cpu", "cpu_count")}
    cal.update(gpus=[], data_fingerprint="d1", config={"epochs": 10},
               throughput={"train_images_per_s": [90.0, 100.0, 110.0]}, date="today")
    write_band_section(path, "dropout", "quick", {"calibration": cal, "bands": {"accuracy": {"low": 0.9, "high": 0.95}}})


def test_verify_lab_fails_outside_band_or_on_regression(monkeypatch, tmp_path):
    import harness.measure.verify as hv
    from harness.machine import machine_info
    from harness.data.source import DataSource

    rubric = tmp_path / "dropout.toml"
    _rubric(rubric, machine_info())
    monkeypatch.setattr(hv, "lab_module", lambda lab: FakeLab)

    def check(**kw):
        return hv.verify_lab("dropout", quick=True, source=DataSource(), rubric_path=rubric,
                             baselines_dir=tmp_path / "none", **kw)

    ok = check()
    assert ok.status == "pass", ok
    assert ok.band_mismatches == [] and ok.throughput.status == "ok" and ok.throughput.baseline == 100.0
    assert ok.time_to_band_s == 2.0
    monkeypatch.setattr(FakeLab, "accuracy", 0.5)
    assert check().status == "fail"
    monkeypatch.setattr(FakeLab, "accuracy", 0.93)
    monkeypatch.setattr(FakeLab, "train_images_per_s", 40.0)  # 2.5x slower than the calibration median
    slow = check()
    assert slow.status == "fail" and slow.throughput.status == "regressed"
    assert check(tolerance=2.0).status == "pass"


def test_cli_exits_1_when_a_lab_fails(monkeypatch, tmp_path):
    import harness.measure.verify as hv

    def fake(lab, **kw):
        return hv.LabVerification(lab=lab, mode="quick", status="fail" if lab == "dropout" else "pass")

    monkeypatch.setattr(hv, "verify_lab", fake)
    res = CliRunner().invoke(verify_command, ["dropout", "optimizers", "--quick", "--json", str(tmp_path / "v.json")])
    assert res.exit_code == 1 and "FAILED" in res.output
    res = CliRunner().invoke(verify_command, ["optimizers", "--quick", "--json", str(tmp_path / "v.json")])
    assert res.exit_code == 0 and "PASSED" in res.output
    res = CliRunner().invoke(verify_command, ["--all", "dropout"])
    assert res.exit_code == 2 and "not both" in res.output
