"""Regrading speed: a rubric change applied to a graded class, against grading it again.

A class of `n` real submissions (the lab's reference-quality sample, each with its own
random seed, so every file differs and every run trains on the lab's real data) is
graded once with `harness.api.grade`; the per-submission task time is the cost a rubric
change used to have. Then one item's points are doubled in a copy of the rubric and the
class is regraded with `harness.api.regrade` (stored execution, trace and measurements;
reports re-rendered). Both happen in one process, back to back, so the ratio is
comparable on a shared machine.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from harness import api
from harness.batch.progress import Progress
from harness.labs import PROJECT_ROOT, get_lab
from harness.measure.batch import _Null

SEED = re.compile(r"set_random_seed\(\s*\d+\s*\)")


def make_real_class(folder: Path, n: int, *, lab: str) -> list[Path]:
    """`n` copies of ``submissions/<lab>/correct.*`` with seeds 1..n (distinct bytes, distinct runs)."""
    sample = next(p for p in sorted((PROJECT_ROOT / "submissions" / lab).glob("correct.*")))
    text = sample.read_text(encoding="utf-8")
    if not SEED.search(text):
        raise ValueError(f"{sample} sets no keras.utils.set_random_seed(...) to vary")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"s{i:02d}{sample.suffix}"
        path.write_text(SEED.sub(f"set_random_seed({i + 1})", text), encoding="utf-8")
        paths.append(path)
    return paths


def doubled_rubric(lab: str, folder: Path) -> Path:
    """The lab's rubric with its first item that has points doubled (an instructor's typical edit)."""
    text = get_lab(lab).rubric_path.read_text(encoding="utf-8")
    changed, n = re.subn(r"(?m)^points = (\d+(?:\.\d+)?)$", lambda m: f"points = {float(m.group(1)) * 2:g}", text,
                         count=1)
    if not n:
        raise ValueError(f"no 'points = N' line in the {lab} rubric")
    path = Path(folder) / f"{lab}-changed.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def regrade_speed(*, n: int = 20, lab: str = "dropout", quick: bool = True, jobs: int = 2,
                  data_root: str | Path | None = None, sandbox: str = "auto") -> dict:
    """Grades `n` real submissions, then regrades them after a rubric change.

    Returns:
        ``grade_wall_s`` and ``grade_task_s`` (per submission, as the workers measured),
        ``regrade_wall_s`` and ``regrade_s_per_submission`` (reports re-rendered), and
        ``speedup`` = median task time / regrade time per submission (one worker
        regrading against one worker executing).
    """
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-regrade-") as tmp:
        paths = make_real_class(Path(tmp) / "class", n, lab=lab)
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        summary = api.grade(paths, lab=lab, out=out, quick=quick, jobs=jobs, data_root=data_root, sandbox=sandbox,
                            progress=Progress(n, stream=_Null()))
        grade_wall = time.perf_counter() - t0
        if summary.failed:
            raise RuntimeError(f"{len(summary.failed)} of {n} failed: {next(iter(summary.failed.values()))[-400:]}")
        t0 = time.perf_counter()
        again = api.regrade(out, rubric=doubled_rubric(lab, Path(tmp)), data_root=data_root)
        regrade_wall = time.perf_counter() - t0
        if again.problems or again.needs_rerun or len(again.regraded) != n:
            raise RuntimeError(f"regrade: {again.problems[:3]} {again.needs_rerun}")
    task = list(summary.per_submission_s.values())
    per_sub = regrade_wall / n
    return {"n": n, "lab": lab, "quick": quick, "jobs": jobs, "grade_wall_s": round(grade_wall, 2),
            "grade_task_s": [round(t, 2) for t in task], "grade_task_s_median": round(statistics.median(task), 2),
            "regrade_wall_s": round(regrade_wall, 3), "regrade_s_per_submission": round(per_sub, 4),
            "speedup": round(statistics.median(task) / per_sub, 1)}
