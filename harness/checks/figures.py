"""Are the required graphs there, non-empty, made by the training cells?"""

from __future__ import annotations

from harness.checks import register
from harness.checks.context import GradeContext, Verdict, item_param
from harness.rubric import Item


@register("figures")
def figures(ctx: GradeContext, item: Item) -> Verdict:
    """At least ``min_figures`` non-blank figures; with ``training_cells``, one at or after the first fit."""
    want = int(item_param(item, "min_figures", 1))
    figs = [f for f in ctx.execution.figures if not f.blank]
    blank = len(ctx.execution.figures) - len(figs)
    if item_param(item, "training_cells", False):
        fits = ctx.fits()
        first_fit = min((t.cell_index for t in fits if t.cell_index >= 0), default=None)
        if first_fit is not None:
            after = [f for f in figs if f.cell_index >= first_fit]
            if not after and figs:
                return Verdict(0.5, f"{len(figs)} figure(s), but none after training (first fit in cell "
                                    f"{first_fit}): plot the training curves (accuracy and loss per epoch).")
    if len(figs) >= want:
        return Verdict.passed(f"{len(figs)} figure(s) displayed.", figures=len(figs), blank=blank)
    note = f" ({blank} blank)" if blank else ""
    return Verdict(len(figs) / want, f"Expected at least {want} figure(s); found {len(figs)}{note}. Plot the "
                                     "learning curves with matplotlib and display them (plt.show()).",
                   {"figures": len(figs), "blank": blank})
