"""Small inline SVG charts: line charts with a reference band, and histograms.

Hand-written SVG instead of matplotlib: a chart costs well under a millisecond,
weighs a few kilobytes, stays sharp when zoomed or printed, and needs no script.
Every text that reaches a chart (series labels can come from a submission, e.g. the
keys of its ``histories`` dict) is escaped; only presentation attributes are used,
so the pages' Content-Security-Policy needs no ``style-src 'unsafe-inline'``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#0598bc", "#bf3989", "#4d2d00",
           "#6e7781", "#116329", "#953800", "#0550ae")
BAND_FILL = "#2da44e"
ENVELOPE_FILL = "#8c959f"


@dataclass
class Series:
    """One line of a chart.

    Attributes:
        label: legend text (escaped when drawn).
        x: x values (epochs, seconds...).
        y: y values; None leaves a gap.
        dashed: draw dashed (e.g. training accuracy next to validation accuracy).
        color: index into `PALETTE`.
    """

    label: str
    x: Sequence[float]
    y: Sequence[float | None]
    dashed: bool = False
    color: int = 0


@dataclass
class Chart:
    """A line chart and what to draw behind its lines.

    Attributes:
        title: drawn above the plot.
        xlabel: x axis title.
        ylabel: y axis title.
        series: the lines.
        band: ``(low, high, label)``: a horizontal shaded range (the reference band).
        envelope: ``[(x, low, high), ...]``: a per-x shaded range (reference runs' spread).
        envelope_label: legend text of the envelope.
        marks: ``[(low, high, color, label), ...]``: vertical range bars at the right edge
            (a final-value band per series).
        caption: text under the chart.
    """

    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    band: tuple[float, float, str] | None = None
    envelope: list[tuple[float, float, float]] | None = None
    envelope_label: str = ""
    marks: list[tuple[float, float, int, str]] = field(default_factory=list)
    caption: str = ""


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v - round(v, 1)) < 1e-9 else f"{v:.2f}"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About `n` round tick values covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out, v = [], first
    while v <= hi + 1e-9 * step:
        out.append(round(v, 10))
        v += step
    return out


def _tick_label(v: float, step: float) -> str:
    if step >= 1:
        return f"{v:.0f}"
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10 ** digits % 1 > 1e-6:
        digits += 1
    return f"{v:.{digits}f}"


def line_chart(chart: Chart, *, width: int = 560, height: int = 260) -> Markup:
    """Renders `chart` as an inline ``<svg>`` element."""
    left, right, top, bottom = 56, 18 + 6 * len(chart.marks), 28, 42
    legend = [(s.label, s.color, s.dashed, "line") for s in chart.series]
    if chart.envelope:
        legend.append((chart.envelope_label or "reference runs", -1, False, "envelope"))
    if chart.band:
        legend.append((chart.band[2], -2, False, "band"))
    slots = _legend_layout([label for label, *_ in legend], width)
    rows = max((row for _, row in slots), default=-1) + 1
    total_h = height + rows * 18 + 6
    pw, ph = width - left - right, height - top - bottom
    xs = [x for s in chart.series for x in s.x] + [e[0] for e in chart.envelope or []]
    ys = [y for s in chart.series for y in s.y if y is not None and math.isfinite(y)]
    ys += [v for e in chart.envelope or [] for v in e[1:]]
    if chart.band:
        ys += [chart.band[0], chart.band[1]]
    ys += [v for m in chart.marks for v in m[:2]]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    pad = (y1 - y0) * 0.06 or 0.05
    y0, y1 = y0 - pad, y1 + pad
    sx = lambda x: left + (x - x0) / (x1 - x0) * pw  # noqa: E731
    sy = lambda y: top + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * ph  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_h}" width="{width}" '
           f'height="{total_h}" role="img" aria-label="{escape(chart.title)}" font-family="system-ui, sans-serif" '
           f'font-size="11"><title>{escape(chart.title)}</title>',
           f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#1f2328">{escape(chart.title)}</text>']
    if chart.band:
        lo, hi = sorted(chart.band[:2])
        out.append(f'<rect x="{left}" y="{sy(hi):.1f}" width="{pw}" height="{max(1.0, sy(lo) - sy(hi)):.1f}" '
                   f'fill="{BAND_FILL}" fill-opacity="0.16" stroke="{BAND_FILL}" stroke-opacity="0.5" '
                   'stroke-dasharray="3 3"/>')
    if chart.envelope:
        top_pts = " ".join(f"{sx(x):.1f},{sy(hi):.1f}" for x, _, hi in chart.envelope)
        bot_pts = " ".join(f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _ in reversed(chart.envelope))
        out.append(f'<polygon points="{top_pts} {bot_pts}" fill="{ENVELOPE_FILL}" fill-opacity="0.25"/>')
    yt = _ticks(y0, y1)
    ystep = yt[1] - yt[0] if len(yt) > 1 else 1.0
    for v in yt:
        y = sy(v)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d1d9e0" stroke-width="0.6"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#59636e">'
                   f'{_tick_label(v, ystep)}</text>')
    xt = _ticks(x0, x1, 6)
    xstep = xt[1] - xt[0] if len(xt) > 1 else 1.0
    for v in xt:
        x = sx(v)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#59636e"/>'
                   f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#59636e">'
                   f'{_tick_label(v, xstep)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#8c959f" '
               'stroke-width="0.8"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 32}" text-anchor="middle" fill="#59636e">'
               f'{escape(chart.xlabel)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" fill="#59636e">'
               f'{escape(chart.ylabel)}</text>')
    for s in chart.series:
        color = PALETTE[s.color % len(PALETTE)]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        for run in _runs(s):
            pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in run)
            if len(run) == 1:
                x, y = run[0]
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"/>')
            else:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>')
    for n, (lo, hi, color_i, label) in enumerate(chart.marks):
        x = left + pw + 5 + n * 6
        color = PALETTE[color_i % len(PALETTE)]
        out.append(f'<line x1="{x}" x2="{x}" y1="{sy(hi):.1f}" y2="{sy(lo):.1f}" stroke="{color}" stroke-width="2.5">'
                   f'<title>{escape(label)}</title></line>')
    for (label, color_i, dashed, kind), (lx, row) in zip(legend, slots):
        ly = height + 4 + row * 18
        if kind == "band":
            out.append(f'<rect x="{lx}" y="{ly - 6}" width="22" height="10" fill="{BAND_FILL}" fill-opacity="0.25" '
                       f'stroke="{BAND_FILL}" stroke-dasharray="3 3"/>')
        elif kind == "envelope":
            out.append(f'<rect x="{lx}" y="{ly - 6}" width="22" height="10" fill="{ENVELOPE_FILL}" '
                       'fill-opacity="0.35"/>')
        else:
            dash = ' stroke-dasharray="5 4"' if dashed else ""
            out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{PALETTE[color_i % len(PALETTE)]}" '
                       f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 28}" y="{ly + 4}" fill="#1f2328">{escape(_short(label))}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _legend_layout(labels: list[str], width: int) -> list[tuple[float, int]]:
    """``(x, row)`` of each legend entry, flowing left to right and wrapping at `width`."""
    out, x, row = [], 10.0, 0
    for label in labels:
        w = 28 + 7.0 * len(_short(label)) + 18
        if x > 10 and x + w > width:
            x, row = 10.0, row + 1
        out.append((x, row))
        x += w
    return out


def _runs(s: Series) -> list[list[tuple[float, float]]]:
    """Consecutive finite points of a series (a None or NaN breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(s.x, s.y):
        if y is None or not math.isfinite(y):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, y))
    return [r for r in runs if r]


