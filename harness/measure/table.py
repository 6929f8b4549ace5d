"""Readable tables of a benchmark run, its comparison with a baseline, and its anchors."""

from __future__ import annotations

from harness.measure.anchors import context
from harness.measure.baseline import Comparison
from harness.measure.results import BenchRun


def _num(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "s" and abs(value) < 10:
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def machine_line(run: BenchRun) -> str:
    """One line naming the machine and software a run measured."""
    m = run.machine
    libs = ", ".join(f"{k} {m[k]}" for k in ("keras", "tensorflow", "jax", "jaxlib", "torch") if m.get(k))
    gpu = f"; driver {m['driver']}, CUDA {m.get('cuda')}" if m.get("driver") else ""
    return (f"{m.get('device_name', m.get('device'))} | backend {m.get('backend')} ({m.get('precision', 'float32')}) | "
            f"{libs} | python {m.get('python')}{gpu} | TensorFlow loaded: {m.get('tensorflow_loaded')} | "
            f"fingerprint {run.fingerprint}")


def format_run(run: BenchRun, comparison: Comparison | None = None) -> str:
    """The run as a text table: value (best round), median, unit, precision, and the
    comparison's baseline and speed ratio when given; then anchors and errors."""
    rows = {r.name: r for r in comparison.rows} if comparison else {}
    head = f"{'benchmark':34s}{'value':>12s}{'median':>12s}  {'unit':16s}{'precision':16s}"
    if comparison:
        head += f"{'baseline':>12s}{'speed':>8s}  status"
    lines = [f"labgrade bench ({', '.join(run.suites)}), {run.started}, {run.wall_s:.0f} s", machine_line(run), head,
             "-" * len(head)]
    for name, m in run.measurements.items():
        line = f"{name:34s}{_num(m.value, m.unit):>12s}{_num(m.median, m.unit):>12s}  {m.unit:16s}{m.precision:16s}"
        if comparison and name in rows:
            r = rows[name]
            line += f"{_num(r.baseline, m.unit):>12s}{(f'{r.speed:.2f}' if r.speed else '-'):>8s}  {r.status}"
        lines.append(line)
    if comparison:
        for r in comparison.rows:
            if r.status == "missing":
                lines.append(f"{r.name:34s}{'-':>12s}{'':>12s}  {r.unit:16s}{'':16s}{_num(r.baseline, r.unit):>12s}"
                             f"{'-':>8s}  not measured in this run")
        lines.append(comparison.note)
        load, cores = run.machine.get("load_avg_1m"), run.machine.get("cpu_count") or 1
        if load and load > 2 * cores:
            lines.append(f"NOTE: the machine was busy (load average {load:g} on {cores} cores at the end of the run): "
                         "slow numbers may be other work, not a regression; rerun on an idle machine before "
                         "acting on them.")
        if comparison.failed:
            lines.append(f"REGRESSION: {', '.join(r.name for r in comparison.regressions)} more than "
                         f"{1 + comparison.tolerance:g}x slower than this machine's baseline.")
    ctx = context(run.measurements, run.machine.get("device_name", ""))
    if ctx:
        lines += ["", f"{'context':34s}{'measured':>12s}{'reference':>12s}{'ratio':>8s}  what"]
        for c in ctx:
            lines.append(f"{c['name']:34s}{_num(c['value']):>12s}{_num(c['reference']):>12s}{c['ratio']:>8.3f}  "
                         f"{c['against']}: {c['note']}")
    tflops = [(n, m.info["achieved_tflops"]) for n, m in run.measurements.items() if m.info.get("achieved_tflops")]
    if tflops:
        lines.append("achieved TFLOP/s (median rounds, 2 x MACs): " + ", ".join(f"{n} {t:.3g}" for n, t in tflops))
    for name, err in run.errors.items():
        lines.append(f"ERROR {name}: {err.splitlines()[0][:200]}")
    return "\n".join(lines)
