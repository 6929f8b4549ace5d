"""Quick-mode runs of the four Fashion-MNIST references (real data when present, else synthetic)."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.data import test_source


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return test_source(tmp_path_factory.getbasetemp())


def _common_checks(res, lab, data_source_real):
    assert res.lab == lab and res.quick and res.recipe == "reference"
    assert res.config["data"]["train"] == 3000 and res.config["data"]["valid"] == 5000
    assert res.config["data"]["heldout"] >= 1000
    for key in ("wall_s", "train_s", "train_images_per_s", "infer_images_per_s", "peak_rss_mb"):
        assert res.timings[key] > 0, key
    assert res.timings["peak_rss_mb"] < 4096
    json.dumps(res.to_dict())  # JSON-ready
    for path in res.figures.values():
        assert path.endswith(".png")
    if data_source_real:
        from harness.calibration import bands_for

        for name, band in bands_for(lab, "quick").items():  # seed 0 was one of the calibration runs
            lo, hi = min(band["values"]) - 0.05, max(band["values"]) + 0.05
            assert lo <= res.metrics[name] <= hi, (name, res.metrics[name], band)


def test_fashion_transfer_quick(data, tmp_path):
    from reference import fashion_transfer

    source, real = data
    res = fashion_transfer.run(seed=0, quick=True, source=source, out_dir=tmp_path)
    main = {"accuracy_A", "accuracy_B", "accuracy_B_on_A"}
    # each held-out accuracy also under the private perturbation, and against the run's own validation
    assert set(res.metrics) == main | {"error_rate_reduction"} | {f"{d}.{m}" for d in ("perturb_drop",
                                                                                      "heldout_minus_valid")
                                                                     for m in main}
    assert res.config["data"]["train_B"] == 200
    assert len(res.histories["model_A"]["val_accuracy"]) == 20
    assert len(res.histories["model_B_on_A_frozen"]["loss"]) == 4
    assert len(res.histories["model_B_on_A_unfrozen"]["loss"]) == 16
    assert len(res.curves["accuracy_B_on_A"]) == 20
    elapsed = [t for t, _ in res.curves["accuracy_A"] + res.curves["accuracy_B"] + res.curves["accuracy_B_on_A"]]
    assert elapsed == sorted(elapsed)
    assert res.metrics["accuracy_A"] > 0.5 and res.metrics["accuracy_B_on_A"] > 0.5
    assert len(res.figures) == 4
    _common_checks(res, "fashion-transfer", real)


def test_optimizers_quick(data, tmp_path):
    from reference import optimizers

    source, real = data
    res = optimizers.run(seed=0, quick=True, source=source, out_dir=tmp_path)
    assert set(res.histories) == set(optimizers.KEYS)
    for key in optimizers.KEYS:
        assert len(res.histories[key]["val_accuracy"]) == 10
        assert res.metrics[f"final_val_accuracy.{key}"] == res.histories[key]["val_accuracy"][-1]
        assert 0.1 < res.metrics[f"heldout_accuracy.{key}"] <= 1
    _common_checks(res, "optimizers", real)


def test_lr_schedules_quick(data, tmp_path):
    from reference import lr_schedules

    source, real = data
    res = lr_schedules.run(seed=0, quick=True, source=source, out_dir=tmp_path)
    lrs = res.outputs["learning_rate"]
    assert set(lrs) == set(lr_schedules.KEYS) and all(len(v) == 25 for v in lrs.values())
    cfg = res.config["schedules"]
    # Each trace follows its formula.
    spe = cfg["power"]["steps_per_epoch"]
    for e, lr in enumerate(lrs["power"]):
        assert lr == pytest.approx(0.01 / (1 + (e + 1) * spe / 10_000), rel=1e-4)
    for e, lr in enumerate(lrs["exponential"]):
        assert lr == pytest.approx(0.01 * 0.1 ** (e / 20), rel=1e-4)
    assert lrs["piecewise"][4] == pytest.approx(0.01) and lrs["piecewise"][5] == pytest.approx(0.005)
    assert lrs["piecewise"][15] == pytest.approx(0.001)
    assert max(lrs["1cycle"]) <= 0.05 + 1e-6 and lrs["1cycle"][-1] < lrs["1cycle"][0]
    assert all(b <= a + 1e-9 for a, b in zip(lrs["performance"], lrs["performance"][1:]))
    assert len(res.figures) == 2
    _common_checks(res, "lr-schedules", real)


def test_one_cycle_schedule_matches_lecture_callback():
    import numpy as np

    from reference.lecture.lr_schedules import OneCycleScheduler
    from reference.lr_schedules import OneCycle

    sched, lecture = OneCycle(1000, max_rate=0.05), OneCycleScheduler(1000, max_rate=0.05)
    for step in (0, 1, 200, 449, 450, 451, 899, 900, 950, 999):
        lecture.iteration = step
        if step < lecture.half_iteration:
            want = lecture._interpolate(0, lecture.half_iteration, lecture.start_rate, lecture.max_rate)
        elif step < 2 * lecture.half_iteration:
            want = lecture._interpolate(lecture.half_iteration, 2 * lecture.half_iteration, lecture.max_rate, lecture.start_rate)
        else:
            want = lecture._interpolate(2 * lecture.half_iteration, lecture.iterations, lecture.start_rate, lecture.last_rate)
        assert float(np.asarray(sched(step))) == pytest.approx(want, rel=1e-5, abs=1e-9)


def test_dropout_quick(data, tmp_path):
    from reference import dropout

    source, real = data
    res = dropout.run(seed=0, quick=True, source=source, out_dir=tmp_path)
    main = {"accuracy", "accuracy_no_dropout"}
    assert set(res.metrics) == main | {"train_val_gap", "train_val_gap_no_dropout"} | {
        f"{d}.{m}" for d in ("perturb_drop", "heldout_minus_valid") for m in main}
    h = res.histories["history"]
    assert res.metrics["train_val_gap"] == pytest.approx(h["accuracy"][-1] - h["val_accuracy"][-1])
    assert set(res.histories) == {"history", "history_no_dropout"}
    _common_checks(res, "dropout", real)


def test_unknown_config_key_is_reported(data):
    from reference import dropout

    with pytest.raises(ValueError, match="Unknown config key.*epochz.*Known keys"):
        dropout.run(source=data[0], quick=True, config={"epochz": 3})
