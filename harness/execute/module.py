"""Module engine: a ``.py`` submission in a fresh Python process inside the sandbox.

Transport only: the grader drives the runner (``inkernel/modrunner.py``) in lock step
over a command pipe and reads its replies on the trace channel. Every time limit is
measured on the grader's clock from the moment a command is sent; the runner's
replies (status, duration) are marked as reported by the submission and never lift a
limit. The submission can reach the runner's reply function, so a reply can be forged;
the runner answers each command exactly once, so a second reply to one command, or a
reply to a command never sent, is recorded as an integrity problem and the cell keeps
the worse of its replies. After the export, the process tree is killed at once:
threads and atexit hooks do not extend a run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import psutil

from harness.execute import capture, engine
from harness.execute.channel import TraceChannel
from harness.execute.engine import Clock, EngineResult, RunRequest
from harness.execute.source import read_module
from harness.untrusted import UntrustedDataError, read_bytes, read_head
from harness.execute.watchdog import Watchdog
from harness.models import Cell, ErrorInfo

INTERRUPT_GRACE_S = 10.0
MAX_CELL_OUTPUT = 256 * 1024
_SEVERITY = {"ok": 0, "error": 1, "timeout": 2}
MAX_FIGURE_FILE = capture.MAX_FIGURE_BYTES


def run(req: RunRequest) -> EngineResult:
    """Runs a module cell by cell (``# %%`` sections); always returns a result."""
    cells_src = read_module(req.path)
    limits = req.limits
    clock = Clock(limits)
    ws = req.ws
    channel = TraceChannel()
    cmd_r, cmd_w = os.pipe()
    os.set_inheritable(cmd_r, True)
    os.set_inheritable(cmd_w, False)
    config = {
        "cells": [{"index": i, "type": c.cell_type, "source": c.source, "first_line": c.first_line}
                  for i, c in enumerate(cells_src)],
        "prologue": engine.prologue_config(req, channel.child_fd),
        "outdir": str(ws.out),
        "figdir": str(ws.out),
        "cmd_fd": cmd_r,
        "filename": req.path.name,
    }
    script = ws.write_control("runner.py", engine.runner_code())
    config_path = ws.write_control("runner.json", json.dumps(config))
    env = dict(req.plan.env, MPLBACKEND="Agg")
    result = EngineResult(status="ok")
    result.cells = [Cell(index=i, cell_type=c.cell_type, source=c.source) for i, c in enumerate(cells_src)]
    try:
        proc = subprocess.Popen(req.plan.command(["-u", str(script), str(config_path)]), cwd=str(ws.work), env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                pass_fds=(cmd_r, channel.child_fd), start_new_session=True)
    except OSError as exc:
        for fd in (cmd_r, cmd_w):
            os.close(fd)
        channel.close()
        return EngineResult(status="killed", detail=f"the Python process did not start: {exc}", cells=result.cells)
    os.close(cmd_r)
    channel.started_child()
    channel.start()
    commands = os.fdopen(cmd_w, "w", encoding="utf-8", buffering=1)
    stdout_chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(proc.stdout, stdout_chunks, limits.max_output_kb * 1024),
                              daemon=True)
    reader.start()
    watchdog = Watchdog(proc.pid, limits=limits, workspace=ws.root, deadline=clock.watchdog_deadline())
    watchdog.start()
    issued: dict[str, int | str] = {}  # token -> the cell index (or "export") it was sent for
    try:
        ready = channel.wait_for(lambda e: e.get("t") == "ready", timeout=limits.startup_timeout_s)
        channel.seal_hello()
        result.startup_s = time.monotonic() - clock.start
        if ready is None:
            result.status = "killed"
            result.detail = "the Python process did not start its cells (it died or hung during start-up)"
        else:
            stop = _run_cells(commands, channel, proc, watchdog, result, clock, req, issued)
            if stop is None and proc.poll() is None:
                _export(commands, channel, result, clock, req, issued)
    finally:
        watchdog.stop()
        watchdog.kill_tree()
        try:
            commands.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watchdog.kill_tree()
        reader.join(timeout=5)
        result.channel = channel.close()
    result.channel.problems.extend(forged_replies(result.channel.events, issued, result.cells))
    _fill_outputs(result.cells, req)
    result.figures = _figures(req)
    result.stdout += capture.strip_chatter(b"".join(stdout_chunks).decode("utf-8", "replace"))
    result.peak_rss_mb = round(watchdog.peak_rss_mb, 1)
    engine.apply_watchdog(result, watchdog.reason, watchdog.detail)
    engine.error_status(result)
    return result


