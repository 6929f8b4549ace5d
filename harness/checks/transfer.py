"""Fashion-transfer process checks, read from the training trace (not from the code).

The lecture's recipe for B-on-A: freeze the reused layers, compile, fit a few epochs,
unfreeze, compile again (with a lower learning rate), fit more.
"""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.bands import trusted_result
from harness.checks.context import GradeContext, Verdict
from harness.evaluate.evidence import changed, frozen_violations
from harness.i18n import msg
from harness.models import TraceEvent
from harness.rubric import Item


def transfer_fits(ctx: GradeContext, name: str) -> tuple[list[TraceEvent], Verdict | None]:
    """The verified fit calls of exported model `name`, or the verdict when they cannot be used.

    The fits count only when the trace arrived intact and the exported model's weights are
    what those fits produced; a fit whose frozen weights changed contradicts its own record.
    """
    mid = ctx.model_id(name)
    if mid is None:
        return [], Verdict.failed(msg("`{model}` was not exported, so its training cannot be followed.", model=name))
    if not ctx.execution.integrity.ok:
        return [], Verdict.unverified("; ".join(ctx.execution.integrity.problems[:3]) or "no authenticated trace")
    fits = [f for f in ctx.fits(mid) if not f.error and f.complete]
    if not fits:
        return [], Verdict.failed(msg("`{model}` was never trained with fit() (the exported object is not one that "
                                      "was fit).", model=name))
    ev = ctx.evidence(name)
    if ev.status in ("inconsistent", "unverified"):
        return [], Verdict.unverified(ev.detail, evidence_status=ev.status)
    broken = [f.seq for f in fits if frozen_violations(f)]
    if broken:
        return [], Verdict.unverified(f"fits {broken} recorded frozen layers whose weights changed")
    return fits, None


def _lr(ev: TraceEvent) -> float | None:
    if ev.epoch_logs and ev.epoch_logs[0].lr is not None:
        return ev.epoch_logs[0].lr
    lr = ev.optimizer_config.get("learning_rate")
    return float(lr) if isinstance(lr, (int, float)) else None


@register("transfer_frozen_first_fit")
def frozen_first_fit(ctx: GradeContext, item: Item) -> Verdict:
    """The first fit of the transferred model ran with the reused layers frozen."""
    fits, problem = transfer_fits(ctx, item.params["model"])
    if problem is not None:
        return problem
    first = fits[0]
    evidence = {"frozen_layers": first.frozen_layers, "trainable_layers": first.trainable_layers,
                "trainable_params": first.trainable_params, "non_trainable_params": first.non_trainable_params,
                "trainable_weights_changed": changed(first)}
    if first.frozen_layers and first.trainable_layers and changed(first):
        return Verdict(1.0, msg("First fit: {frozen} reused layer(s) frozen, {trainable} trainable (the new output).",
                                frozen=len(first.frozen_layers), trainable=len(first.trainable_layers)), evidence)
    return Verdict.failed(msg("The first fit of the transferred model trained every layer: freeze the reused layers "
                              "(layer.trainable = False for all but the new output layer) and compile before the "
                              "first fit, so the random new output layer does not wreck the reused weights."),
                          **evidence)


def _unfreeze_point(fits: list[TraceEvent]) -> int | None:
    """Index of the fine-tuning fit: the first fit with fewer frozen layers than the one before.

    Without any unfreezing (the layers were never frozen, or never unfrozen), the second
    fit is the second phase: each flaw then costs its own item only.
    """
    for i in range(1, len(fits)):
        if len(fits[i].frozen_layers) < len(fits[i - 1].frozen_layers):
            return i
    return 1 if len(fits) >= 2 and not fits[0].frozen_layers else None


