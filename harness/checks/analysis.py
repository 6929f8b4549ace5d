"""The written analysis: present, in proportion to the figures, consistent with the measurements.

The lecture's rule: "analyse in detail the result values and every graph produced".
Three parts, weighted: enough words overall (45%), a written comment after every
figure (45%), and accuracies quoted in the text that agree with what was measured
(10%). The grader re-runs the notebook, so quoted numbers come from the student's own
run: only a claim far from every value the re-run measured is flagged, and in quick
mode (smaller data than the student used) contradictions are reported, not penalised.
A person still reads it: manual overrides replace this item's score.
"""

from __future__ import annotations

import re

from harness.checks import register
from harness.checks.context import GradeContext, Verdict, item_param
from harness.rubric import Item

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[.,]\d+)?)\s*%|(?<![\w.])(0[.,]\d{2,4})(?!\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_QUOTED = ("lecture", "book", "paper", "géron", "geron", "reported", "expected", "reference")
TOLERANCE = 0.05


def claimed_accuracies(text: str) -> list[float]:
    """Accuracy values quoted in `text` (sentences mentioning accuracy), as fractions."""
    out = []
    for sentence in _SENTENCE_END.split(text):
        low = sentence.lower()
        if "acc" not in low or any(q in low for q in _QUOTED):
            continue
        for pct, frac in _NUMBER.findall(sentence):
            value = float((pct or frac).replace(",", "."))
            value = value / 100 if pct else value
            if 0.0 < value <= 1.0:
                out.append(value)
    return out


def measured_accuracies(ctx: GradeContext) -> list[float]:
    """Every accuracy the run produced: grader measurements and every epoch the trace logged."""
    values = [v for k, v in ctx.metrics.items() if isinstance(v, (int, float)) and 0 <= v <= 1 and "gap" not in k]
    values += [m.value for m in ctx.measurements.metrics.values() if m.value is not None]
    for ev in ctx.fits():
        for e in ev.epoch_logs:
            values += [v for k, v in e.logs.items() if "acc" in k and 0 <= v <= 1]
    return values


def _figure_coverage(ctx: GradeContext, per_figure: int) -> tuple[int, int]:
    cells = ctx.execution.cells
    fig_cells = sorted({f.cell_index for f in ctx.execution.figures if not f.blank})
    covered = 0
    for n, idx in enumerate(fig_cells):
        stop = fig_cells[n + 1] if n + 1 < len(fig_cells) else len(cells)
        words = sum(len(c.source.split()) for c in cells[idx + 1: stop + 1] if c.cell_type == "markdown")
        covered += words >= per_figure
    return covered, len(fig_cells)


@register("analysis")
def analysis(ctx: GradeContext, item: Item) -> Verdict:
    """Written analysis: words, coverage of every figure, consistency with measured accuracies."""
    min_words = int(item_param(item, "min_words", 80))
    per_figure = int(item_param(item, "per_figure_words", 30))
    keywords = [k.lower() for k in item_param(item, "keywords", [])]
    exe = ctx.execution
    text = "\n".join(c.source for c in exe.markdown_cells)
    words = len(text.split())
    notes = []
    part_words = min(1.0, words / min_words) if min_words else 1.0
    if words < min_words:
        notes.append(f"{words} words of written analysis; at least {min_words} expected")
    covered, n_figs = _figure_coverage(ctx, per_figure)
    if per_figure and n_figs:
        part_figs = covered / n_figs
        if covered < n_figs:
            notes.append(f"{n_figs - covered} of {n_figs} figure(s) have no comment of at least {per_figure} words in "
                         "a markdown cell after them")
    else:
        part_figs = part_words
    claims = claimed_accuracies(text)
    measured = measured_accuracies(ctx)
    off = [c for c in claims if measured and min(abs(c - m) for m in measured) > TOLERANCE]
    part_claims = 1.0
    if off:
        nearest = sorted({round(m, 3) for m in measured}, key=lambda m: min(abs(m - c) for c in off))[:3]
        contradiction = (f"quoted accuracy {', '.join(f'{c:.1%}' for c in off)} does not match any value measured when "
                         f"the grader ran the notebook (nearest: {', '.join(f'{m:.1%}' for m in nearest)})")
        if ctx.mode == "full":
            part_claims = 1.0 - len(off) / len(claims)
            notes.append(contradiction)
    missing_kw = [k for k in keywords if k not in text.lower()]
    if missing_kw and words:
        notes.append(f"the analysis should discuss: {', '.join(missing_kw)}")
    fraction = 0.45 * part_words + 0.45 * part_figs + 0.1 * part_claims
    fraction = max(0.0, fraction - 0.1 * len(missing_kw))
    evidence = {"words": words, "figures": n_figs, "figures_commented": covered, "claims": claims,
                "contradicted": off, "missing_keywords": missing_kw}
    if not notes:
        quoted = (" quoted accuracies agree with the measurements." if claims and not off else
                  " (no accuracy value quoted)." if not claims else
                  f" ({len(off)} quoted value(s) differ from this quick re-run; not penalised).")
        return Verdict(1.0, f"{words} words; every figure is discussed;" + quoted, evidence)
    return Verdict(round(fraction, 4), "Written analysis: " + "; ".join(notes) + ".", evidence)
