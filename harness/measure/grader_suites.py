"""Benchmark suites that run the grader itself (they need the Jupyter stack).

* ``harness``: per-submission harness overhead beyond a bare kernel start-up, with
  bubblewrap and without; the grader's own peak RSS.
* ``batch``: submissions/minute at jobs 1 and 2; Dask ``LocalCluster`` overhead.
* ``regrade``: a rubric change applied to a graded class of real submissions
  (``labgrade regrade``) against executing them again.

``labgrade bench`` passes `GRADER_SUITES` to `harness.measure.runner.bench`; the headless
``python -m harness.measure`` (GPU images without Jupyter) does not import this module.
"""

from __future__ import annotations

from pathlib import Path

from harness.measure.batch import batch_throughput
from harness.measure.overhead import grader_peak_rss, overhead
from harness.measure.regrade import regrade_speed
from harness.measure.results import Measurement
from harness.measure.runner import GraderSuite, Progress


def harness_measurements(*, repeats: int = 10, data_root: str | Path | None = None,
                         progress: Progress | None = None) -> list[Measurement]:
    """Harness overhead (bwrap and none) and the grader's peak RSS, as measurements."""

    ov = overhead(repeats=repeats, data_root=data_root)
    kernel = ov["kernel_startup_s"]
    out = [Measurement("kernel_startup_s", "s", kernel["median"], False, kernel["median"], ov["raw"]["kernel_startup_s"],
                       info={"definition": "bare jupyter_client python3 kernel: start to kernel_info reply (median)"})]
    for mode in ("bwrap", "none"):
        r = ov.get(mode, {})
        if "beyond_cells_s" not in r:
            continue
        beyond = r["beyond_cells_s"]
        out.append(Measurement(f"harness_beyond_cells_{mode}_s", "s", beyond["median"], False, beyond["median"],
                               [x["wall_s"] - x["cell_time_s"] for x in ov["raw"][mode]],
                               info={"definition": "execute() wall time minus time inside cells, trivial notebook "
                                                   f"(median of {repeats}), sandbox_mode={mode!r}",
                                     "wall_s": r["wall_s"], "startup_s": r["startup_s"], "cell_time_s": r["cell_time_s"]}))
        out.append(Measurement(f"harness_overhead_{mode}_s", "s", r["overhead_beyond_kernel_s"], False,
                               r["overhead_beyond_kernel_s"], compare=False,
                               info={"definition": "median(execute wall - cells) - median(bare kernel start-up); "
                                                   "target <= 0.5 s (issue 2)", "target_s": 0.5}))
        if progress:
            progress(f"harness overhead ({mode}): {r['overhead_beyond_kernel_s']:.3f} s beyond a "
                     f"{kernel['median']:.3f} s bare kernel start-up")
    for grade in (False, True):
        rss = grader_peak_rss(data_root=data_root, grade=grade)
        name = "grader_peak_rss_grade_mb" if grade else "grader_peak_rss_mb"
        out.append(Measurement(name, "MB", rss["peak_rss_mb"], False, compare=not grade,
                               info={**rss, "definition": f"peak RSS of the grader process during {rss['what']} of a "
                                                          "notebook training a small MLP (kernel not counted); "
                                                          "target < 300 MB (issue 2)"}))
        if progress:
            progress(f"{name}: {rss['peak_rss_mb']:.0f} MB ({rss['what']})")
    return out


def batch_measurements(*, n: int = 20, data_root: str | Path | None = None,
                       progress: Progress | None = None) -> list[Measurement]:
    """Submissions/minute at jobs 1 and 2 (local pool), the speed-up, and the Dask overhead."""

    b = batch_throughput(n=n, data_root=data_root)
    out = []
    for key, run in b["runs"].items():
        out.append(Measurement(f"batch_{key.replace('-', '_')}_per_min", "submissions/min", run["per_minute"], True,
                               compare=key.startswith("local"),
                               info={"submissions": n, "wall_s": run["wall_s"], "task_s_median": run["task_s_median"],
                                     "definition": f"{n} trivial notebooks graded with api.grade(quick=True)"}))
    if "speedup_jobs2" in b:
        out.append(Measurement("batch_speedup_jobs2", "x", b["speedup_jobs2"], True, compare=False,
                               info={"definition": "submissions/min at jobs=2 over jobs=1; target >= 1.8 on 2 cores"}))
    for jobs in (1, 2):
        key = f"dask_overhead_per_submission_s_j{jobs}"
        if key in b:
            out.append(Measurement(f"dask_overhead_j{jobs}_s", "s", b[key], False, compare=False,
                                   info={"definition": "(Dask LocalCluster wall - local pool wall) / submissions, "
                                                       f"{jobs} worker(s); target <= 1 s",
                                         "task_overhead_s": b[f"dask_task_overhead_s_j{jobs}"]}))
    if progress:
        progress("batch: " + ", ".join(f"{m.name}={m.value:.3g}" for m in out))
    return out


def regrade_measurements(*, n: int = 20, data_root: str | Path | None = None,
                         progress: Progress | None = None) -> list[Measurement]:
    """Seconds per submission to regrade after a rubric change, to grade (execute) it, and their ratio."""
    r = regrade_speed(n=n, data_root=data_root)
    definition = (f"{n} real {r['lab']} submissions (quick mode, distinct seeds) graded with api.grade(jobs="
                  f"{r['jobs']}), then one item's points doubled and api.regrade(out, rubric=...) run")
    out = [Measurement("regrade_s_per_submission", "s", r["regrade_s_per_submission"], False, compare=False,
                       info={"definition": definition, "regrade_wall_s": r["regrade_wall_s"]}),
           Measurement("grade_task_s_median", "s", r["grade_task_s_median"], False, compare=False,
                       info={"definition": definition, "grade_wall_s": r["grade_wall_s"],
                             "task_s": r["grade_task_s"]}),
           Measurement("regrade_speedup", "x", r["speedup"], True, compare=False,
                       info={"definition": "median grading task time / regrade time per submission; target >= 50"})]
    if progress:
        progress("regrade: " + ", ".join(f"{m.name}={m.value:.3g}" for m in out))
    return out



GRADER_SUITES: dict[str, GraderSuite] = {
    "harness": lambda *, repeats, batch_n, data_root, progress: harness_measurements(
        repeats=repeats, data_root=data_root, progress=progress),
    "batch": lambda *, repeats, batch_n, data_root, progress: batch_measurements(
        n=batch_n, data_root=data_root, progress=progress),
    "regrade": lambda *, repeats, batch_n, data_root, progress: regrade_measurements(
        n=batch_n, data_root=data_root, progress=progress),
}
