"""The Python API: keyword-only functions, one per verb. The CLI is a thin layer over these.

Each function takes plain values (paths, ids, numbers) so that a notebook, a script
or the CLI can call it the same way, and returns the stage value it produced.
"""

from __future__ import annotations

from pathlib import Path

from harness.data import DataSource
from harness.execute import Limits, execute
from harness.execute.engine import ProgressFn
from harness.execute.sandbox import SandboxMode
from harness.labs import get_lab
from harness.models import Execution, Submission


def run(
    path: str | Path,
    *,
    lab: str,
    out: str | Path = "reports/run",
    quick: bool = False,
    data_root: str | Path | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    memory_mb: int | None = None,
    sandbox: SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    student_id: str | None = None,
    progress: ProgressFn | None = None,
) -> Execution:
    """Executes one submission in the sandbox and captures everything (no grading).

    Args:
        path: a ``.ipynb`` notebook or ``.py`` module.
        lab: lab id (see `harness.labs.LABS`).
        out: folder for results; the run goes to ``out/<student_id>/``.
        quick: provision the lab's small quick-mode data.
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache).
        timeout: per-submission wall-clock limit in seconds (default: the lab's).
        cell_timeout: per-cell wall-clock limit in seconds (default: the lab's).
        memory_mb: resident-memory limit of the submission's processes.
        sandbox: ``"auto"`` (bubblewrap when available), ``"bwrap"`` or ``"none"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        student_id: defaults to the file name's stem.
        progress: called with short progress lines.

    Returns:
        The Execution (also written to ``out/<student_id>/execution.json``).
    """
    spec = get_lab(lab)
    submission = Submission.from_path(path, lab=lab, student_id=student_id)
    limits = Limits.for_lab(spec, quick=quick, total_timeout_s=timeout, cell_timeout_s=cell_timeout,
                            memory_mb=memory_mb)
    return execute(
        submission,
        artifacts_dir=Path(out) / submission.student_id,
        lab=spec,
        limits=limits,
        source=DataSource.resolve(data_root),
        quick=quick,
        sandbox_mode=sandbox,
        weights=weights,
        progress=progress,
    )
