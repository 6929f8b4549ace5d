"""Running a batch: decide what is left to grade, dispatch it, commit results, write class outputs."""

from __future__ import annotations

import json
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator

from harness import __version__
from harness.batch.progress import Progress
from harness.batch.store import ResultKey, ResultStore
from harness.batch.task import grade_task
from harness.discover import Discovery
from harness.grading import safe_id
from harness.labs import get_lab
from harness.serialize import write_atomic

MAX_WORKER_RESTARTS = 5


@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes:
        graded: submission ids graded in this run.
        skipped: ids whose stored result matched (not regraded).
        failed: id -> traceback, when grading itself failed (the submission's own
            failures are grades, not failures).
        problems: discovery problems (duplicates, unreadable files...).
        wall_s: wall time of the run.
        per_submission_s: id -> wall time of its task.
    """

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    per_submission_s: dict[str, float] = field(default_factory=dict)


def _jobs(found: Discovery, store: ResultStore, *, lab: str, rubric_version: str, quick: bool, force: bool,
          options: dict, overrides: dict, summary: BatchSummary) -> list[tuple[dict, ResultKey]]:
    import hashlib

    jobs = []
    for f in found.found:
        data = f.path.read_bytes()
        sid = safe_id(f.student_id)
        key = ResultKey(sha256=hashlib.sha256(data).hexdigest(), rubric_version=rubric_version,
                        harness_version=__version__, quick=quick)
        if not force and store.is_done(sid, key):
            summary.skipped.append(sid)
            continue
        job = {"name": f.path.name, "data": data, "student_id": f.student_id, "sid": sid, "lab": lab, "quick": quick,
               **options,
               "overrides": [{"item": o.item, "points": o.points, "comment": o.comment}
                             for o in overrides.get(f.student_id, []) or overrides.get(sid, [])]}
        jobs.append((job, key))
    return jobs


def local_executor(jobs: list[dict], workers: int, fn: Callable[[dict], dict] = grade_task) -> Iterator[dict]:
    """Runs jobs on `workers` local processes; yields results as they finish.

    A worker that dies (a grader bug, not a submission: those are sandboxed) breaks
    the pool; the job it held is reported failed and a fresh pool continues with the
    jobs not yet finished.
    """
    pending = list(jobs)
    restarts = 0
    while pending:
        ctx = get_context("spawn")  # never fork a process that may hold TensorFlow/threads
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        futures = {pool.submit(fn, job): job for job in pending}
        pending = []
        try:
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = futures.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        yield {"sid": job["sid"], "error": "the worker process died while grading this submission",
                               "wall_s": 0.0}
                        pending = [j for j in futures.values()]
                        futures = {}
                        break
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)
        if pending:
            restarts += 1
            if restarts > MAX_WORKER_RESTARTS:
                for job in pending:
                    yield {"sid": job["sid"], "error": "not graded: worker processes kept dying", "wall_s": 0.0}
                return


def run_batch(
    found: Discovery,
    *,
    lab: str,
    out: Path,
    rubric_version: str,
    quick: bool = False,
    jobs: int = 1,
    force: bool = False,
    options: dict | None = None,
    overrides: dict | None = None,
    executor: Callable[[list[dict]], Iterator[dict]] | None = None,
    progress: Progress | None = None,
    on_result: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Grades everything in `found` that has no current result, committing each as it finishes.

    Args:
        found: discovered submissions.
        lab: lab id.
        out: results folder.
        rubric_version: the rubric's version (part of the resume key).
        quick: quick mode.
        jobs: local worker processes (ignored when `executor` is given).
        force: regrade even when a stored result matches.
        options: task options: data_root, limits (dict), sandbox, weights.
        overrides: student id -> list of Override.
        executor: a function running jobs and yielding results (e.g. on a Dask cluster);
            default: a local process pool of `jobs` workers.
        progress: progress reporter (default: stderr).
        on_result: called with each committed submission id.

    Returns:
        The `BatchSummary`; `out/grades.csv` and `out/class_stats.json` are rebuilt from
        every stored result, so they are consistent with the folders even after a crash.
    """
    t0 = time.monotonic()
    get_lab(lab)
    store = ResultStore(out)
    summary = BatchSummary(problems=list(found.problems))
    leftovers = store.recover()
    todo = _jobs(found, store, lab=lab, rubric_version=rubric_version, quick=quick, force=force,
                 options=options or {}, overrides=overrides or {}, summary=summary)
    keys = {job["sid"]: key for job, key in todo}
    progress = progress or Progress(len(todo))
    if leftovers:
        progress.note(f"removed {len(leftovers)} unfinished result(s) left by an interrupted run")
    if summary.skipped:
        progress.note(f"{len(summary.skipped)} submission(s) already graded with this rubric and harness version "
                      "(use --force to regrade)")
    run = executor or (lambda js: local_executor(js, max(1, jobs)))
    if todo:
        for result in run([job for job, _ in todo]):
            sid = result["sid"]
            summary.per_submission_s[sid] = round(result.get("wall_s", 0.0), 2)
            if "error" in result:
                summary.failed[sid] = result["error"]
                progress.update(f"{sid}: NOT GRADED ({result['error'].strip().splitlines()[-1][:80]})", failed=True)
                continue
            store.commit(sid, keys[sid], result["files"])
            summary.graded.append(sid)
            progress.update(f"{sid}: {result['status']}, {result['score']:g}/{result['max_score']:g}")
            if on_result:
                on_result(sid)
    write_class_outputs(out, summary)
    summary.wall_s = round(time.monotonic() - t0, 2)
    return summary


def write_class_outputs(out: Path, summary: BatchSummary | None = None) -> None:
    """Rebuilds grades.csv and class_stats.json from the stored results."""
    from harness.report.tables import load_grades, write_grades_csv

    write_grades_csv(out)
    grades, problems = load_grades(out)
    try:
        from harness.report.stats import class_stats
    except ImportError:  # pragma: no cover - the reports package provides it
        return
    stats = class_stats(grades)
    if summary is not None:
        stats["run"] = {"graded": len(summary.graded), "skipped": len(summary.skipped),
                        "failed": summary.failed, "problems": summary.problems + problems}
    write_atomic(Path(out) / "class_stats.json", json.dumps(stats, indent=2, default=str))
    from harness.report.site import render_site

    render_site(Path(out), reports=False)  # each submission's page was rendered by its worker
