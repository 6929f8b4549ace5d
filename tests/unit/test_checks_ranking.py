"""The `ranking` check: orderings the reference shows in every seed must hold in the student's runs.

Reference per-seed values are given as bands built in code (the rubric's default bands or
a variant's bands in `Measurements.bands`), never read from ``rubrics/*.toml``. The
student's runs are verified histories (each matches a traced fit).
"""

from __future__ import annotations

import pytest

from harness.checks import REGISTRY
from harness.models import Measurements
from harness.rubric import Band
from tests.fixtures.grading_data import context, execution, fit, history, history_export, item, rubric

# Reference per-seed final validation accuracies: Adam and RMSProp beat SGD in every seed; Adam and
# RMSProp overlap (no robust order between them).
REFERENCE = {"sgd": (0.80, 0.81, 0.82), "adam": (0.87, 0.88, 0.885), "rmsprop": (0.865, 0.875, 0.89)}


def _bands(values: dict[str, tuple[float, ...]]) -> dict[str, Band]:
    return {f"final_val_accuracy.{k}": Band(f"final_val_accuracy.{k}", min(v), max(v), sum(v) / len(v), v)
            for k, v in values.items()}


def _run(tmp_path, finals: dict[str, float], *, reference=REFERENCE, variant=None, forged=(), channel="ok"):
    """Student runs named as a student would, each a verified history ending at `finals[name]`."""
    trace, hists = [], {}
    for seq, (name, last) in enumerate(finals.items(), 1):
        f = fit(name.lower(), seq, loss=[1.0, 0.7, 0.5 + seq / 100], val_accuracy=[0.6, 0.7, last])
        trace.append(f)
        hists[name] = history(f)
        if name in forged:  # the exported history was edited after training: no fit logged it
            hists[name] = {**hists[name], "val_accuracy": [0.6, 0.7, 0.99]}
    exe = execution("optimizers", trace=trace, exports={"histories": history_export("histories", hists)},
                    channel=channel)
    measurements = Measurements(status="ok", config={"batch_size": 32}, bands_source="test",
                                bands={m: {"low": b.low, "high": b.high, "mean": b.mean, "values": list(b.values)}
                                       for m, b in _bands(variant).items()} if variant else {})
    return context("optimizers", exe, tmp_path, measurements=measurements,
                   rubric_=rubric("optimizers", bands={"full": _bands(reference)}))


def _rank(ctx, **params):
    return REGISTRY["ranking"](ctx, item("ranking", **params))


def test_orderings_that_hold_earn_full_points(tmp_path):
    verdict = _rank(_run(tmp_path, {"SGD": 0.81, "Adam": 0.88, "RMSProp": 0.86}))
    assert verdict.fraction == 1.0, verdict.message
    assert verdict.evidence["robust_pairs"] == 2 and verdict.evidence["broken"] == []
    assert "all 2 orderings" in verdict.message


def test_a_reversed_robust_ordering_loses_points_and_is_named(tmp_path):
    verdict = _rank(_run(tmp_path, {"SGD": 0.88, "Adam": 0.80, "RMSProp": 0.89}))
    assert verdict.fraction == pytest.approx(0.5)  # one of the two robust orderings reversed
    assert verdict.evidence["broken"] == ["adam<sgd"]
    assert "Adam ended at 80.0%, below SGD (88.0%)" in verdict.message
    assert "1 of 2 orderings" in verdict.message


def test_all_robust_orderings_reversed_earn_nothing(tmp_path):
    verdict = _rank(_run(tmp_path, {"SGD": 0.90, "Adam": 0.80, "RMSProp": 0.81}))
    assert verdict.fraction == 0.0 and sorted(verdict.evidence["broken"]) == ["adam<sgd", "rmsprop<sgd"]


def test_a_reversal_within_noise_is_not_judged(tmp_path):
    """SGD 0.3 points above Adam is within the tolerance (0.5 points by default)."""
    assert _rank(_run(tmp_path, {"SGD": 0.853, "Adam": 0.850})).fraction == 1.0
    assert _rank(_run(tmp_path, {"SGD": 0.853, "Adam": 0.850}), tolerance=0.001).fraction == 0.0


def test_an_order_the_reference_does_not_show_in_every_seed_is_not_required(tmp_path):
    """Adam and RMSProp overlap across seeds: either may come first in the student's runs."""
    for adam, rms in ((0.88, 0.86), (0.86, 0.88)):
        assert _rank(_run(tmp_path, {"SGD": 0.81, "Adam": adam, "RMSProp": rms})).fraction == 1.0


def test_no_robust_ordering_at_all_earns_full_points_with_the_reason(tmp_path):
    close = {"sgd": (0.80, 0.85, 0.83), "adam": (0.82, 0.84, 0.845)}
    verdict = _rank(_run(tmp_path, {"SGD": 0.90, "Adam": 0.70}, reference=close))
    assert verdict.fraction == 1.0 and "too close to each other" in verdict.message


def test_bands_with_fewer_than_three_seeds_order_nothing(tmp_path):
    two_seeds = {"sgd": (0.80, 0.81), "adam": (0.88, 0.89)}
    verdict = _rank(_run(tmp_path, {"SGD": 0.90, "Adam": 0.70}, reference=two_seeds))
    assert verdict.fraction == 1.0 and verdict.evidence["robust_pairs"] == 0


def test_the_orderings_of_the_students_configuration_replace_the_defaults(tmp_path):
    """Under the student's configuration (a variant's bands) SGD beats Adam in every seed: that is what counts."""
    variant = {"sgd": (0.86, 0.87, 0.88), "adam": (0.80, 0.81, 0.82)}
    ctx = _run(tmp_path, {"SGD": 0.87, "Adam": 0.81}, variant=variant)
    verdict = _rank(ctx)
    assert verdict.fraction == 1.0, verdict.message
    assert verdict.evidence["configuration"] == {"batch_size": 32} and verdict.evidence["bands_source"] == "test"
    # the same runs against the default bands (Adam ahead) would be reversed
    assert _rank(_run(tmp_path, {"SGD": 0.87, "Adam": 0.81})).fraction == 0.0


def test_an_edited_history_is_not_a_run_to_compare(tmp_path):
    """A history no fit logged does not enter the comparison (neither to help nor to hurt)."""
    verdict = _rank(_run(tmp_path, {"SGD": 0.81, "Adam": 0.80, "RMSProp": 0.86}, forged=("Adam",)))
    assert verdict.fraction == 1.0 and set(verdict.evidence["student"]) == {"sgd", "rmsprop"}
    verdict = _rank(_run(tmp_path, {"SGD": 0.81, "Adam": 0.80}, forged=("Adam",)))
    assert verdict.fraction == 0.0 and "At least two verified runs" in verdict.message


def test_an_untrusted_trace_compares_nothing(tmp_path):
    verdict = _rank(_run(tmp_path, {"SGD": 0.81, "Adam": 0.88}, channel="unauthenticated"))
    assert verdict.fraction == 0.0 and verdict.flag == "evidence"


def test_runs_without_a_reference_band_are_not_ordered(tmp_path):
    """Nadam has no band: its result cannot break or make an ordering."""
    verdict = _rank(_run(tmp_path, {"SGD": 0.81, "Adam": 0.88, "Nadam": 0.50}))
    assert verdict.fraction == 1.0 and verdict.evidence["robust_pairs"] == 1
