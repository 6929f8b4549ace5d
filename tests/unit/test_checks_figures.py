"""The `figures` check: a required plot counts only when its lines are a verified training history.

Each test states the run (traced fits), the figures it rendered (their recorded structure)
and the requirement, then checks what counts: the curve of what training logged, never
empty axes, decorative images or invented numbers, and nothing at all when the trace channel
cannot be trusted.
"""

from __future__ import annotations

import pytest

from harness.checks import REGISTRY
from harness.checks.figures import matched_lines, verified_series
from tests.fixtures.grading_data import context, execution, figure, fit, item, line, model_export

ACC = [0.71, 0.78, 0.81, 0.83, 0.84]
VAL = [0.74, 0.79, 0.80, 0.82, 0.83]
LOSS = [0.92, 0.61, 0.52, 0.47, 0.44]
VAL_LOSS = [0.70, 0.58, 0.55, 0.51, 0.50]
CURVES = {"kind": "curves", "label": "learning curves"}


def _run(tmp_path, figures, *, trace=None, channel="ok", problems=(), exports=None, lab="dropout"):
    trace = trace if trace is not None else [fit("m", 1, accuracy=ACC, val_accuracy=VAL, loss=LOSS,
                                                 val_loss=VAL_LOSS)]
    exe = execution(lab, trace=trace, figures=figures, channel=channel, problems=problems,
                    exports=exports if exports is not None else {"model": model_export("model", "m")})
    return context(lab, exe, tmp_path)


def _check(ctx, *require, **params):
    return REGISTRY["figures"](ctx, item("figures", require=list(require), **params))


# ---- a curve is the history, point for point ------------------------------------------------------

@pytest.mark.parametrize("ys", [ACC, VAL, LOSS, VAL_LOSS, [100 * v for v in VAL]],
                         ids=["accuracy", "val_accuracy", "loss", "val_loss", "val_accuracy_in_percent"])
def test_a_curve_equal_to_the_logged_history_counts(tmp_path, ys):
    ctx = _run(tmp_path, [figure({"lines": [line(ys, "curve")]})])
    verdict = _check(ctx, CURVES)
    assert verdict.fraction == 1.0, verdict.message
    assert verdict.evidence["requirements"] == [{"label": "learning curves", "found": True}]


@pytest.mark.parametrize("forge", [
    lambda ys: [v + 0.05 for v in ys],                                            # shifted up
    lambda ys: [ys[0]] + [(a + b) / 2 for a, b in zip(ys, ys[1:])],               # smoothed
    lambda ys: ys[:-1] + [0.97],                                                  # one epoch invented
    lambda ys: ys[:-1],                                                           # an epoch dropped
    lambda ys: list(reversed(ys)),                                                # same values, wrong order
], ids=["plus_0.05", "smoothed", "last_point_edited", "truncated", "reversed"])
def test_a_fabricated_curve_does_not_count(tmp_path, forge):
    ctx = _run(tmp_path, [figure({"lines": [line(forge(VAL), "val_accuracy")]})])
    verdict = _check(ctx, CURVES)
    assert verdict.fraction == 0.0
    assert "no curve equals a training history" in verdict.message and "history.history" in verdict.message
    assert verdict.evidence["requirements"] == [{"label": "learning curves", "found": False}]


def test_the_same_plot_passes_and_its_edited_copy_fails(tmp_path):
    """The minimal pair: only the plotted values differ (0.001 off every point is beyond the tolerance)."""
    good = _run(tmp_path, [figure({"lines": [line(VAL, "val")]})])
    bad = _run(tmp_path, [figure({"lines": [line([v + 0.002 for v in VAL], "val")]})])
    assert _check(good, CURVES).fraction == 1.0
    assert _check(bad, CURVES).fraction == 0.0


