"""What both engines share: the request and result, the grader's clock, and the rules of a run.

The notebook engine (a Jupyter kernel) and the module engine (a runner process) differ
only in transport. The policy lives here, once: the time budget (cells get the total
limit minus a fixed export grace; the export gets that grace, inside the total), how
a watchdog verdict becomes a status, how the export manifest is read, and how the
in-sandbox sources are assembled.
"""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from harness.execute.capture import CHATTER
from harness.execute.channel import ChannelReport
from harness.execute.limits import Limits
from harness.execute.sandbox import SandboxPlan
from harness.untrusted import UntrustedDataError, load_json_file
from harness.execute.workspace import Workspace
from harness.models import Cell, Figure

ProgressFn = Callable[[str], None]

MAX_MANIFEST_BYTES = 64 << 20
# In-sandbox sources, in the order they are defined inside the boot function.
PROLOGUE_PARTS = ("common", "output", "channel", "figures", "trace", "prologue")
EXPORT_PARTS = ("common", "export")


@dataclass
class RunRequest:
    """Everything an engine needs to run one submission.

    Attributes:
        path: the submission file (already copied into the workspace).
        ws: the workspace (sealed: ownership settled).
        plan: the sandbox plan.
        limits: resource limits.
        prologue_cfg: configuration for the in-sandbox prologue (the trace descriptor is added by the engine).
        export_spec: contract names and the inputs callables are called on (paths inside the workspace).
        artifacts: where figures and the executed notebook are kept.
        progress: called with short status lines (cell i/n...).
    """

    path: Path
    ws: Workspace
    plan: SandboxPlan
    limits: Limits
    prologue_cfg: dict
    export_spec: dict
    artifacts: Path
    progress: ProgressFn | None = None


@dataclass
class EngineResult:
    """Raw outcome of an engine run, before it becomes an `Execution`.

    Attributes:
        status: execution status.
        detail: one sentence explaining it.
        cells: every cell with its outcome.
        figures: images captured.
        startup_s: kernel or process start-up time.
        manifest: the export manifest, sanitised (None when exporting did not happen).
        export_dir: folder holding the exported files.
        peak_rss_mb: peak memory of the tree.
        stdout: output not tied to a cell.
        output_truncated: True when the output cap dropped something.
        cell_of_count: IPython execution count -> cell index (the trace records counts).
        channel: what the trace channel delivered.
    """

    status: str
    detail: str = ""
    cells: list[Cell] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    startup_s: float = 0.0
    manifest: dict[str, Any] | None = None
    export_dir: Path | None = None
    peak_rss_mb: float | None = None
    stdout: str = ""
    output_truncated: bool = False
    cell_of_count: dict[int, int] | None = None
    channel: ChannelReport = field(default_factory=ChannelReport)


class Clock:
    """The grader's own clock for one run: every limit is measured here, never reported by the submission.

    Args:
        limits: the run's limits.
        start: `time.monotonic()` when the run started.
    """

    def __init__(self, limits: Limits, start: float | None = None) -> None:
        self.limits = limits
        self.start = time.monotonic() if start is None else start
        self.total_deadline = self.start + limits.total_timeout_s
        grace = min(limits.export_grace_s, limits.total_timeout_s / 2)
        self.cells_deadline = self.total_deadline - grace

    def cells_left(self) -> float:
        """Seconds left for cells."""
        return self.cells_deadline - time.monotonic()

    def cell_timeout(self) -> float:
        """The time limit of the next cell: its own limit, within what is left for cells."""
        return max(1.0, min(self.limits.cell_timeout_s, self.cells_left()))

    def export_timeout(self) -> float:
        """The time the export may take: the fixed grace, inside the total budget."""
        return max(1.0, min(self.limits.export_grace_s, self.total_deadline - time.monotonic()))

    def watchdog_deadline(self) -> float:
        """When the watchdog kills whatever is still running (a few seconds after the total)."""
        return self.total_deadline + 5.0

    def total_reached_detail(self, where: str) -> str:
        return f"the submission's total time limit ({self.limits.total_timeout_s:.0f} s) was reached {where}"


