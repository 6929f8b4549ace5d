"""Module engine: a ``.py`` submission in a fresh Python process inside the sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil

from harness.execute import capture
from harness.execute.engine import EngineResult, RunRequest, inkernel_source, stage_inputs
from harness.execute.source import read_module
from harness.execute.watchdog import Watchdog
from harness.models import Cell, ErrorInfo

POLL_S = 0.1
INTERRUPT_GRACE_S = 10.0


def run(req: RunRequest) -> EngineResult:
    """Runs a module cell by cell (``# %%`` sections); always returns a result."""
    cells_src = read_module(req.path)
    limits = req.limits
    ctl = req.ws.ctl
    outdir = ctl / "out"
    figdir = ctl / "figs"
    outdir.mkdir(exist_ok=True)
    figdir.mkdir(exist_ok=True)
    events_path = ctl / "events.jsonl"
    events_path.touch()
    script = ctl / "runner.py"
    script.write_text(
        "\n\n".join([inkernel_source("prologue"), inkernel_source("export"), inkernel_source("modrunner"),
                     "import sys\n_labgrade_main(sys.argv[1])\n"]), encoding="utf-8")
    spec_r, spec_w = os.pipe()
    config = {
        "cells": [{"index": i, "type": c.cell_type, "source": c.source, "first_line": c.first_line}
                  for i, c in enumerate(cells_src)],
        "prologue": req.prologue_cfg,
        "events": str(events_path),
        "outdir": str(outdir),
        "figdir": str(figdir),
        "spec_fd": spec_r,
        "filename": req.path.name,
    }
    config_path = ctl / "runner.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    req.ws.hand_over(req.plan.uid)
    env = dict(req.plan.env, MPLBACKEND="Agg")
    result = EngineResult(status="ok")
    cells = [Cell(index=i, cell_type=c.cell_type, source=c.source) for i, c in enumerate(cells_src)]
    result.cells = cells
    t_start = time.monotonic()
    deadline = t_start + limits.total_timeout_s
    try:
        proc = subprocess.Popen(req.plan.command(["-u", str(script), str(config_path)]), cwd=str(req.ws.work),
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, pass_fds=(spec_r,), start_new_session=True)
    except OSError as exc:
        os.close(spec_r)
        os.close(spec_w)
        return EngineResult(status="killed", detail=f"the Python process did not start: {exc}", cells=cells)
    os.close(spec_r)
    stdout_chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(proc.stdout, stdout_chunks, limits.max_output_kb * 1024),
                              daemon=True)
    reader.start()
    watchdog = Watchdog(proc.pid, memory_mb=limits.memory_mb, max_processes=limits.max_processes,
                        deadline=deadline + limits.export_timeout_s + 30)
    watchdog.start()
    state = _Tail(events_path)
    interrupted_at: float | None = None
    export_deadline: float | None = None
    try:
        while proc.poll() is None:
            time.sleep(POLL_S)
            state.read()
            now = time.monotonic()
            if state.started_at is not None and result.startup_s == 0.0:
                result.startup_s = state.started_at - t_start
            if state.cells_done and export_deadline is None:
                export_deadline = now + limits.export_timeout_s
                exp_dir = req.ws.new_export_dir()
                req.ws.hand_over(req.plan.uid)
                spec = stage_inputs(req, exp_dir)
                result.export_dir = exp_dir
                try:
                    os.write(spec_w, (json.dumps({"spec": spec, "outdir": str(exp_dir)}) + "\n").encode())
                except OSError:
                    pass
                os.close(spec_w)
                spec_w = -1
            if export_deadline is not None and now > export_deadline:
                result.stdout += f"[labgrade] exporting took longer than {limits.export_timeout_s:.0f} s\n"
                watchdog.kill_tree()
                break
            running = state.running
            if interrupted_at is None and running is not None:
                over_cell = now - state.running_since_mono > limits.cell_timeout_s
                if over_cell or now > deadline:
                    cells[running].status = "timeout"
                    result.status = "timeout"
                    result.detail = (f"cell {running} ran past its time limit ({limits.cell_timeout_s:.0f} s) and "
                                     "was interrupted") if over_cell else (
                        f"the submission's total time limit ({limits.total_timeout_s:.0f} s) was reached in cell "
                        f"{running}")
                    interrupted_at = now
                    _interrupt(proc.pid, watchdog)
            elif interrupted_at is not None and not state.cells_done and now - interrupted_at > INTERRUPT_GRACE_S:
                result.detail += "; the process did not respond to the interrupt and was stopped"
                watchdog.kill_tree()
                break
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        watchdog.kill_tree()
    finally:
        if spec_w != -1:
            os.close(spec_w)
        watchdog.stop()
        watchdog.kill_tree()
        reader.join(timeout=5)
    state.read()
    _fill_cells(cells, state, outdir)
    result.figures = _figures(figdir, req)
    raw = b"".join(stdout_chunks)
    result.stdout += raw.decode("utf-8", "replace")
    result.peak_rss_mb = round(watchdog.peak_rss_mb, 1)
    if watchdog.reason:
        result.status = {"memory": "memory", "timeout": "timeout"}.get(watchdog.reason, "killed")
        result.detail = f"stopped by the grader: {watchdog.detail}"
    elif result.status == "ok" or (result.status == "error" and not state.cells_done):
        died = state.running is not None or not state.cells_done
        if died:
            result.status = "killed"
            where = f"in cell {state.running}" if state.running is not None else "before its cells finished"
            result.detail = f"the Python process exited {where} (exit code {proc.returncode})"
            if state.running is not None:
                cells[state.running].status = "killed"
    if result.status == "ok":
        errors = [c for c in cells if c.status == "error"]
        if errors:
            result.status = "error"
            result.detail = f"cell {errors[0].index} raised {errors[0].error.ename if errors[0].error else 'an error'}"
    if result.export_dir is not None:
        manifest = result.export_dir / "manifest.json"
        if manifest.is_file() and manifest.stat().st_size < 64 << 20:
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                result.manifest = data if isinstance(data, dict) else None
            except (ValueError, OSError):
                result.manifest = None
    result.cell_of_count = None
    return result


