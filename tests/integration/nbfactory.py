"""Build tiny real notebooks and modules for integration tests, and run them."""

from __future__ import annotations

from pathlib import Path

import nbformat

from harness.data import DataSource
from harness.execute import Limits, execute
from harness.labs import get_lab
from harness.models import Execution, Submission

FAST = dict(cell_timeout_s=120, total_timeout_s=300, memory_mb=2048, startup_timeout_s=120, export_grace_s=60)


def notebook(path: Path, *cells: str, markdown: tuple[str, ...] = ()) -> Path:
    """Writes a notebook: optional markdown cells first, then one code cell per string."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(m) for m in markdown] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


def run(path: Path, data_root: Path, tmp_path: Path, *, lab: str = "dropout", sandbox: str = "auto",
        **limits) -> Execution:
    """Executes `path` for `lab` in quick mode with small limits."""
    sub = Submission.from_path(path, lab=lab)
    return execute(
        sub,
        artifacts_dir=tmp_path / "artifacts",
        limits=Limits.for_lab(get_lab(lab), quick=True, **{**FAST, **limits}),
        source=DataSource.resolve(data_root),
        quick=True,
        sandbox_mode=sandbox,
    )
