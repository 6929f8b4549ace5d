"""What an execution engine returns, and the pieces both engines share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from harness.execute.limits import Limits
from harness.execute.sandbox import SandboxPlan
from harness.execute.workspace import Workspace
from harness.models import Cell, Figure

ProgressFn = Callable[[str], None]


@dataclass
class RunRequest:
    """Everything an engine needs to run one submission.

    Attributes:
        path: the submission file (already copied into the workspace).
        ws: the workspace.
        plan: the sandbox plan.
        limits: resource limits.
        prologue_cfg: configuration for the in-kernel prologue.
        export_spec: contract names and callable inputs for the export step.
        export_inputs: files to place next to the export (label -> host path).
        artifacts: where figures and exported files are kept.
        progress: called with short status lines (cell i/n...).
    """

    path: Path
    ws: Workspace
    plan: SandboxPlan
    limits: Limits
    prologue_cfg: dict
    export_spec: dict
    export_inputs: dict[str, list[tuple[str, Path]]]
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
        manifest: the export manifest (None when exporting did not happen).
        export_dir: folder holding the exported files.
        peak_rss_mb: peak memory of the tree.
        stdout: output not tied to a cell.
        output_truncated: True when the output cap dropped something.
        cell_of_count: IPython execution count -> cell index (the trace records counts).
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


def inkernel_source(name: str) -> str:
    """Source text of a file in ``harness/execute/inkernel`` (sent to the sandbox, never imported)."""
    return resources.files("harness.execute.inkernel").joinpath(f"{name}.py").read_text(encoding="utf-8")


def prologue_code(cfg: dict) -> str:
    """The hidden first cell: installs the trace, output cap and overrides."""
    return (
        inkernel_source("prologue")
        + f"\n_labgrade_install(__import__('json').loads({json.dumps(json.dumps(cfg))}))\n"
        + "del _labgrade_install\n"
    )


def export_code(spec: dict, outdir: Path, namespace_expr: str) -> str:
    """The hidden last cell: exports the contract names into `outdir`."""
    return (
        inkernel_source("export")
        + f"\n_labgrade_export(__import__('json').loads({json.dumps(json.dumps(spec))}), "
        + f"{str(outdir)!r}, {namespace_expr})\n"
        + "del _labgrade_export\n"
    )


def stage_inputs(req: RunRequest, outdir: Path) -> dict:
    """Copies callable inputs next to the export and returns the spec with their paths."""
    import shutil

    spec = dict(req.export_spec)
    inputs: dict[str, list[dict]] = {}
    folder = outdir / "inputs"
    for name, items in req.export_inputs.items():
        inputs[name] = []
        for i, (label, host_path) in enumerate(items):
            folder.mkdir(exist_ok=True)
            dest = folder / f"{i:02d}{Path(host_path).suffix}"
            if not dest.exists():
                shutil.copyfile(host_path, dest)
            inputs[name].append({"label": label, "path": str(dest)})
    spec["inputs"] = inputs
    req.ws.hand_over(req.plan.uid) if folder.exists() else None
    return spec