class _Tail:
    """Incremental reader of the runner's events file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.ends: dict[int, dict] = {}
        self.starts: dict[int, float] = {}
        self.running: int | None = None
        self.running_since_mono = 0.0
        self.started_at: float | None = None
        self.cells_done = False
        self.export_done = False

    def read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read(1 << 20)
        except OSError:
            return
        last_nl = chunk.rfind(b"\n")
        if last_nl < 0:
            return
        self.offset += last_nl + 1
        for line in chunk[: last_nl + 1].splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if not isinstance(ev, dict):
                continue
            kind, cell = ev.get("t"), ev.get("cell")
            if kind == "start" and isinstance(cell, int):
                self.running = cell
                self.running_since_mono = time.monotonic()
                self.starts[cell] = self.running_since_mono
                if self.started_at is None:
                    self.started_at = self.running_since_mono
            elif kind == "end" and isinstance(cell, int):
                self.ends[cell] = ev
                self.running = None
            elif kind == "cells-done":
                self.cells_done = True
            elif kind == "export-done":
                self.export_done = True


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


def _fill_cells(cells: list[Cell], state: _Tail, outdir: Path) -> None:
    for cell in cells:
        if cell.cell_type != "code":
            continue
        out_file = outdir / f"out-{cell.index:04d}.txt"
        if out_file.is_file() and not out_file.is_symlink():
            with open(out_file, "rb") as fh:
                text = fh.read(256 * 1024).decode("utf-8", "replace")
            cell.output, cell.output_truncated = capture.cap_text(capture.strip_ansi(text), 64 * 1024)
        end = state.ends.get(cell.index)
        if end:
            status = end.get("status")
            cell.duration_s = float(end["seconds"]) if isinstance(end.get("seconds"), (int, float)) else None
            if status in ("ok", "error", "timeout"):
                cell.status = status
            err = end.get("error")
            if isinstance(err, dict):
                cell.error = ErrorInfo(ename=str(err.get("ename", ""))[:200], evalue=str(err.get("evalue", ""))[:4000],
                                       traceback=str(err.get("traceback", ""))[-20000:])
        elif cell.index in state.starts:
            if cell.status == "not-run":
                cell.status = "killed"
            cell.duration_s = time.monotonic() - state.starts[cell.index]
        elif cell.status == "not-run":
            cell.status = "skipped"


def _figures(figdir: Path, req: RunRequest):
    figures = []
    files = sorted(p for p in figdir.glob("cell*.png") if p.is_file() and not p.is_symlink())
    for path in files[: req.limits.max_figures]:
        try:
            cell_index = int(path.name[4:7])
            number = int(path.name[8:10])
        except ValueError:
            continue
        fig = capture.save_png(path.read_bytes(), cell_index=cell_index, number=number,
                               dest_dir=req.artifacts / "figures", rel_base=req.artifacts)
        if fig:
            figures.append(fig)
    return figures