def test_a_plotted_metric_the_requirement_does_not_ask_for_does_not_count(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(LOSS, "loss")]})])
    assert _check(ctx, {"kind": "curves", "metrics": ["accuracy", "val_accuracy"]}).fraction == 0.0
    assert _check(ctx, {"kind": "curves", "metrics": ["loss", "val_loss"]}).fraction == 1.0


def test_a_down_sampled_line_is_not_a_per_epoch_curve(tmp_path):
    """A line recorded with more points than it carries (n != len(y)) was down-sampled: not a history."""
    ctx = _run(tmp_path, [figure({"lines": [line(VAL, "val", n=5000)]})])
    assert _check(ctx, CURVES).fraction == 0.0


def test_a_curve_of_an_incomplete_fit_does_not_count(tmp_path):
    """A fit whose end never reached the grader (the run died inside it) verifies nothing."""
    trace = [fit("m", 1, complete=False, accuracy=ACC, val_accuracy=VAL, loss=LOSS)]
    ctx = _run(tmp_path, [figure({"lines": [line(VAL)]})], trace=trace)
    assert verified_series(ctx) == []
    assert _check(ctx, CURVES).fraction == 0.0


# ---- empty axes and images are not curves ---------------------------------------------------------

def test_empty_axes_and_a_decorative_image_never_count_as_curves(tmp_path):
    image_only = figure({"images": [{"shape": [28, 28]}]}, cell_index=1)
    empty = figure({}, {"lines": []}, cell_index=2)
    ctx = _run(tmp_path, [image_only, empty])
    verdict = _check(ctx, CURVES, {"kind": "image", "label": "the sample"})
    assert verdict.fraction == 0.5  # the image requirement is met, the curves one is not
    assert verdict.evidence["requirements"] == [{"label": "learning curves", "found": False},
                                                {"label": "the sample", "found": True}]
    assert "(1 figure(s) were empty)" in verdict.message
    assert verdict.evidence["figures_rendered"] == 2 and verdict.evidence["with_data"] == 1


def test_an_image_requirement_needs_an_image(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(VAL)]})])
    verdict = _check(ctx, {"kind": "image", "label": "the sample"})
    assert verdict.fraction == 0.0 and "the sample: no figure shows an image" in verdict.message


def test_without_requirements_only_figures_with_data_count(tmp_path):
    ctx = _run(tmp_path, [figure({}), figure({"lines": []})])
    verdict = REGISTRY["figures"](ctx, item("figures", min_figures=2))
    assert verdict.fraction == 0.0 and "found 0" in verdict.message
    ctx = _run(tmp_path, [figure({}), figure({"images": [{"shape": [8, 8]}]})])
    assert REGISTRY["figures"](ctx, item("figures", min_figures=2)).fraction == 0.5


# ---- a forged trace cannot make curves count ------------------------------------------------------

@pytest.mark.parametrize("channel, problems", [
    ("unauthenticated", []),
    ("none", []),
    ("ok", ["a trace line with a wrong MAC was ignored"]),
])
def test_an_untrusted_trace_verifies_no_curve(tmp_path, channel, problems):
    ctx = _run(tmp_path, [figure({"lines": [line(VAL), line(ACC)]})], channel=channel, problems=problems)
    verdict = _check(ctx, CURVES)
    assert verdict.fraction == 0.0 and verdict.flag == "evidence"
    assert "requirements" not in verdict.evidence  # nothing was matched against an untrusted trace


# ---- comparisons: several runs on one axes --------------------------------------------------------

def _two_runs():
    return [fit("sgd", 1, accuracy=ACC, val_accuracy=VAL, loss=LOSS),
            fit("adam", 2, accuracy=[0.80, 0.85, 0.87, 0.88, 0.89], val_accuracy=[0.82, 0.84, 0.86, 0.86, 0.87],
                loss=[0.6, 0.4, 0.35, 0.32, 0.30])]


