"""Running a batch: decide what is left to grade, dispatch it, commit results, write class outputs."""

from __future__ import annotations

import hashlib
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
from harness.batch.task import GradeJob, TaskResult, grade_task
from harness.discover import Discovery
from harness.execute import Limits
from harness.labs import get_lab
from harness.report.site import write_class_outputs
from harness.results import folder_name

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
          options: JobOptions, overrides: dict, assignments: dict, summary: BatchSummary
          ) -> list[tuple[GradeJob, ResultKey]]:
    jobs = []
    for f in found.found:
        data = f.path.read_bytes()
        sid = folder_name(f.student_id)
        key = ResultKey(sha256=hashlib.sha256(data).hexdigest(), rubric_version=rubric_version,
                        harness_version=__version__, quick=quick)
        if not force and store.is_done(sid, key):
            summary.skipped.append(sid)
            continue
        assigned = assignments.get(f.student_id)
        job = GradeJob(sid=sid, name=f.path.name, data=data, student_id=f.student_id, lab=lab, quick=quick,
                       limits=options.limits, sandbox=options.sandbox, data_root=options.data_root,
                       weights=dict(options.weights),
                       overrides=list(overrides.get(f.student_id, []) or overrides.get(sid, [])),
                       origin=assigned.origin if assigned else {"original_name": f.path.name},
                       late=assigned.late if assigned else None, rubric_toml=options.rubric_toml,
                       lang=options.lang)
        jobs.append((job, key))
    return jobs


@dataclass
class JobOptions:
    """What every job of a batch shares.

    Attributes:
        limits: resource limits per submission.
        sandbox: sandbox mode.
        data_root: the data root (a path valid on the workers) or None.
        weights: application -> weights file path.
        rubric_toml: the text of a rubric file to grade with (None: the lab's own).
        lang: the language of the students' files (feedback.html, feedback.json, results.json).
    """

    limits: Limits
    sandbox: str = "bwrap"
    data_root: str | None = None
    weights: dict[str, str] = field(default_factory=dict)
    rubric_toml: str | None = None
    lang: str = "en"


def local_executor(jobs: list[GradeJob], workers: int,
                   fn: Callable[[GradeJob], TaskResult] = grade_task) -> Iterator[TaskResult]:
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
                        yield TaskResult(sid=job.sid, error="the worker process died while grading this submission")
                        pending = [j for j in futures.values()]
                        futures = {}
                        break
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)
        if pending:
            restarts += 1
            if restarts > MAX_WORKER_RESTARTS:
                for job in pending:
                    yield TaskResult(sid=job.sid, error="not graded: worker processes kept dying")
                return


def run_batch(
    found: Discovery,
    *,
    lab: str,
    out: Path,
    rubric_version: str,
    options: JobOptions,
    quick: bool = False,
    jobs: int = 1,
    force: bool = False,
    overrides: dict | None = None,
    assignments: dict | None = None,
    executor: Callable[[list[GradeJob]], Iterator[TaskResult]] | None = None,
    progress: Progress | None = None,
    on_result: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Grades everything in `found` that has no current result, committing each as it finishes.

    Args:
        found: discovered submissions.
        lab: lab id.
        out: results folder.
        rubric_version: the rubric's version (part of the resume key).
        options: what every job shares (limits, sandbox, data root, weights).
        quick: quick mode.
        jobs: local worker processes (ignored when `executor` is given).
        force: regrade even when a stored result matches.
        overrides: student id -> list of Override.
        assignments: student id -> `harness.lms.course.Assignment` (LMS metadata, roster identity, late verdict).
        executor: a function running jobs and yielding results (e.g. on a Dask cluster);
            default: a local process pool of `jobs` workers.
        progress: progress reporter (default: stderr).
        on_result: called with each committed submission id.

    Returns:
        The `BatchSummary`; the class outputs (grades.csv, items.csv, class_stats.json, the
        dashboard) are rebuilt from every stored result, so they are consistent with the folders
        even after a crash.
    """
    t0 = time.monotonic()
    get_lab(lab)
    store = ResultStore(out)
    summary = BatchSummary(problems=list(found.problems))
    leftovers = store.recover()
    todo = _jobs(found, store, lab=lab, rubric_version=rubric_version, quick=quick, force=force, options=options,
                 overrides=overrides or {}, assignments=assignments or {}, summary=summary)
    keys = {job.sid: key for job, key in todo}
    progress = progress or Progress(len(todo))
    if leftovers:
        progress.note(f"removed {len(leftovers)} unfinished result(s) left by an interrupted run")
    if summary.skipped:
        progress.note(f"{len(summary.skipped)} submission(s) already graded with this rubric and harness version "
                      "(use --force to regrade)")
    run = executor or (lambda js: local_executor(js, max(1, jobs)))
    if todo:
        for result in run([job for job, _ in todo]):
            summary.per_submission_s[result.sid] = round(result.wall_s, 2)
            if result.error is not None:
                summary.failed[result.sid] = result.error
                progress.update(f"{result.sid}: NOT GRADED ({result.error.strip().splitlines()[-1][:80]})",
                                failed=True)
                continue
            store.commit(result.sid, keys[result.sid], result.files)
            summary.graded.append(result.sid)
            progress.update(f"{result.sid}: {result.status}, {result.score:g}/{result.max_score:g}")
            if on_result:
                on_result(result.sid)
    write_class_outputs(out, run_summary={"graded": len(summary.graded), "skipped": len(summary.skipped),
                                          "failed": summary.failed, "problems": summary.problems})
    summary.wall_s = round(time.monotonic() - t0, 2)
    return summary
