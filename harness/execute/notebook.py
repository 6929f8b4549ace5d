"""Notebook engine: a fresh Jupyter kernel per submission, inside the sandbox, driven by nbclient."""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

import nbformat
import inspect

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from harness.execute import capture
from harness.execute.engine import EngineResult, RunRequest, export_code, prologue_code, stage_inputs
from harness.execute.sandbox import SandboxPlan
from harness.execute.watchdog import Watchdog
from harness.models import Cell

KERNEL_PROBE_S = 15.0
# nbclient logs timeouts and interrupts as errors; they are expected here and recorded
# in the Execution, so keep them off the grader's terminal.
_LOG = logging.getLogger("labgrade.nbclient")
_LOG.setLevel(logging.CRITICAL)


def _wait(value):
    """Runs an awaitable to completion from synchronous code (jupyter's own loop helper)."""
    if not inspect.isawaitable(value):
        return value

    async def inner():
        return await value

    return run_sync(inner)()


class SandboxKernelManager(AsyncKernelManager):
    """An async KernelManager whose kernel command runs inside the sandbox plan.

    Async, because nbclient's polling assumes an async client: with a blocking client
    its output poll blocks the event loop and cell timeouts never fire.
    """

    sandbox: SandboxPlan | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        assert self.sandbox is not None
        return self.sandbox.command(["-m", "ipykernel_launcher", "-f", self.connection_file])

    @property
    def kernel_spec(self):
        # Interrupt through the control channel: a SIGINT to the launched process would
        # hit bwrap (another session and PID namespace), not the kernel inside.
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec


class CappedClient(NotebookClient):
    """nbclient with a cap on kept output, and a flag set on cell timeouts."""

    def __init__(self, *args, max_output_bytes: int, max_figures: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_output_bytes = max_output_bytes
        self.max_figures = max_figures
        self.used = 0
        self.images = 0
        self.truncated_cells: set[int] = set()
        self.timed_out = False

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        data = content.get("data", {}) if isinstance(content, dict) else {}
        if "image/png" in data:
            self.images += 1
            if self.images > self.max_figures:
                self.truncated_cells.add(cell_index)
                return None
            size = sum(len(str(v)) for k, v in data.items() if k != "image/png")
        else:
            size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in data.values())
            size += sum(len(str(line)) for line in content.get("traceback", []) or [])
        if self.used + size > self.max_output_bytes:
            if cell_index not in self.truncated_cells:
                self.truncated_cells.add(cell_index)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text=f"\n[labgrade: output cap of {self.max_output_bytes} bytes reached; further output dropped]\n"))
            return None
        self.used += size
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


def run(req: RunRequest) -> EngineResult:
    """Runs a notebook; always returns a result, whatever the notebook does."""
    from harness.execute.source import read_notebook

    nb = read_notebook(req.path)
    limits = req.limits
    t_start = time.monotonic()
    deadline = t_start + limits.total_timeout_s
    km = SandboxKernelManager(kernel_name="python3")
    km.sandbox = req.plan
    km.transport = req.plan.transport
    km.connection_file = str(req.ws.ctl / "kernel.json")
    if req.plan.transport == "ipc":
        km.ip = str(req.ws.ctl / "zmq")
    req.plan.chown = [km.connection_file]
    result = EngineResult(status="ok")
    cells = [Cell(index=i, cell_type=c.cell_type, source=str(c.source)) for i, c in enumerate(nb.cells)]
    result.cells = cells
    watchdog = None
    kc = None
    try:
        try:
            log = open(req.ws.ctl / "kernel.log", "wb")
            _wait(km.start_kernel(cwd=str(req.ws.work), env=req.plan.env, stdout=log, stderr=subprocess.STDOUT))
            log.close()
            watchdog = Watchdog(km.provisioner.process.pid, memory_mb=limits.memory_mb,
                                max_processes=limits.max_processes,
                                deadline=deadline + limits.export_timeout_s + 30)
            watchdog.start()
            kc = km.client()
            kc.start_channels()
            _wait(kc.wait_for_ready(timeout=limits.startup_timeout_s))
        except Exception as exc:
            result.status = "killed"
            result.detail = f"the kernel did not start: {type(exc).__name__}: {exc}"
            return result
        client = CappedClient(nb, km=km, allow_errors=True, interrupt_on_timeout=True, record_timing=True,
                              error_on_timeout={"ename": "CellTimeoutError",
                                                "evalue": "cell exceeded its time limit", "traceback": []},
                              max_output_bytes=limits.max_output_kb * 1024, max_figures=limits.max_figures,
                              shutdown_kernel="immediate", iopub_timeout=10, log=_LOG)
        client.kc = kc
        client.reset_execution_trackers()
        # Hidden prologue (not a student cell; its time counts as start-up).
        try:
            hidden, _ = _run_hidden(km, kc, prologue_code(req.prologue_cfg), limits.startup_timeout_s)
        except DeadKernelError:
            result.status, result.detail = "killed", "the kernel died during start-up (before the first cell)"
            return result
        result.startup_s = time.monotonic() - t_start
        _report_hidden_errors(hidden, result, "prologue")

        code_total = sum(1 for c in nb.cells if c.cell_type == "code")
        done = 0
        stop: str | None = None
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            rec = cells[i]
            if stop:
                rec.status = "skipped"
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                stop = "timeout"
                rec.status = "skipped"
                result.status, result.detail = "timeout", (
                    f"the submission's total time limit ({limits.total_timeout_s:.0f} s) was reached before "
                    f"cell {i}")
                continue
            done += 1
            if req.progress:
                req.progress(f"cell {done}/{code_total}")
            client.timeout = max(1, int(min(limits.cell_timeout_s, remaining)))
            client.timed_out = False
            t0 = time.monotonic()
            try:
                client.execute_cell(cell, i)
            except DeadKernelError:
                rec.status = "killed"
                stop = "killed"
            finally:
                rec.duration_s = time.monotonic() - t0
            _fill_cell(rec, cell, client)
            if stop == "killed":
                result.status = "killed"
                result.detail = f"the kernel died while running cell {i}"
                continue
            if client.timed_out:
                rec.status = "timeout"
                limit = client.timeout
                result.status = "timeout"
                result.detail = f"cell {i} ran past its time limit ({limit} s) and was interrupted"
                stop = "timeout"
                if not _kernel_responds(client):
                    result.detail += "; the kernel did not respond to the interrupt and was stopped"
                    stop = "unresponsive"
            elif rec.status == "error" and result.status == "ok":
                result.status = "error"
                result.detail = f"cell {i} raised {rec.error.ename if rec.error else 'an error'}"
        result.cells = cells
        result.figures = _collect_figures(nb, req)
        result.cell_of_count = {int(c.execution_count): i for i, c in enumerate(nb.cells)
                                if c.cell_type == "code" and c.get("execution_count")}
        result.output_truncated = bool(client.truncated_cells)
        # Export (only if the kernel is alive and responsive).
        if stop not in ("killed", "unresponsive") and _wait(km.is_alive()):
            outdir = req.ws.new_export_dir()
            req.ws.hand_over(req.plan.uid)
            spec = stage_inputs(req, outdir)
            try:
                export_cell, timed_out = _run_hidden(km, kc, export_code(spec, outdir, "get_ipython().user_ns"),
                                                     limits.export_timeout_s)
                _report_hidden_errors(export_cell, result, "export")
                manifest_path = outdir / "manifest.json"
                if manifest_path.is_file():
                    result.manifest = _read_manifest(manifest_path)
                    result.export_dir = outdir
                elif timed_out:
                    result.stdout += f"[labgrade] exporting took longer than {limits.export_timeout_s:.0f} s\n"
            except DeadKernelError:
                result.stdout += "[labgrade] the kernel died while exporting\n"
        try:
            req.artifacts.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(req.artifacts / "executed.ipynb"))
        except Exception as exc:
            result.stdout += f"[labgrade] could not save the executed notebook: {exc}\n"
        return result
    finally:
        if watchdog is not None:
            watchdog.stop()
            if watchdog.reason:
                result.status = {"memory": "memory", "timeout": "timeout"}.get(watchdog.reason, "killed")
                result.detail = f"stopped by the grader: {watchdog.detail}"
            result.peak_rss_mb = round(watchdog.peak_rss_mb, 1)
        result.stdout = _kernel_log(req.ws.ctl / "kernel.log") + result.stdout
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        try:
            _wait(km.shutdown_kernel(now=True))
        except Exception:
            pass
        if watchdog is not None:
            watchdog.kill_tree()
        try:
            _wait(km.cleanup_resources())
        except Exception:
            pass