WATCHDOG_STATUS = {"memory": "memory", "timeout": "timeout", "disk": "disk", "processes": "killed"}


def apply_watchdog(result: EngineResult, reason: str | None, detail: str) -> None:
    """A watchdog verdict overrides whatever the run itself reported."""
    if reason:
        result.status = WATCHDOG_STATUS.get(reason, "killed")
        result.detail = f"stopped by the grader: {detail}"


def error_status(result: EngineResult) -> None:
    """An otherwise clean run with a failing cell has status ``error``."""
    if result.status == "ok":
        errors = [c for c in result.cells if c.status == "error"]
        if errors:
            result.status = "error"
            result.detail = f"cell {errors[0].index} raised {errors[0].error.ename if errors[0].error else 'an error'}"


def read_manifest(export_dir: Path | None, result: EngineResult) -> None:
    """Reads ``manifest.json`` of the export folder safely (no links, capped, sanitised)."""
    if export_dir is None:
        return
    path = export_dir / "manifest.json"
    try:
        data = load_json_file(path, max_bytes=MAX_MANIFEST_BYTES)
    except UntrustedDataError as exc:
        if path.exists() or path.is_symlink():
            result.stdout += f"[labgrade] the export manifest was ignored: {exc}\n"
        return
    if isinstance(data, dict):
        result.manifest = data
        result.export_dir = export_dir
    else:
        result.stdout += "[labgrade] the export manifest was ignored: not an object\n"


def inkernel_source(name: str) -> str:
    """Source text of a file in ``harness/execute/inkernel`` (sent to the sandbox)."""
    return resources.files("harness.execute.inkernel").joinpath(f"{name}.py").read_text(encoding="utf-8")


def boot_source(function: str, parts: tuple[str, ...], body: str) -> str:
    """One function holding the in-sandbox sources, so nothing they define lands in the notebook's namespace.

    Args:
        function: the wrapper's name (deleted after the call).
        parts: inkernel files, in definition order.
        body: the statements run at the end of the wrapper (indented here).
    """
    inner = "\n\n".join(inkernel_source(p) for p in parts) + "\n\n" + body
    return f"def {function}(__cfg):\n" + textwrap.indent(inner, "    ") + "\n"


def prologue_code(cfg: dict) -> str:
    """The hidden first cell: output cap, trace channel, trace hooks."""
    return (boot_source("_labgrade_boot", PROLOGUE_PARTS, "install(__cfg)\n")
            + f"_labgrade_boot(__import__('json').loads({json.dumps(json.dumps(cfg))}))\ndel _labgrade_boot\n")


def export_code(spec: dict, outdir: Path, namespace_expr: str) -> str:
    """The hidden last cell: exports the contract names into `outdir`."""
    return (boot_source("_labgrade_export", EXPORT_PARTS, "return export(__cfg['spec'], __cfg['outdir'], __cfg['ns'])\n")
            + f"_labgrade_export({{'spec': __import__('json').loads({json.dumps(json.dumps(spec))}), "
            + f"'outdir': {str(outdir)!r}, 'ns': {namespace_expr}}})\ndel _labgrade_export\n")


def runner_code() -> str:
    """The module runner script: prologue, export and the cell loop, in one function."""
    return (boot_source("_labgrade_runner", (*PROLOGUE_PARTS, "export", "modrunner"), "main(__cfg)\n")
            + "import sys\n_labgrade_runner(sys.argv[1])\n")


def prologue_config(req: RunRequest, trace_fd: int) -> dict:
    """The prologue's configuration: the request's settings plus the channel and the chatter filter."""
    return {**req.prologue_cfg, "trace_fd": trace_fd, "chatter": CHATTER.pattern}