def test_a_comparison_needs_two_different_fits_on_one_axes(tmp_path):
    runs = _two_runs()
    adam_val = [e.logs["val_accuracy"] for e in runs[1].epoch_logs]
    ctx = _run(tmp_path, [figure({"lines": [line(VAL, "SGD"), line(adam_val, "Adam")]})], trace=runs)
    verdict = _check(ctx, {"kind": "comparison", "runs": 2})
    assert verdict.fraction == 1.0, verdict.message
    # `runs` defaults to two
    assert _check(ctx, {"kind": "comparison"}).fraction == 1.0


def test_two_runs_on_separate_axes_are_not_a_comparison(tmp_path):
    runs = _two_runs()
    adam_val = [e.logs["val_accuracy"] for e in runs[1].epoch_logs]
    side_by_side = figure({"lines": [line(VAL, "SGD")]}, {"lines": [line(adam_val, "Adam")]})
    verdict = _check(_run(tmp_path, [side_by_side], trace=runs), {"kind": "comparison", "runs": 2, "label": "cmp"})
    assert verdict.fraction == 0.0
    assert "cmp: one plot comparing the curves of 2 runs was expected; the best plot compares 1" in verdict.message


def test_two_curves_of_one_fit_are_one_run_in_a_comparison(tmp_path):
    """Accuracy and validation accuracy of the same fit on one axes compare nothing."""
    ctx = _run(tmp_path, [figure({"lines": [line(ACC, "train"), line(VAL, "val")]})], trace=_two_runs())
    verdict = _check(ctx, {"kind": "comparison", "runs": 2})
    assert verdict.fraction == 0.0 and "the best plot compares 1" in verdict.message


def _runs(n: int):
    """`n` verified fits with distinct validation curves."""
    return [fit(f"opt{i}", i + 1, accuracy=[0.70 + 0.01 * i + 0.02 * e for e in range(5)],
                val_accuracy=[0.71 + 0.01 * i + 0.02 * e for e in range(5)], loss=[0.9 - 0.1 * e for e in range(5)])
            for i in range(n)]


def _val(run):
    return [e.logs["val_accuracy"] for e in run.epoch_logs]


def test_a_comparison_of_eight_needs_eight(tmp_path):
    """The rubric's `runs` sets how many; two curves of eight trained runs do not satisfy a comparison of eight."""
    runs = _runs(8)
    ctx = _run(tmp_path, [figure({"lines": [line(_val(runs[0])), line(_val(runs[1]))]})], trace=runs)
    verdict = _check(ctx, {"kind": "comparison", "runs": 8})
    assert verdict.fraction == 0.0 and "the best plot compares 2" in verdict.message


def test_a_comparison_of_every_run_there_is_counts_when_a_run_is_missing(tmp_path):
    """Seven runs trained, all seven in one plot: the missing eighth is the items about the runs' business."""
    runs = _runs(7)
    ctx = _run(tmp_path, [figure({"lines": [line(_val(r)) for r in runs]})], trace=runs)
    assert _check(ctx, {"kind": "comparison", "runs": 8}).fraction == 1.0
    six = _run(tmp_path, [figure({"lines": [line(_val(r)) for r in runs[:6]]})], trace=runs)
    assert _check(six, {"kind": "comparison", "runs": 8}).fraction == 0.0


def test_one_run_is_never_a_comparison(tmp_path):
    runs = _runs(1)
    ctx = _run(tmp_path, [figure({"lines": [line(_val(runs[0]))]})], trace=runs)
    assert _check(ctx, {"kind": "comparison", "runs": 8}).fraction == 0.0


def test_a_comparison_with_one_invented_run_counts_only_the_real_one(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(VAL, "SGD"), line([0.9, 0.92, 0.94, 0.95, 0.96], "Adam")]})],
               trace=_two_runs())
    assert _check(ctx, {"kind": "comparison", "runs": 2}).fraction == 0.0


# ---- learning rate ---------------------------------------------------------------------------------

