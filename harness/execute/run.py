"""`execute()`: one submission in, one `Execution` out, whatever happens in between."""

from __future__ import annotations

import datetime as _dt
import shutil
import time
import traceback
from pathlib import Path

from harness import __version__
from harness.data import DataSource
from harness.data import inputs as data_inputs
from harness.data.provision import provision
from harness.execute import collect, module, notebook, sandbox
from harness.execute.diagnose import diagnose
from harness.execute.engine import EngineResult, ProgressFn, RunRequest
from harness.execute.limits import Limits
from harness.execute.source import InvalidSubmission
from harness.execute.workspace import Workspace
from harness.labs import LabSpec, get_lab
from harness.models import Execution, Submission
from harness.serialize import write_atomic


def execute(
    submission: Submission,
    *,
    artifacts_dir: str | Path,
    lab: LabSpec | None = None,
    limits: Limits | None = None,
    source: DataSource | None = None,
    quick: bool = False,
    sandbox_mode: sandbox.SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    keep_workspace: bool = False,
    progress: ProgressFn | None = None,
) -> Execution:
    """Runs a submission in a sandbox and records everything it did.

    Never raises for anything the submission does: a bad file yields status
    ``invalid``, a crash ``error``/``killed``, a runaway ``timeout``/``memory``/``disk``.

    Args:
        submission: the file to run (see `Submission.from_path`).
        artifacts_dir: where figures, exported models, the executed notebook and
            ``execution.json`` are written.
        lab: the lab spec (default: the submission's lab).
        limits: resource limits (default: the lab's, for the mode).
        source: where data comes from (default: `DataSource.resolve()`).
        quick: provision the quick-mode (small) data.
        sandbox_mode: ``"auto"``, ``"bwrap"`` or ``"none"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        keep_workspace: leave the workspace on disk (for debugging); its path is
            recorded in the execution's stdout.
        progress: called with short progress lines.

    Returns:
        The `Execution`, also written to ``artifacts_dir/execution.json``.

    Raises:
        KeyError: unknown lab. SandboxUnavailable: ``sandbox_mode="bwrap"`` without bubblewrap.
    """
    lab = lab or get_lab(submission.lab)
    limits = limits or Limits.for_lab(lab, quick=quick)
    source = source or DataSource.resolve()
    uid = sandbox.sandbox_uid(sandbox_mode)  # raises before anything is created when isolation is required
    artifacts = Path(artifacts_dir)
    artifacts.mkdir(parents=True, exist_ok=True)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.monotonic()
    exe = Execution(submission=submission, status="ok", harness_version=__version__, started_at=started,
                    quick=quick, limits=limits.to_dict())
    path = Path(submission.path)
    ws = Workspace.create(uid=uid)
    try:
        provisioned = provision(lab.data, work_dir=ws.work, keras_home=ws.keras_home, source=source,
                                quick=quick, weights=weights)
        inputs = ws.stage_inputs({c.name: data_inputs.resolve(c.inputs, source) for c in lab.contract if c.inputs})
        plan = sandbox.plan(ws, limits, mode=sandbox_mode)
        exe.isolation = plan.isolation
        staged = ws.work / _safe_name(path.name, submission.kind)
        shutil.copyfile(path, staged)
        ws.seal()  # ownership settled: from here on nothing in the workspace is walked or followed
        req = RunRequest(
            path=staged, ws=ws, plan=plan, limits=limits,
            prologue_cfg={"max_output_bytes": limits.max_output_kb * 1024,
                          "block_network": plan.isolation.network != "none",
                          "weight_overrides": provisioned.weight_overrides},
            export_spec={"contract": [{"name": c.name, "kind": c.kind, "aliases": list(c.aliases)}
                                      for c in lab.contract],
                         "max_output_bytes": 65536, "inputs": inputs},
            artifacts=artifacts, progress=progress)
        engine = notebook if submission.kind == "notebook" else module
        try:
            result = engine.run(req)
        except InvalidSubmission as exc:
            result = EngineResult(status="invalid", detail=str(exc))
        _assemble(exe, result, lab, artifacts)
        for item, why in provisioned.missing.items():
            exe.stdout += f"[labgrade] data item {item!r} could not be provisioned: {why}\n"
        exe.environment.setdefault("provisioned", provisioned.summary)
    except Exception as exc:  # a harness failure still yields an Execution
        exe.status = "error" if exe.status == "ok" else exe.status
        exe.status_detail = f"internal grader error: {type(exc).__name__}: {str(exc)[:300]}"
        exe.stdout += traceback.format_exc()[-8000:]
    finally:
        exe.wall_time_s = round(time.monotonic() - t0, 3)
        if keep_workspace:
            exe.stdout += f"[labgrade] workspace kept at {ws.root}\n"
        else:
            for problem in ws.cleanup():
                exe.stdout += f"[labgrade] could not remove from the workspace: {problem}\n"
    write_atomic(artifacts / "execution.json", exe.to_json())
    return exe


def _assemble(exe: Execution, result: EngineResult, lab: LabSpec, artifacts: Path) -> None:
    exe.status = result.status  # type: ignore[assignment]
    exe.status_detail = result.detail
    exe.cells = result.cells
    exe.figures = result.figures
    for idx, fig in enumerate(exe.figures):
        if 0 <= fig.cell_index < len(exe.cells):
            exe.cells[fig.cell_index].figures.append(idx)
    exe.startup_s = round(result.startup_s, 3)
    exe.cell_time_s = round(sum(c.duration_s or 0.0 for c in exe.cells), 3)
    exe.peak_rss_mb = result.peak_rss_mb
    exe.stdout += result.stdout
    exe.integrity = collect.integrity_of(result.channel)
    exe.trace, exe.figure_data, problems = collect.trace_from_events(result.channel.events, result.cell_of_count)
    exe.integrity.problems += problems[:20]
    for ev in result.channel.events:
        if ev.get("t") == "keras":
            exe.environment.setdefault("keras_seen", str(ev.get("version", ""))[:40])
        elif ev.get("t") == "error":
            exe.stdout += f"[labgrade] trace: {str(ev.get('what', ''))[:300]}\n"
    exe.exports = collect.exports_from_manifest(result.manifest, result.export_dir, lab, artifacts)
    if result.manifest:
        env = result.manifest.get("environment")
        exe.environment = {**(env if isinstance(env, dict) else {}), **exe.environment}
    if exe.status in ("ok", "error") and any(c.error and c.error.ename == "MemoryError" for c in exe.cells):
        exe.status, exe.status_detail = "memory", "a cell raised MemoryError (the memory limit was reached)"
    exe.diagnoses = diagnose(exe.cells, exe.trace)


def _safe_name(name: str, kind: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(name).stem)[:80] or "submission"
    return f"{stem}{'.ipynb' if kind == 'notebook' else '.py'}"
