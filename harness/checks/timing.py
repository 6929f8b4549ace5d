"""Training time and throughput against the reference baseline of the same machine (reported)."""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.context import GradeContext, Verdict
from harness.i18n import msg
from harness.machine import machine_info, same_machine
from harness.rubric import Item


def training_throughput(ctx: GradeContext) -> tuple[float | None, float]:
    """(samples per second over all fit calls, total fit seconds) from the trace."""
    total_samples, total_s = 0.0, 0.0
    for ev in ctx.fits():
        if ev.seconds is None:
            continue
        total_s += ev.seconds
        if ev.samples:
            total_samples += ev.samples * len(ev.epoch_logs)
        elif ev.batch_size:
            total_samples += ev.batch_size * sum(e.steps or 0 for e in ev.epoch_logs)
    return (total_samples / total_s if total_s and total_samples else None), total_s


@register("timing")
def timing(ctx: GradeContext, item: Item) -> Verdict:
    """Reports the ratio of the submission's training throughput to the reference's.

    Report-only: the message states the ratio; points (if any) are always given,
    because speed depends on the machine more than on the student.
    """
    rate, seconds = training_throughput(ctx)
    if rate is None:
        return Verdict.passed(msg("No training run was timed."), fit_seconds=seconds)
    cal = ctx.rubric.calibration.get(ctx.mode, {})
    ref = (cal.get("throughput") or {}).get("train_images_per_s")
    if isinstance(ref, list):
        ref = sorted(ref)[len(ref) // 2] if ref else None
    here = machine_info()
    same = bool(cal) and same_machine(cal, here)
    evidence = {"fit_seconds": round(seconds, 3), "train_samples_per_s": round(rate, 1)}
    if ref and same:
        ratio = rate / float(ref)
        evidence.update(reference_train_images_per_s=ref, ratio=round(ratio, 3))
        text = msg("Training: {seconds:.1f} s in fit, {rate:,.0f} samples/s ({ratio:.2f}x the reference's throughput "
                   "on this machine).", seconds=seconds, rate=rate, ratio=ratio)
    elif ref:
        text = msg("Training: {seconds:.1f} s in fit, {rate:,.0f} samples/s (the reference baseline was measured on "
                   "another machine; no ratio).", seconds=seconds, rate=rate)
    else:
        text = msg("Training: {seconds:.1f} s in fit, {rate:,.0f} samples/s.", seconds=seconds, rate=rate)
    return Verdict.passed(text, **evidence)