def _run_cells(commands, channel: TraceChannel, proc, watchdog: Watchdog, result: EngineResult, clock: Clock,
               req: RunRequest, issued: dict[str, int | str]) -> str | None:
    code = [c for c in result.cells if c.cell_type == "code"]
    stop: str | None = None
    for n, cell in enumerate(code, 1):
        if stop:
            cell.status = "skipped"
            continue
        if clock.cells_left() <= 1:
            stop = "timeout"
            cell.status = "skipped"
            result.status, result.detail = "timeout", clock.total_reached_detail(f"before cell {cell.index}")
            continue
        if req.progress:
            req.progress(f"cell {n}/{len(code)}")
        token = os.urandom(8).hex()
        issued[token] = cell.index
        limit = clock.cell_timeout()
        mark = channel.count
        t0 = time.monotonic()
        try:
            commands.write(json.dumps({"cmd": "run", "cell": cell.index, "token": token}) + "\n")
        except OSError:
            cell.status, stop = "killed", "killed"
            result.status, result.detail = "killed", f"the Python process exited before cell {cell.index}"
            continue
        done = _wait_reply(channel, proc, "cell-done", token, limit, mark)
        if done is None and proc.poll() is None and not watchdog.reason:
            # Past its limit on the grader's clock: interrupt, then give it a moment to answer.
            cell.status = "timeout"
            over_total = clock.cells_left() <= 1
            result.status = "timeout"
            result.detail = (clock.total_reached_detail(f"in cell {cell.index}") if over_total else
                             f"cell {cell.index} ran past its time limit ({limit:.0f} s) and was interrupted")
            _interrupt(proc.pid, watchdog)
            done = _wait_reply(channel, proc, "cell-done", token, INTERRUPT_GRACE_S, mark)
            if done is None:
                result.detail += "; the process did not respond to the interrupt and was stopped"
                watchdog.kill_tree()
            stop = "timeout"
        cell.duration_s = time.monotonic() - t0
        if done is None:
            if cell.status != "timeout":
                cell.status = "killed"
                stop = "killed"
                if not watchdog.reason:
                    result.status = "killed"
                    result.detail = (f"the Python process exited in cell {cell.index} "
                                     f"(exit code {proc.poll()})")
            continue
        _apply_reply(cell, done)
    return stop


def _export(commands, channel: TraceChannel, result: EngineResult, clock: Clock, req: RunRequest,
            issued: dict[str, int | str]) -> None:
    outdir = req.ws.new_export_dir()
    token = os.urandom(8).hex()
    issued[token] = "export"
    mark = channel.count
    try:
        commands.write(json.dumps({"cmd": "export", "spec": req.export_spec, "outdir": str(outdir),
                                   "token": token}) + "\n")
    except OSError:
        return
    limit = clock.export_timeout()
    if _wait_reply(channel, None, "export-done", token, limit, mark) is None:
        result.stdout += f"[labgrade] exporting did not finish within {limit:.0f} s\n"
    engine.read_manifest(outdir, result)


