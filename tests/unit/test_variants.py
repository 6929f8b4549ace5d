"""Bands that follow a student's valid choices (`harness.evaluate.variants`), on synthetic runs.

The configuration is read from the trace; the rubric (built here in code) says what is
allowed and holds stored variants. On-demand calibration is replaced by a recorder, so no
reference ever trains: the tests assert what it would be asked and where it would cache.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from harness.data import DataSource
from harness.evaluate import variants
from harness.evaluate.variants import (Resolved, _allowed, calibrate_now, ondemand_path, resolve, scaling_of,
                                       student_config)
from harness.labs import get_lab
from harness.rubric import Band
from tests.fixtures.grading_data import execution, fit, history, history_export, model_export, rubric

DEFAULTS = {"batch_size": 32, "scaling": "standardized", "epochs": 5}
ALLOWED = {"batch_size": [8, 512], "scaling": ["standardized", "unit", "raw"], "epochs": [3, 40]}
STANDARDIZED = {"min": -1.2, "max": 4.0, "mean": 0.0}
UNIT = {"min": 0.0, "max": 1.0, "mean": 0.29}
RAW = {"min": 0.0, "max": 255.0, "mean": 73.0}
STORED = {"accuracy": Band("accuracy", 0.80, 0.86, 0.83, (0.81, 0.83, 0.85))}


def _fit(seq=1, *, model="m", epochs=5, batch_size=32, stats=STANDARDIZED):
    acc = [0.6 + 0.05 * i for i in range(epochs)]
    return fit(model, seq, batch_size=batch_size, input_stats=stats, accuracy=acc, loss=[1 - a for a in acc])


def _dropout_run(*fits, quick=False):
    return execution("dropout", trace=list(fits), exports={"model": model_export("model", "m")}, quick=quick)


def _rubric(variants_=None, allowed=ALLOWED):
    return rubric("dropout", variation={"allowed": allowed, "grid": {"batch_size": [32, 64]}},
                  variants=variants_ or {"full": {"batch_size=64": {"bands": STORED, "calibration": {"n": 5}}}})


@pytest.fixture
def source(tmp_path):
    return DataSource(root=tmp_path, cache_dir=tmp_path / "cache")


class _Calls(list):
    """Recorded calls of the fake `calibrate_now`, and the section it returns (None: calibration unavailable)."""

    section: dict | None = None


@pytest.fixture
def calls(monkeypatch) -> _Calls:
    """Replaces the on-demand calibration (a reference run over seeds) by a recorder; returns its calls."""
    recorded = _Calls()

    def fake(lab, mode, config, *, source, seeds, path):
        recorded.append({"lab": lab, "mode": mode, "config": config, "seeds": seeds, "path": path,
                         "source": source})
        return recorded.section

    monkeypatch.setattr(variants, "calibrate_now", fake)
    return recorded


def _resolve(exe, source, rub=None, **kw):
    return resolve(exe, lab=get_lab(exe.submission.lab), rubric=rub or _rubric(), defaults=DEFAULTS, source=source,
                   **kw)


# ---- reading the configuration ----------------------------------------------------------------------

@pytest.mark.parametrize("stats, expect", [
    (STANDARDIZED, "standardized"), (UNIT, "unit"), (RAW, "raw"),
    ({"min": 0.0, "max": 1.5}, "unit"), ({"min": 0.0, "max": 1.51}, "raw"), ({"min": -0.05, "max": 1.0}, "unit"),
    ({}, None), ({"min": "0", "max": 1.0}, None), ({"min": None, "max": None}, None),
])
def test_scaling_from_the_value_range_of_the_training_inputs(stats, expect):
    assert scaling_of(stats) == expect


def test_the_configuration_is_read_from_the_exported_models_fit():
    exe = _dropout_run(_fit(1, model="other", batch_size=16, epochs=20, stats=RAW),  # another model: ignored
                       _fit(2, batch_size=64, epochs=7, stats=UNIT),
                       _fit(3, model="later", batch_size=8, epochs=30, stats=RAW))  # another model: ignored
    assert student_config(exe, get_lab("dropout"), ["batch_size", "scaling", "epochs"]) == \
        {"batch_size": 64, "scaling": "unit", "epochs": 7}
    assert student_config(exe, get_lab("dropout"), ["batch_size"]) == {"batch_size": 64}


def test_a_training_continued_with_initial_epoch_counts_all_its_epochs():
    first = _fit(1, epochs=5)
    second = fit("m", 2, batch_size=32, input_stats=STANDARDIZED, initial_epoch=5,
                 accuracy=[0.85, 0.86, 0.87, 0.88, 0.89], loss=[0.15, 0.14, 0.13, 0.12, 0.11])
    exe = _dropout_run(first, second)
    assert student_config(exe, get_lab("dropout"), ["epochs"]) == {"epochs": 10}


def test_no_exported_model_means_no_configuration():
    exe = execution("dropout", trace=[_fit(1)])
    assert student_config(exe, get_lab("dropout"), list(variants.DIMENSIONS)) == {}


def test_optimizers_read_the_most_common_value_across_verified_histories():
    fits = [_fit(1, model="a", batch_size=64), _fit(2, model="b", batch_size=64), _fit(3, model="c", batch_size=32)]
    forged = {"loss": [0.1, 0.1, 0.1, 0.1, 0.1], "accuracy": [0.9] * 5}
    hists = {"SGD": history(fits[0]), "Adam": history(fits[1]), "RMSProp": history(fits[2]), "Nadam": forged}
    exe = execution("optimizers", trace=[*fits, _fit(4, model="d", batch_size=8)],  # fit 4: no history names it
                    exports={"histories": history_export("histories", hists)})
    assert student_config(exe, get_lab("optimizers"), ["batch_size", "epochs"]) == {"batch_size": 64, "epochs": 5}


@pytest.mark.parametrize("value, rule, ok", [
    (8, [8, 512], True), (512, [8, 512], True), (7, [8, 512], False), (513, [8, 512], False),
    ("unit", ["standardized", "unit", "raw"], True), ("minmax", ["standardized", "unit"], False),
    ("unit", [8, 512], False), (64, [32, 64, 128], True), (64, "64", False), (64, None, False),
])
def test_allowed_values_are_a_closed_range_or_a_list(value, rule, ok):
    assert _allowed(value, rule) is ok


# ---- resolving the bands ----------------------------------------------------------------------------

def test_the_default_configuration_uses_the_default_bands(source, calls):
    out = _resolve(_dropout_run(_fit()), source)
    assert out == Resolved(config=DEFAULTS, key="", allowed=True, bands={})
    assert calls == []


def test_a_stored_variant_gives_its_bands(source, calls):
    out = _resolve(_dropout_run(_fit(batch_size=64)), source)
    assert out.key == "batch_size=64" and out.allowed
    assert out.bands == STORED and out.calibration == {"n": 5}
    assert "stored in the rubric" in out.source
    assert calls == []


def test_a_configuration_outside_the_variation_is_reported_and_judged_by_the_default_bands(source, calls):
    out = _resolve(_dropout_run(_fit(batch_size=1024, stats=UNIT)), source)
    assert out.allowed is False and out.bands == {}
    assert out.key == "batch_size=1024,scaling=unit"
    assert out.source == ("not an allowed configuration (batch_size=1024; allowed: batch_size [8, 512]): judged "
                          "against the reference's own bands")
    assert calls == []  # nothing is calibrated for a configuration the lab does not allow


def test_dimensions_the_rubric_does_not_vary_are_not_read(source, calls):
    """Epochs outside any range, but the rubric allows no choice of epochs: the run is the default."""
    rub = _rubric(allowed={"batch_size": [8, 512]})
    out = _resolve(_dropout_run(_fit(epochs=60, stats=RAW)), source, rub)
    assert out.config == {"batch_size": 32} and out.key == "" and out.allowed


def test_an_allowed_configuration_without_bands_is_calibrated_on_demand_and_cached_by_key(source, calls):
    calls.section = {"bands": {"accuracy": {"low": 0.7, "high": 0.8, "mean": 0.75, "values": [0.72, 0.75, 0.78]}},
                     "calibration": {"n": 3, "on_demand": True}}
    exe = _dropout_run(_fit(batch_size=128, stats=UNIT))
    out = _resolve(exe, source, seeds=3)
    assert calls == [{"lab": "dropout", "mode": "full", "config": {"batch_size": 128, "scaling": "unit"}, "seeds": 3,
                      "path": ondemand_path(source, "dropout", "full", "batch_size=128,scaling=unit"),
                      "source": source}]
    assert out.bands == {"accuracy": Band("accuracy", 0.7, 0.8, 0.75, (0.72, 0.75, 0.78))}
    assert out.source == "calibrated for batch_size=128,scaling=unit on demand (3 seeds, cached)"


def test_a_quick_run_uses_quick_variants_and_calibrates_in_quick_mode(source, calls):
    """The stored full-mode variant for batch 64 does not judge a quick run."""
    out = _resolve(_dropout_run(_fit(batch_size=64), quick=True), source)
    assert out.bands == {} and [c["mode"] for c in calls] == ["quick"]
    assert calls[0]["path"] == ondemand_path(source, "dropout", "quick", "batch_size=64")
    assert out.source == "no calibration for batch_size=64 yet (on-demand calibration unavailable): the reference's " \
                         "own bands"


def test_a_cached_on_demand_calibration_is_reused(source, calls):
    path = ondemand_path(source, "dropout", "full", "batch_size=16")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"bands": {"accuracy": {"low": 0.6, "high": 0.9}}, "calibration": {"n": 5}}))
    out = _resolve(_dropout_run(_fit(batch_size=16)), source)
    assert calls == [] and out.bands == {"accuracy": Band("accuracy", 0.6, 0.9)}
    assert "on demand (5 seeds, cached)" in out.source


@pytest.mark.parametrize("content", ["{not json", json.dumps({"bands": "none"}), json.dumps([1, 2])])
def test_an_unreadable_cache_is_calibrated_again(source, calls, content):
    path = ondemand_path(source, "dropout", "full", "batch_size=16")
    path.parent.mkdir(parents=True)
    path.write_text(content)
    _resolve(_dropout_run(_fit(batch_size=16)), source)
    assert len(calls) == 1


def test_without_on_demand_calibration_the_default_bands_apply(source, calls):
    out = _resolve(_dropout_run(_fit(batch_size=16)), source, ondemand=False)
    assert calls == [] and out.bands == {} and out.allowed
    assert out.source.startswith("no calibration for batch_size=16 yet")


def test_the_cache_path_depends_on_lab_mode_and_configuration(source):
    paths = {ondemand_path(source, lab, mode, key) for lab in ("dropout", "optimizers") for mode in ("full", "quick")
             for key in ("batch_size=16", "batch_size=16,scaling=raw")}
    assert len(paths) == 8
    assert all(p.parent == source.derived_dir / "calibrations" for p in paths)
    assert ondemand_path(source, "dropout", "full", "batch_size=16") == \
        ondemand_path(source, "dropout", "full", "batch_size=16")


# ---- calibrate_now itself, without running a reference ----------------------------------------------

def test_calibrate_now_runs_the_calibration_module_once_and_reads_its_section(source, monkeypatch):
    path = ondemand_path(source, "dropout", "full", "batch_size=16")
    runs = []

    def fake_run(cmd, **kw):
        runs.append(cmd)
        request = json.loads(cmd[-1])
        assert request["out"] == str(path) and request["lab"] == "dropout" and request["quick"] is False
        assert request["config"] == {"batch_size": 16} and request["seeds"] == 2
        assert request["cache_dir"] == str(source.derived_dir)
        with open(request["out"], "w") as f:
            json.dump({"bands": {"accuracy": {"low": 0.5, "high": 0.6}}, "calibration": {"n": 2}}, f)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(variants.subprocess, "run", fake_run)
    first = calibrate_now("dropout", "full", {"batch_size": 16}, source=source, seeds=2, path=path)
    again = calibrate_now("dropout", "full", {"batch_size": 16}, source=source, seeds=2, path=path)
    assert first == again == {"bands": {"accuracy": {"low": 0.5, "high": 0.6}}, "calibration": {"n": 2}}
    assert len(runs) == 1 and runs[0][1:3] == ["-m", "harness.calibration"]


def test_calibrate_now_gives_none_when_the_calibration_fails_or_times_out(source, monkeypatch):
    path = ondemand_path(source, "dropout", "full", "batch_size=16")
    monkeypatch.setattr(variants.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1))
    assert calibrate_now("dropout", "full", {"batch_size": 16}, source=source, seeds=2, path=path) is None

    def timeout(cmd, **kw):
        raise subprocess.TimeoutExpired(cmd, kw.get("timeout"))

    monkeypatch.setattr(variants.subprocess, "run", timeout)
    assert calibrate_now("dropout", "full", {"batch_size": 16}, source=source, seeds=2, path=path) is None


def test_older_calibrations_wording_and_missing_dimensions_never_make_a_variant():
    """A rubric calibrated before the scaling vocabulary ('per-pixel standardisation', 'x / 255') or without
    a recorded batch size still recognises the reference's own configuration."""
    from harness.evaluate.variants import reference_config

    dims = ["batch_size", "scaling", "epochs"]
    assert reference_config({"scaling": "per-pixel standardisation", "epochs": 10}, dims) == \
        {"scaling": "standardized", "epochs": 10}
    assert reference_config({"scaling": "x / 255", "batch_size": 32}, dims) == {"scaling": "unit", "batch_size": 32}