def _fill_cell(rec: Cell, cell, client: CappedClient) -> None:
    outputs = cell.get("outputs", [])
    text = capture.text_of_outputs(outputs)
    rec.output, cut = capture.cap_text(text, 64 * 1024)
    rec.output_truncated = cut or rec.index in client.truncated_cells
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if rec.status in ("killed",):
        return
    if errors:
        rec.error = capture.error_from_output(errors[-1])
        rec.status = "error"
    else:
        rec.status = "ok"


def _run_hidden(km, kc, source: str, timeout: float):
    """Runs grader code in the kernel, outside the student's notebook (own one-cell client)."""
    cell = nbformat.v4.new_code_cell(source)
    client = CappedClient(nbformat.v4.new_notebook(cells=[cell]), km=km, allow_errors=True,
                          interrupt_on_timeout=True, max_output_bytes=1 << 20, max_figures=0,
                          error_on_timeout={"ename": "CellTimeoutError", "evalue": "timeout", "traceback": []},
                          timeout=max(1, int(timeout)), log=_LOG)
    client.kc = kc
    client.reset_execution_trackers()
    client.execute_cell(cell, 0, store_history=False)
    return cell, client.timed_out


def _kernel_responds(client: CappedClient) -> bool:
    try:
        _, timed_out = _run_hidden(client.km, client.kc, "pass", KERNEL_PROBE_S)
    except DeadKernelError:
        return False
    return not timed_out


def _collect_figures(nb, req: RunRequest):
    figures = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        n = 0
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png") if isinstance(out.get("data"), dict) else None
            if not png:
                continue
            fig = capture.save_png(png, cell_index=i, number=n, dest_dir=req.artifacts / "figures",
                                   rel_base=req.artifacts)
            if fig:
                n += 1
                figures.append(fig)
    return figures


def _kernel_log(path: Path, keep: int = 16384) -> str:
    """The tail of what the kernel process wrote outside cells (start-up noise, C-level output)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - keep))
            text = fh.read(keep).decode("utf-8", "replace")
    except OSError:
        return ""
    noise = ("NOTE: When using the `ipython kernel`", "To exit, you will have to", "\"quit\" from a client",
             "To read more about this", "To connect another client", "--existing kernel", "Ctrl-\\")
    lines = [line for line in text.splitlines() if line.strip() and not any(n in line for n in noise)]
    return "\n".join(lines) + ("\n" if lines else "")


def _report_hidden_errors(cell, result: EngineResult, what: str) -> None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            err = capture.error_from_output(out)
            result.stdout += f"[labgrade] {what} failed: {err.ename}: {err.evalue}\n"


def _read_manifest(path: Path) -> dict | None:
    import json

    if path.stat().st_size > 64 << 20:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None
