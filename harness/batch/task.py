"""The unit of work: grade one submission from its bytes, return its result files.

Runs in a worker process (local pool) or on a Dask worker: `GradeJob` and `TaskResult`
are plain dataclasses of serialisable values, so no shared filesystem is assumed.
The worker renders the submission's reports from the stage values in memory.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from harness.batch.store import pack_folder
from harness.execute import Limits
from harness.checks import load_rubric
from harness.grading import grade_one
from harness.models import Override
from harness.report.submission import render_submission


@dataclass
class GradeJob:
    """Everything a worker needs to grade one submission.

    Attributes:
        sid: the result folder's name.
        name: the submission's file name.
        data: the file's bytes.
        student_id: who handed it in.
        lab: lab id.
        quick: quick mode.
        limits: the resource limits.
        sandbox: sandbox mode.
        data_root: a data root valid on the worker (None: the worker's Keras cache).
        weights: application -> weights file path on the worker.
        overrides: manual grades.
        origin: where the file came from (LMS metadata, roster identity): ``submission.json``.
        late: the late policy's verdict for it.
        rubric_toml: the text of the rubric to grade with (None: the lab's own); sent as
            text so that a remote worker needs no copy of the file.
        lang: the language of the students' files.
    """

    sid: str
    name: str
    data: bytes
    student_id: str
    lab: str
    quick: bool
    limits: Limits
    sandbox: str = "bwrap"
    data_root: str | None = None
    weights: dict[str, str] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)
    origin: dict = field(default_factory=dict)
    late: dict | None = None
    rubric_toml: str | None = None
    lang: str = "en"


@dataclass
class TaskResult:
    """What a worker sends back.

    Attributes:
        sid: the result folder's name.
        files: relative path -> bytes of everything in the result folder.
        score: total points.
        max_score: points available.
        status: the execution status.
        wall_s: seconds the task took.
        worker: the worker's host name.
        error: a traceback when grading itself failed (the submission's own failures are grades).
    """

    sid: str
    files: dict[str, bytes] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    status: str = ""
    wall_s: float = 0.0
    worker: str = ""
    error: str | None = None


def grade_task(job: GradeJob) -> TaskResult:
    """Grades one submission in a private temporary folder and returns its result files."""
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="labgrade-task-"))
    try:
        src = tmp / "in" / Path(job.name).name
        src.parent.mkdir()
        src.write_bytes(job.data)
        rubric = None
        if job.rubric_toml is not None:
            (tmp / "rubric.toml").write_text(job.rubric_toml, encoding="utf-8")
            rubric = load_rubric(tmp / "rubric.toml")
        result = grade_one(src, lab=job.lab, out=tmp / "out", quick=job.quick, data_root=job.data_root,
                           limits=job.limits, sandbox=job.sandbox,  # type: ignore[arg-type]
                           weights={k: Path(v) for k, v in job.weights.items()} or None,
                           overrides=job.overrides or None, student_id=job.student_id, origin=job.origin,
                           late=job.late, rubric=rubric, lang=job.lang)
        _render(result)
        grade = result.grade
        return TaskResult(sid=job.sid, files=pack_folder(result.folder), score=grade.score, max_score=grade.max_score,
                          status=grade.execution_status, wall_s=time.monotonic() - t0, worker=socket.gethostname())
    except BaseException:
        return TaskResult(sid=job.sid, error=traceback.format_exc()[-6000:], wall_s=time.monotonic() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _render(result) -> None:
    """report.html (instructor), feedback.html (student) and notebook.html, from the values in memory."""
    for student_view in (False, True):
        try:
            render_submission(result.folder, student_view=student_view, result=result, lang=result.lang)
        except Exception as exc:  # a report problem must not lose the grade; `labgrade report` retries
            (result.folder / "report-error.txt").write_text(f"{type(exc).__name__}: {str(exc)[:500]}\n")
