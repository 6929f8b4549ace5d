"""Notebook engine: a fresh Jupyter kernel per submission, inside the sandbox, driven by nbclient.

Transport only: the time budget, status rules and manifest reading are `engine`'s.
What is specific here: the kernel runs inside the sandbox plan with the trace channel
passed in; every message from it is parsed with bounds (size, nesting) and counted
against the output cap (text, every mime type, metadata, comm traffic, number of
outputs); images are validated and counted separately.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import logging
import subprocess
import time

import nbformat
import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from harness.execute import capture, engine
from harness.execute.channel import TraceChannel
from harness.execute.engine import Clock, EngineResult, RunRequest
from harness.execute.sandbox import SandboxPlan
from harness.execute.source import read_notebook
from harness.untrusted import read_text_tail
from harness.execute.watchdog import Watchdog
from harness.models import Cell

KERNEL_PROBE_S = 15.0
MAX_MESSAGE_BYTES = 64 << 20
MAX_MESSAGE_DEPTH = 48
MAX_IMAGE_BYTES = 48 << 20
# nbclient logs timeouts and interrupts as errors; they are expected here and recorded
# in the Execution, so keep them off the grader's terminal.
_LOG = logging.getLogger("labgrade.nbclient")
_LOG.setLevel(logging.CRITICAL)


class MalformedKernelMessage(ValueError):
    """The kernel sent a message the grader refuses to process (too deep, not JSON)."""


def _wait(value):
    """Runs an awaitable to completion from synchronous code (jupyter's own loop helper)."""
    if not inspect.isawaitable(value):
        return value

    async def inner():
        return await value

    return run_sync(inner)()


def safe_unpack(data: bytes):
    """Session unpacker for messages from a sandboxed kernel: bounded depth, finite numbers."""
    try:
        value = json.loads(data, parse_constant=lambda name: None)
    except RecursionError:
        raise MalformedKernelMessage("a message nested too deeply") from None
    except ValueError as exc:
        raise MalformedKernelMessage(f"a message that is not valid JSON ({str(exc)[:80]})") from None
    stack = [(value, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_MESSAGE_DEPTH or nodes > 500_000:
            raise MalformedKernelMessage("a message nested too deeply or with too many parts")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return value


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


def _content_size(content) -> int:
    """An estimate of what keeping a message costs: every string, every mime type, metadata."""
    total = 0
    stack = [content]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            total += len(node)
        elif isinstance(node, dict):
            total += 8 * len(node)
            stack.extend(node.values())
            stack.extend(k for k in node if isinstance(k, str))
        elif isinstance(node, list):
            total += 4 * len(node)
            stack.extend(node)
        else:
            total += 8
    return total


class CappedClient(NotebookClient):
    """nbclient with a cap on everything kept from the kernel, and a flag set on cell timeouts.

    Every message other than status bookkeeping counts against `max_output_bytes` (at
    least 100 bytes each, so thousands of empty outputs count too); PNG images count
    against their own budget and must be real PNGs within the pixel cap.
    """

    def __init__(self, *args, max_output_bytes: int, max_figures: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_output_bytes = max_output_bytes
        self.max_figures = max_figures
        self.used = 0
        self.image_bytes = 0
        self.images = 0
        self.truncated_cells: set[int] = set()
        self.timed_out = False

    def process_message(self, msg, cell, cell_index):
        msg_type = msg.get("msg_type")
        if msg_type in ("status", "execute_input", "execute_reply", "shutdown_reply"):
            return super().process_message(msg, cell, cell_index)
        content = msg.get("content") if isinstance(msg.get("content"), dict) else {}
        data = content.get("data")
        if isinstance(data, dict) and "image/png" in data:
            self._check_image(data, cell_index)
        size = 100 + _content_size(content) + _content_size(msg.get("metadata"))
        if self.used + size > self.max_output_bytes:
            self._truncate(cell, cell_index)
            return None
        self.used += size
        return super().process_message(msg, cell, cell_index)

    def _check_image(self, data: dict, cell_index: int) -> None:
        png = data.get("image/png")
        raw = b""
        if isinstance(png, str) and len(png) < MAX_IMAGE_BYTES:
            try:
                raw = base64.b64decode(png[:200], validate=False)
            except (binascii.Error, ValueError):
                raw = b""
        width, height = capture.png_size(raw)
        ok = bool(width and height and width * height <= capture.MAX_FIGURE_PIXELS)
        self.images += 1
        if ok and self.images <= self.max_figures and self.image_bytes + len(png) <= MAX_IMAGE_BYTES:
            self.image_bytes += len(png)
            return
        data.pop("image/png")  # kept as text only: not a PNG, too large, or past the figure cap
        self.truncated_cells.add(cell_index)

    def _truncate(self, cell, cell_index: int) -> None:
        if cell_index in self.truncated_cells:
            return
        self.truncated_cells.add(cell_index)
        cell.outputs.append(nbformat.v4.new_output(
            "stream", name="stderr",
            text=f"\n[labgrade: output cap of {self.max_output_bytes} bytes reached; further output dropped]\n"))

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


def _client(nb, km, timeout: float, *, max_output_bytes: int, max_figures: int) -> CappedClient:
    return CappedClient(nb, km=km, allow_errors=True, interrupt_on_timeout=True, record_timing=True,
                        error_on_timeout={"ename": "CellTimeoutError", "evalue": "cell exceeded its time limit",
                                          "traceback": []},
                        max_output_bytes=max_output_bytes, max_figures=max_figures, shutdown_kernel="immediate",
                        iopub_timeout=10, store_widget_state=False, timeout=max(1, int(timeout)), log=_LOG)


def run(req: RunRequest) -> EngineResult:
    """Runs a notebook; always returns a result, whatever the notebook does."""
    nb = read_notebook(req.path)
    limits = req.limits
    clock = Clock(limits)
    km = SandboxKernelManager(kernel_name="python3")
    km.sandbox = req.plan
    km.transport = req.plan.transport
    km.connection_file = str(req.ws.ctl / "kernel.json")
    if req.plan.transport == "ipc":
        km.ip = str(req.ws.ipc / "zmq")
    km.session.unpack = safe_unpack
    km.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    req.plan.chown = [km.connection_file]
    result = EngineResult(status="ok")
    result.cells = [Cell(index=i, cell_type=c.cell_type, source=str(c.source)) for i, c in enumerate(nb.cells)]
    channel = TraceChannel()
    watchdog = None
    kc = None
    try:
        try:
            with open(req.ws.ctl / "kernel.log", "wb") as log:
                _wait(km.start_kernel(cwd=str(req.ws.work), env=req.plan.env, stdout=log, stderr=subprocess.STDOUT,
                                      pass_fds=(channel.write_fd,)))
            channel.started_child()
            channel.start()
            watchdog = Watchdog(km.provisioner.process.pid, limits=limits, workspace=req.ws.root,
                                deadline=clock.watchdog_deadline())
            watchdog.start()
            kc = km.client()
            kc.start_channels()
            _wait(kc.wait_for_ready(timeout=limits.startup_timeout_s))
            req.ws.lock(req.ws.ipc)  # the kernel's sockets are bound: nothing may be renamed there any more
        except Exception as exc:
            result.status = "killed"
            result.detail = f"the kernel did not start: {type(exc).__name__}: {str(exc)[:300]}"
            return result
        client = _client(nb, km, limits.cell_timeout_s, max_output_bytes=limits.max_output_kb * 1024,
                         max_figures=limits.max_figures)
        client.kc = kc
        client.reset_execution_trackers()
        try:
            cfg = engine.prologue_config(req, channel.child_fd)
            hidden, _ = _run_hidden(km, kc, engine.prologue_code(cfg), limits.startup_timeout_s)
        except (DeadKernelError, MalformedKernelMessage):
            result.status, result.detail = "killed", "the kernel died during start-up (before the first cell)"
            return result
        channel.wait_for(lambda e: e.get("t") == "ready", timeout=10)
        channel.seal_hello()
        result.startup_s = time.monotonic() - clock.start
        _report_hidden_errors(hidden, result, "prologue")
        stop = _run_cells(nb, client, result, clock, req)
        result.figures = _collect_figures(nb, req)
        result.cell_of_count = {int(c.execution_count): i for i, c in enumerate(nb.cells)
                                if c.cell_type == "code" and isinstance(c.get("execution_count"), int)}
        result.output_truncated = bool(client.truncated_cells)
        if stop not in ("killed", "unresponsive", "malformed") and _wait(km.is_alive()):
            _export(km, kc, req, clock, result)
        try:
            req.artifacts.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(req.artifacts / "executed.ipynb"))
        except Exception as exc:
            result.stdout += f"[labgrade] could not save the executed notebook: {str(exc)[:200]}\n"
        return result
    finally:
        # Threads, atexit hooks and daemons do not extend a run: the tree is killed now.
        if watchdog is not None:
            watchdog.stop()
            engine.apply_watchdog(result, watchdog.reason, watchdog.detail)
            result.peak_rss_mb = round(watchdog.peak_rss_mb, 1)
            watchdog.kill_tree()
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
        result.channel = channel.close()
        result.stdout = _kernel_log(req) + result.stdout


def _run_cells(nb, client: CappedClient, result: EngineResult, clock: Clock, req: RunRequest) -> str | None:
    """Runs every code cell under the grader's clock; returns why it stopped early, if it did."""
    code_total = sum(1 for c in nb.cells if c.cell_type == "code")
    done = 0
    stop: str | None = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        rec = result.cells[i]
        if stop:
            rec.status = "skipped"
            continue
        if clock.cells_left() <= 1:
            stop = "timeout"
            rec.status = "skipped"
            result.status, result.detail = "timeout", clock.total_reached_detail(f"before cell {i}")
            continue
        done += 1
        if req.progress:
            req.progress(f"cell {done}/{code_total}")
        client.timeout = int(clock.cell_timeout())
        client.timed_out = False
        t0 = time.monotonic()
        try:
            client.execute_cell(cell, i)
        except DeadKernelError:
            rec.status = "killed"
            stop = "killed"
        except MalformedKernelMessage as exc:
            rec.status = "error"
            stop = "malformed"
            result.status = "error"
            result.detail = f"cell {i}: the kernel sent {exc}; the run was stopped"
        except Exception as exc:  # nbclient failing on something the kernel sent
            rec.status = "error"
            stop = "malformed"
            result.status = "error"
            result.detail = f"cell {i}: running it failed ({type(exc).__name__}); the run was stopped"
        finally:
            rec.duration_s = time.monotonic() - t0
        _fill_cell(rec, cell, client)
        if stop == "killed":
            result.status = "killed"
            result.detail = f"the kernel died while running cell {i}"
            continue
        if client.timed_out:
            rec.status = "timeout"
            result.status = "timeout"
            result.detail = f"cell {i} ran past its time limit ({client.timeout} s) and was interrupted"
            stop = "timeout"
            if not _kernel_responds(client):
                result.detail += "; the kernel did not respond to the interrupt and was stopped"
                stop = "unresponsive"
    engine.error_status(result)
    return stop


def _export(km, kc, req: RunRequest, clock: Clock, result: EngineResult) -> None:
    outdir = req.ws.new_export_dir()
    try:
        cell, timed_out = _run_hidden(km, kc, engine.export_code(req.export_spec, outdir, "get_ipython().user_ns"),
                                      clock.export_timeout())
    except (DeadKernelError, MalformedKernelMessage):
        result.stdout += "[labgrade] the kernel died while exporting\n"
        return
    _report_hidden_errors(cell, result, "export")
    if timed_out:
        result.stdout += f"[labgrade] exporting took longer than {clock.export_timeout():.0f} s\n"
    engine.read_manifest(outdir, result)


def _fill_cell(rec: Cell, cell, client: CappedClient) -> None:
    outputs = cell.get("outputs", [])
    text = capture.text_of_outputs(outputs)
    rec.output, cut = capture.cap_text(text, 64 * 1024)
    rec.output_truncated = cut or rec.index in client.truncated_cells
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if rec.status in ("killed", "error"):
        if errors:
            rec.error = capture.error_from_output(errors[-1])
        return
    if errors:
        rec.error = capture.error_from_output(errors[-1])
        rec.status = "error"
    else:
        rec.status = "ok"


def _run_hidden(km, kc, source: str, timeout: float):
    """Runs grader code in the kernel, outside the student's notebook (own one-cell client)."""
    cell = nbformat.v4.new_code_cell(source)
    client = _client(nbformat.v4.new_notebook(cells=[cell]), km, timeout, max_output_bytes=1 << 20, max_figures=0)
    client.kc = kc
    client.reset_execution_trackers()
    client.execute_cell(cell, 0, store_history=False)
    return cell, client.timed_out


def _kernel_responds(client: CappedClient) -> bool:
    try:
        _, timed_out = _run_hidden(client.km, client.kc, "pass", KERNEL_PROBE_S)
    except (DeadKernelError, MalformedKernelMessage):
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


_KERNEL_NOISE = ("NOTE: When using the `ipython kernel`", "To exit, you will have to", "\"quit\" from a client",
                 "To read more about this", "To connect another client", "--existing kernel", "Ctrl-\\",
                 "Kernel is running over TCP without encryption")


def _kernel_log(req: RunRequest, keep: int = 16384) -> str:
    """The tail of what the kernel process wrote outside cells (start-up noise and chatter removed)."""
    text = capture.strip_chatter(read_text_tail(req.ws.ctl / "kernel.log", keep=keep))
    lines = [line for line in text.splitlines() if line.strip() and not any(n in line for n in _KERNEL_NOISE)]
    return "\n".join(lines) + ("\n" if lines else "")


def _report_hidden_errors(cell, result: EngineResult, what: str) -> None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            err = capture.error_from_output(out)
            result.stdout += f"[labgrade] {what} failed: {err.ename}: {err.evalue[:300]}\n"
