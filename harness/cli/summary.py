"""Plain-text summaries for the terminal."""

from __future__ import annotations

from pathlib import Path

from harness.models import Execution

_STATUS_TEXT = {
    "ok": "ran to the end",
    "error": "ran, with errors",
    "timeout": "stopped: time limit",
    "memory": "stopped: memory limit",
    "killed": "stopped: the process died or was killed",
    "invalid": "not run: invalid file",
}


def execution_summary(exe: Execution, *, artifacts: Path | None = None) -> str:
    """A readable summary of an Execution (what `labgrade run` prints)."""
    code = exe.code_cells
    failed = [c for c in code if c.status in ("error", "timeout", "killed")]
    ran = [c for c in code if c.status not in ("skipped", "not-run")]
    lines = [
        f"{exe.submission.student_id} ({exe.submission.kind}, lab {exe.submission.lab})",
        f"  status     {exe.status}: {_STATUS_TEXT.get(exe.status, '')}"
        + (f" - {exe.status_detail}" if exe.status_detail else ""),
        f"  cells      {len(ran)}/{len(code)} code cells run, {len(failed)} failed"
        + (f" (cells {', '.join(str(c.index) for c in failed[:8])})" if failed else ""),
        f"  time       {exe.wall_time_s:.1f} s total, {exe.startup_s:.1f} s start-up, {exe.cell_time_s:.1f} s in cells"
        + (f", peak {exe.peak_rss_mb:.0f} MB" if exe.peak_rss_mb else ""),
        f"  figures    {len(exe.figures)}" + (f" ({sum(f.blank for f in exe.figures)} blank)"
                                                if any(f.blank for f in exe.figures) else ""),
        f"  analysis   {exe.analysis_words()} words in {len(exe.markdown_cells)} markdown cells",
    ]
    fits = [t for t in exe.trace if t.kind == "fit"]
    compiles = [t for t in exe.trace if t.kind == "compile"]
    lines.append(f"  trace      {len(compiles)} compile, {len(fits)} fit call(s)")
    for t in fits[:12]:
        lr = t.epoch_logs[0].lr if t.epoch_logs else None
        last = t.epoch_logs[-1].logs if t.epoch_logs else {}
        metric = next((f"{k}={last[k]:.3f}" for k in ("val_accuracy", "accuracy", "val_loss", "loss") if k in last), "")
        lines.append(
            f"             fit {t.model_name} [cell {t.cell_index}]: {t.optimizer or '?'}"
            + (f" lr={lr:.3g}" if lr is not None else "")
            + f", {len(t.epoch_logs)}/{t.epochs} epochs, batch {t.batch_size}, "
            + f"{t.trainable_params:,} trainable / {t.non_trainable_params:,} frozen params"
            + (f", {metric}" if metric else "") + (" (frozen flags changed since compile)" if t.stale_trainable else ""))
    if len(fits) > 12:
        lines.append(f"             ... {len(fits) - 12} more")
    lines.append("  exports")
    for name, e in exe.exports.items():
        state = "ok" if e.found and not e.error else ("missing" if not e.found else "problem")
        detail = e.error or (e.type_name.rsplit(".", 1)[-1] if e.type_name else "")
        if e.calls:
            detail += f"; {len(e.calls)} call(s), {sum(1 for c in e.calls if c.error)} failed"
        lines.append(f"             {name:<20} {state:<8} {detail}")
    for d in exe.diagnoses:
        lines.append(f"  keras 2    {d.api} (cell {d.cell_index}): {d.message}\n             -> {d.replacement}")
    iso = exe.isolation
    lines.append(f"  sandbox    {iso.mode}, network {iso.network}, filesystem {iso.filesystem}, uid {iso.user}; "
                 f"processes: {iso.process_limit}")
    for note in iso.notes:
        lines.append(f"             note: {note}")
    if artifacts is not None:
        lines.append(f"  written    {artifacts}/execution.json")
    return "\n".join(lines)
