"""Batch grading throughput: submissions per minute at ``jobs=1`` and ``jobs=2``, and the Dask path's overhead.

A class of identical trivial notebooks (distinct file names and bytes, so none is
skipped as already graded) is graded with `harness.api.grade` in quick mode:
local pool with 1 and 2 workers, then a Dask ``LocalCluster`` with the same worker
counts. Each configuration grades into a fresh results folder. Numbers come from one
process, back to back, so their ratios are comparable even on a shared machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from harness.api import grade
from harness.batch.progress import Progress
from harness.measure.overhead import write_notebook


def make_class(folder: Path, n: int) -> list[Path]:
    """`n` trivial notebooks ``s00.ipynb``... (each with a different constant)."""
    return [write_notebook(Path(folder) / f"s{i:02d}.ipynb", (f"x = {i}",)) for i in range(n)]


def grade_class(paths: list[Path], *, out: Path, lab: str, jobs: int, cluster: str | None,
                data_root: str | Path | None, sandbox: str) -> dict:
    """Grades `paths` once; returns wall time, submissions/minute and per-submission task times."""

    t0 = time.perf_counter()
    summary = grade([*paths], lab=lab, out=out, quick=True, jobs=jobs, cluster=cluster, force=True,
                    data_root=data_root, sandbox=sandbox, progress=Progress(len(paths), stream=_Null()))
    wall = time.perf_counter() - t0
    if summary.failed or len(summary.graded) != len(paths):
        raise RuntimeError(f"batch of {len(paths)} graded {len(summary.graded)}, failed {sorted(summary.failed)}: "
                           f"{next(iter(summary.failed.values()), '')[-500:]}")
    task = list(summary.per_submission_s.values())
    return {"wall_s": wall, "batch_wall_s": summary.wall_s, "submissions": len(paths),
            "per_minute": 60.0 * len(paths) / wall, "task_s_median": statistics.median(task), "task_s": task}


class _Null:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def batch_throughput(*, n: int = 20, lab: str = "dropout", data_root: str | Path | None = None,
                     sandbox: str = "auto", configs: tuple[tuple[int, str | None], ...] = (
                         (1, None), (2, None), (1, "local"), (2, "local"))) -> dict:
    """Grades a class of `n` trivial notebooks in each configuration ``(jobs, cluster)``.

    Returns:
        ``runs`` (one entry per configuration, keyed ``local-j1``, ``dask-j2``...),
        ``speedup_jobs2`` (submissions/minute at jobs 2 over jobs 1, local pool),
        ``dask_overhead_per_submission_s`` per worker count: (Dask wall - local wall) / n,
        and the same from the median task time.
    """
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-batch-") as tmp:
        paths = make_class(Path(tmp) / "class", n)
        for jobs, cluster in configs:
            key = f"{'dask' if cluster else 'local'}-j{jobs}"
            runs[key] = grade_class(paths, out=Path(tmp) / key, lab=lab, jobs=jobs, cluster=cluster,
                                    data_root=data_root, sandbox=sandbox)
    out: dict = {"n": n, "lab": lab, "sandbox": sandbox, "runs": runs}
    if "local-j1" in runs and "local-j2" in runs:
        out["speedup_jobs2"] = runs["local-j2"]["per_minute"] / runs["local-j1"]["per_minute"]
    for jobs in (1, 2):
        local, dask = runs.get(f"local-j{jobs}"), runs.get(f"dask-j{jobs}")
        if local and dask:
            out[f"dask_overhead_per_submission_s_j{jobs}"] = (dask["wall_s"] - local["wall_s"]) / n
            out[f"dask_task_overhead_s_j{jobs}"] = dask["task_s_median"] - local["task_s_median"]
    return out
