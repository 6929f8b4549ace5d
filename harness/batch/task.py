"""The unit of work: grade one submission from its bytes, return its result files.

Runs in a worker process (local pool) or on a Dask worker. It must be importable on
the worker and take/return only plain, serialisable values.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
from pathlib import Path


def grade_task(job: dict) -> dict:
    """Grades one submission.

    Args:
        job: ``name`` (file name), ``data`` (the file's bytes), ``student_id``, ``lab``,
            ``quick``, ``data_root`` (a path valid on this worker, or None),
            ``limits`` (dict of `Limits` fields), ``sandbox``, ``weights`` (name -> path on
            this worker), ``overrides`` (list of dicts: item, points, comment).

    Returns:
        ``{"sid", "files": {relpath: bytes}, "score", "max_score", "status", "wall_s", "worker"}``,
        or ``{"sid", "error": traceback, "wall_s"}`` when grading itself failed.
    """
    import socket

    from harness.batch.store import pack_folder
    from harness.execute import Limits
    from harness.grading import grade_one
    from harness.labs import get_lab
    from harness.models import Override

    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="labgrade-task-"))
    sid = job["student_id"]
    try:
        src = tmp / "in" / Path(job["name"]).name
        src.parent.mkdir()
        src.write_bytes(job["data"])
        limits = Limits.for_lab(get_lab(job["lab"]), quick=job["quick"], **(job.get("limits") or {}))
        weights = {k: Path(v) for k, v in (job.get("weights") or {}).items()} or None
        overrides = [Override(**o) for o in job.get("overrides") or []] or None
        grade = grade_one(src, lab=job["lab"], out=tmp / "out", quick=job["quick"], data_root=job.get("data_root"),
                          limits=limits, sandbox=job.get("sandbox", "auto"), weights=weights, overrides=overrides,
                          student_id=sid)
        folder = tmp / "out" / job["sid"]
        _render(folder)
        return {"sid": job["sid"], "files": pack_folder(folder), "score": grade.score, "max_score": grade.max_score,
                "status": grade.execution_status, "wall_s": time.monotonic() - t0, "worker": socket.gethostname()}
    except BaseException:
        return {"sid": job["sid"], "error": traceback.format_exc()[-6000:], "wall_s": time.monotonic() - t0}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _render(folder: Path) -> None:
    """The submission's report.html (instructor), feedback.html (student) and notebook.html, rendered here
    so that workers render in parallel."""
    from harness.report.submission import render_submission

    for student_view in (False, True):
        try:
            render_submission(folder, student_view=student_view)
        except Exception as exc:  # a report problem must not lose the grade; `labgrade report` retries
            (folder / "report-error.txt").write_text(f"{type(exc).__name__}: {str(exc)[:500]}\n")