@register("transfer_recompiled")
def recompiled(ctx: GradeContext, item: Item) -> Verdict:
    """After unfreezing, the model was compiled again before the next fit."""
    fits, problem = transfer_fits(ctx, item.params["model"])
    if problem is not None:
        return problem
    k = _unfreeze_point(fits)
    if k is None:
        return Verdict.failed(msg("The transferred model was trained in {n} fit call(s) without unfreezing the "
                                  "reused layers afterwards: unfreeze them, compile again, and fit more.", n=len(fits)))
    later = fits[k]
    if later.stale_trainable or later.compile_count <= fits[k - 1].compile_count:
        return Verdict.failed(msg("The layers were unfrozen but the model was not compiled again before training on: "
                                  "after changing layer.trainable, call model.compile(...) again so the change takes "
                                  "effect."), fit_compile_counts=[f.compile_count for f in fits])
    return Verdict.passed(msg("Recompiled before the fine-tuning phase (fit {k} of {n}).", k=k + 1, n=len(fits)))


@register("transfer_lower_lr")
def lower_lr(ctx: GradeContext, item: Item) -> Verdict:
    """The learning rate after unfreezing is lower than before."""
    fits, problem = transfer_fits(ctx, item.params["model"])
    if problem is not None:
        return problem
    k = _unfreeze_point(fits)
    if k is None:
        return Verdict.failed(msg("No fine-tuning phase after unfreezing was found, so no learning rate to compare."))
    before, after = _lr(fits[k - 1]), _lr(fits[k])
    evidence = {"lr_frozen": before, "lr_unfrozen": after}
    if before is None or after is None:
        return Verdict(0.0, msg("The learning rates of the two phases could not be read from the trace."), evidence,
                       error=True)
    if after < before * 0.999:
        return Verdict(1.0, msg("Learning rate lowered from {before:.3g} to {after:.3g} after unfreezing.",
                                before=before, after=after), evidence)
    return Verdict.failed(msg("The learning rate after unfreezing ({after:.3g}) is not lower than before "
                              "({before:.3g}): fine-tune the unfrozen layers with a smaller rate (the lecture uses "
                              "1e-4) so the reused features are adjusted, not overwritten.", after=after,
                              before=before), **evidence)


@register("transfer_error_reduction")
def error_reduction(ctx: GradeContext, item: Item) -> Verdict:
    """Reports how much B-on-A cut B's error rate (grader-measured); report-only."""
    b_m, ba_m = ctx.metric("model_B", "B"), ctx.metric("model_B_on_A", "B")
    if b_m.value is None or ba_m.value is None:
        missing = "model_B" if b_m.value is None else "model_B_on_A"
        return Verdict.failed(msg("Not computed: {error}.", error=ctx.metric_problem(missing, "B")))
    for name in ("model_B", "model_B_on_A"):
        untrusted = trusted_result(ctx, name)
        if untrusted is not None:
            return untrusted
    b, ba = b_m.value, ba_m.value
    if b >= 1.0:
        return Verdict.passed(msg("Model B makes no errors on the held-out images; no reduction to report."))
    ratio = (ba - b) / (1 - b)
    ctx.metrics["error_rate_reduction"] = round(ratio, 4)
    factor = (1 - b) / (1 - ba) if ba < 1.0 else None
    if factor is not None:
        ctx.metrics["error_rate_factor"] = round(factor, 3)
    text = (msg("Error rate {b:.2%} (B) -> {ba:.2%} (B-on-A): a {ratio:.0%} reduction ({factor:.1f}x fewer errors; "
                "the lecture reports about 4x fewer errors, for its best seed).", b=1 - b, ba=1 - ba, ratio=ratio,
                factor=factor) if factor else
            msg("Error rate {b:.2%} (B) -> {ba:.2%} (B-on-A): a {ratio:.0%} reduction (the lecture reports about 4x "
                "fewer errors, for its best seed).", b=1 - b, ba=1 - ba, ratio=ratio))
    return Verdict.passed(text, error_rate_B=round(1 - b, 4), error_rate_B_on_A=round(1 - ba, 4))