LR_EXP = [0.01, 0.0089, 0.0079, 0.0071, 0.0063]
LR_STEPS = [0.01, 0.01, 0.005, 0.005, 0.001]


def _schedules():
    return [fit("exp", 1, lrs=LR_EXP, accuracy=ACC, loss=LOSS, val_accuracy=VAL),
            fit("pw", 2, lrs=LR_STEPS, accuracy=ACC[::-1], loss=LOSS[::-1], val_accuracy=VAL[::-1])]


def test_the_lr_plot_is_matched_by_the_recorded_learning_rate(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(LR_EXP, "exponential"), line(LR_STEPS, "piecewise")]})],
               trace=_schedules(), lab="lr-schedules")
    assert _check(ctx, {"kind": "lr", "runs": 2}).fraction == 1.0
    # the same requirement is not met by a learning-rate curve the run never used
    ctx = _run(tmp_path, [figure({"lines": [line(LR_EXP), line([0.01, 0.008, 0.006, 0.004, 0.002])]})],
               trace=_schedules(), lab="lr-schedules")
    verdict = _check(ctx, {"kind": "lr", "runs": 2, "label": "lr"})
    assert verdict.fraction == 0.0
    assert ("lr: a plot of the learning rate per epoch of 2 runs was expected; the best figure shows 1"
            in verdict.message)


def test_the_lr_at_the_end_of_each_epoch_counts_too(tmp_path):
    """A per-step schedule plotted at the end of each epoch (``lr_end``) is also the recorded rate."""
    ends = [0.0089, 0.0079, 0.0071, 0.0063, 0.0056]
    trace = [fit("exp", 1, lrs=LR_EXP, lr_end=ends, accuracy=ACC, loss=LOSS)]
    ctx = _run(tmp_path, [figure({"lines": [line(ends)]})], trace=trace, lab="lr-schedules")
    assert _check(ctx, {"kind": "lr", "runs": 1}).fraction == 1.0


def test_an_accuracy_curve_is_not_a_learning_rate_plot(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(VAL)]})], trace=_schedules(), lab="lr-schedules")
    assert _check(ctx, {"kind": "lr", "runs": 1}).fraction == 0.0


def test_a_constant_learning_rate_is_not_a_schedule_curve_when_schedules_vary(tmp_path):
    trace = [*_schedules(), fit("const", 3, lrs=[0.01] * 5, accuracy=[0.5] * 5, loss=[1.0] * 5)]
    ctx = _run(tmp_path, [figure({"lines": [line(LR_EXP), line([0.01] * 5)]})], trace=trace, lab="lr-schedules")
    assert _check(ctx, {"kind": "lr", "runs": 2}).fraction == 0.0
    # with no varying rate in the run at all, a constant one is the run's learning rate
    only = [fit("const", 3, lrs=[0.01] * 5, accuracy=[0.5] * 5, loss=[1.0] * 5)]
    ctx = _run(tmp_path, [figure({"lines": [line([0.01] * 5)]})], trace=only, lab="lr-schedules")
    assert _check(ctx, {"kind": "lr", "runs": 1}).fraction == 1.0


# ---- models and chained fits ----------------------------------------------------------------------

def _transfer_run():
    a = fit("idA", 1, accuracy=ACC, val_accuracy=VAL, loss=LOSS)
    b = fit("idB", 2, accuracy=ACC[::-1], val_accuracy=VAL[::-1], loss=LOSS[::-1])
    ba1 = fit("idBA", 3, accuracy=[0.6, 0.7], val_accuracy=[0.65, 0.72], loss=[0.9, 0.7])
    ba2 = fit("idBA", 4, initial_epoch=2, accuracy=[0.8, 0.9, 0.95], val_accuracy=[0.8, 0.85, 0.9],
              loss=[0.5, 0.4, 0.3])
    exports = {"model_A": model_export("model_A", "idA"), "model_B": model_export("model_B", "idB"),
               "model_B_on_A": model_export("model_B_on_A", "idBA")}
    return [a, b, ba1, ba2], exports