def histogram(counts: Sequence[int], edges: Sequence[float], *, title: str, xlabel: str, width: int = 560,
              height: int = 220, highlight: Sequence[int] = ()) -> Markup:
    """A bar histogram: ``counts[i]`` values fell in ``[edges[i], edges[i+1])``.

    Args:
        counts: one count per bin.
        edges: bin edges, ``len(counts) + 1`` of them.
        title: drawn above the bars.
        xlabel: axis title.
        width: pixels.
        height: pixels.
        highlight: bin indexes drawn in the warning colour (e.g. failing scores).
    """
    left, right, top, bottom = 40, 12, 26, 38
    pw, ph = width - left - right, height - top - bottom
    peak = max(counts) if counts and max(counts) > 0 else 1
    bw = pw / max(1, len(counts))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">'
           f'<title>{escape(title)}</title>',
           f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#1f2328">{escape(title)}</text>']
    for v in _ticks(0, peak, 4):
        if v != int(v):
            continue
        y = top + ph - v / peak * ph
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d1d9e0" stroke-width="0.6"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#59636e">{int(v)}</text>')
    for i, c in enumerate(counts):
        h = c / peak * ph
        x = left + i * bw
        fill = "#cf222e" if i in highlight else "#0969da"
        label = f"{_fmt(edges[i])}–{_fmt(edges[i + 1])}: {c}"
        out.append(f'<rect x="{x + 1.5:.1f}" y="{top + ph - h:.1f}" width="{max(1.0, bw - 3):.1f}" height="{h:.1f}" '
                   f'fill="{fill}"><title>{escape(label)}</title></rect>')
        if c:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{top + ph - h - 3:.1f}" text-anchor="middle" '
                       f'fill="#1f2328">{c}</text>')
    for i, e in enumerate(edges):
        if len(edges) > 12 and i % 2:
            continue
        out.append(f'<text x="{left + i * bw:.1f}" y="{top + ph + 14}" text-anchor="middle" fill="#59636e">'
                   f'{_fmt(e)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#8c959f"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="#59636e">'
               f'{escape(xlabel)}</text></svg>')
    return Markup("\n".join(out))