def _wait_reply(channel: TraceChannel, proc, kind: str, token: str, timeout: float, mark: int) -> dict | None:
    """Waits for the runner's reply to one command; None on timeout or when the process is gone."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        ev = channel.wait_for(lambda e: e.get("t") == kind and e.get("token") == token, timeout=min(0.5, max(left, 0)),
                              start=mark)
        if ev is not None:
            return ev
        if left <= 0 or (proc is not None and proc.poll() is not None):
            return channel.wait_for(lambda e: e.get("t") == kind and e.get("token") == token, timeout=0.2, start=mark)


def forged_replies(events: list[dict], issued: dict[str, int | str], cells: list[Cell]) -> list[str]:
    """Replies the runner cannot have sent, as integrity problems; cells take the worse of their replies.

    The runner answers each command exactly once. A second reply to one command (the
    submission answered first, then the runner did), or a reply to a command the grader
    never sent, was written by the submission. The grader applied the first reply it
    saw; a cell with several gets the worst status among them (a failure is never
    hidden by a forged "ok").
    """
    replies: dict[str, list[dict]] = {}
    problems: list[str] = []
    for ev in events:
        if ev.get("t") not in ("cell-done", "export-done"):
            continue
        token = ev.get("token")
        if not isinstance(token, str) or token not in issued:
            problems.append(f"a forged reply (event {ev.get('seq')}) answers no command the grader sent")
            continue
        replies.setdefault(token, []).append(ev)
    by_index = {c.index: c for c in cells}
    for token, evs in replies.items():
        if len(evs) < 2:
            continue
        target = issued[token]
        what = "the export" if target == "export" else f"cell {target}"
        problems.append(f"{len(evs)} replies to the grader's command for {what}: all but one were forged by the "
                        "submission")
        cell = by_index.get(target) if isinstance(target, int) else None
        if cell is None:
            continue
        worst = max(evs, key=lambda e: _SEVERITY.get(e.get("status"), 1))
        if _SEVERITY.get(worst.get("status"), 1) > _SEVERITY.get(cell.status, 0):
            _apply_reply(cell, worst)
    return problems[:20]


def _apply_reply(cell: Cell, reply: dict) -> None:
    """The runner's account of a cell: its status and error. Reported by the submission's process."""
    status = reply.get("status")
    cell.status = status if status in ("ok", "error", "timeout") else "error"
    err = reply.get("error")
    if isinstance(err, dict):
        cell.error = ErrorInfo(ename=str(err.get("ename", ""))[:200], evalue=str(err.get("evalue", ""))[:4000],
                               traceback=str(err.get("traceback", ""))[-20000:])


def _drain(stream, chunks: list[bytes], cap: int) -> None:
    kept = 0
    for block in iter(lambda: stream.read(65536), b""):
        if kept < cap:
            chunks.append(block[: cap - kept])
            kept += len(chunks[-1])
            if kept >= cap:
                chunks.append(b"\n[labgrade: process output cap reached; further output dropped]\n")


def _interrupt(root_pid: int, watchdog: Watchdog) -> None:
    """SIGINT to the runner interpreter (the deepest process running runner.py)."""
    target = None
    for p in watchdog.tree():
        try:
            if any("runner.py" in part for part in p.cmdline()):
                target = p
        except psutil.Error:
            continue
    try:
        (target or psutil.Process(root_pid)).send_signal(signal.SIGINT)
    except psutil.Error:
        pass


def _fill_outputs(cells: list[Cell], req: RunRequest) -> None:
    for cell in cells:
        if cell.cell_type != "code":
            continue
        if cell.status == "not-run":
            cell.status = "skipped"
        try:
            raw = read_head(req.ws.out / f"out-{cell.index:04d}.txt", max_bytes=MAX_CELL_OUTPUT)
        except UntrustedDataError:
            continue
        text = capture.strip_chatter(capture.strip_ansi(raw.decode("utf-8", "replace")))
        cell.output, cell.output_truncated = capture.cap_text(text, 64 * 1024)


def _figures(req: RunRequest):
    figures = []
    try:
        names = sorted(e.name for e in os.scandir(req.ws.out) if e.name.startswith("cell") and e.name.endswith(".png"))
    except OSError:
        return figures
    for name in names[: req.limits.max_figures]:
        try:
            cell_index, number_ = int(name[4:7]), int(name[8:10])
            data = read_bytes(req.ws.out / name, max_bytes=MAX_FIGURE_FILE)
        except (ValueError, UntrustedDataError):
            continue
        fig = capture.save_png(data, cell_index=cell_index, number=number_, dest_dir=req.artifacts / "figures",
                               rel_base=req.artifacts)
        if fig:
            figures.append(fig)
    return figures