MODELS = {"kind": "models", "models": ["model_A", "model_B", "model_B_on_A"], "label": "curves"}


def test_a_fine_tuning_in_two_phases_plotted_as_one_curve_counts(tmp_path):
    trace, exports = _transfer_run()
    joined = [0.65, 0.72, 0.8, 0.85, 0.9]  # val_accuracy of phase 1 then phase 2 (initial_epoch=2)
    ctx = _run(tmp_path, [figure({"lines": [line(VAL), line(VAL[::-1]), line(joined)]})], trace=trace,
               exports=exports, lab="fashion-transfer")
    assert _check(ctx, MODELS).fraction == 1.0
    assert any(s.metric == "val_accuracy" and s.values == tuple(joined) for s in verified_series(ctx))


def test_a_curve_joining_two_different_models_is_not_a_history(tmp_path):
    trace, exports = _transfer_run()
    ctx = _run(tmp_path, [figure({"lines": [line(VAL + [0.65, 0.72])]})], trace=trace, exports=exports,
               lab="fashion-transfer")
    assert matched_lines(ctx.execution.figure_data[0], verified_series(ctx)) == []


def test_the_model_without_a_curve_is_named(tmp_path):
    trace, exports = _transfer_run()
    ctx = _run(tmp_path, [figure({"lines": [line(VAL), line(VAL[::-1])]})], trace=trace, exports=exports,
               lab="fashion-transfer")
    verdict = _check(ctx, MODELS)
    assert verdict.fraction == 0.0 and "curves: no curve of the training of model_B_on_A" in verdict.message
    # a model that was not exported cannot be shown either
    del exports["model_B"]
    ctx = _run(tmp_path, [figure({"lines": [line(VAL), line(VAL[::-1])]})], trace=trace, exports=exports,
               lab="fashion-transfer")
    assert "model_B, model_B_on_A" in _check(ctx, MODELS).message


def test_partial_credit_per_requirement_and_unknown_kinds_are_reported(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(VAL)]})])
    verdict = _check(ctx, CURVES, {"kind": "histogram", "label": "weights"})
    assert verdict.fraction == 0.5
    assert "weights: unknown requirement kind 'histogram' in the rubric" in verdict.message


def test_matched_lines_reports_the_axes_and_the_series(tmp_path):
    ctx = _run(tmp_path, [figure({"lines": [line(ACC)]}, {"lines": [line([9, 9, 9, 9, 9]), line(VAL_LOSS)]})])
    hits = matched_lines(ctx.execution.figure_data[0], verified_series(ctx))
    assert [(a, s.metric) for a, _, s in hits] == [(0, "accuracy"), (1, "val_loss")]


@pytest.mark.parametrize("axes", [
    {"lines": "not a list"},
    {"lines": [None, 3, {"y": "0.1,0.2"}, {"y": [None, None, None, None, None]}, {"y": []}]},
])
def test_malformed_figure_structure_is_ignored_not_a_crash(tmp_path, axes):
    """The figure structure comes from the submission's process: hostile shapes must not crash grading."""
    ctx = _run(tmp_path, [figure(axes), figure({"lines": [line(VAL)]})])
    assert _check(ctx, CURVES).fraction == 1.0


@pytest.mark.parametrize("bad", [["a", "b", "c", "d", "e"], [{"x": 1}] * 5, [0.1, 0.2, "0.3", 0.4, 0.5],
                                 [True, False, True, False, True], [float("nan")] * 5])
def test_a_line_with_non_numeric_values_is_ignored(tmp_path, bad):
    """collect.trace_from_events keeps each axes dict as sent: the values inside a line are not validated there."""
    ctx = _run(tmp_path, [figure({"lines": [{"label": "x", "y": bad, "n": 5}]}), figure({"lines": [line(VAL)]})])
    assert _check(ctx, CURVES).fraction == 1.0
