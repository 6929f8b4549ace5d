"""Batch grading: 20+ submissions with hostile ones, local pool and Dask, SIGKILL and resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import api
from harness.batch.progress import Progress
from harness.batch.runner import local_executor
from harness.batch.task import GradeJob, TaskResult
from harness.execute.limits import Limits
from harness.labs import get_lab
from tests.integration.nbfactory import notebook

HOSTILE = {
    "h_loop": "while True:\n    pass",
    "h_exit": "import os\nos._exit(3)",
    "h_sysexit": "import sys\nsys.exit(1)",
    "h_alloc": "import numpy as np\nx = np.ones(50 * 2**30 // 8)",
    "h_print": "print('x' * 10**8)",
}
LIMITS = dict(quick=True, cell_timeout=8, timeout=60, memory_mb=2048)


def make_class(folder: Path, n_plain: int = 16) -> list[str]:
    """`n_plain` trivial submissions (deterministic grades) plus the hostile ones and a malformed file."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n_plain):
        notebook(folder / f"student{i:02d}.ipynb", f"history = {{'loss': [{i + 1}.0, {i}.5]}}\nprint({i})",
                 markdown=("word " * (10 * i),))
        names.append(f"student{i:02d}")
    for name, code in HOSTILE.items():
        notebook(folder / f"{name}.ipynb", "history = {'loss': [1.0]}", code)
        names.append(name)
    (folder / "broken.ipynb").write_text("{ not a notebook")
    names.append("broken")
    return sorted(names)


def scores(out: Path) -> dict[str, dict[str, str]]:
    """grades.csv as student -> item scores (volatile columns dropped)."""
    with open(out / "grades.csv") as fh:
        rows = list(csv.DictReader(fh))
    volatile = {"execution_time_s", "overrides"}
    return {r["student"]: {k: v for k, v in r.items() if k not in volatile} for r in rows}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    return folder, make_class(folder)


@pytest.fixture(scope="module")
def baseline(klass, tmp_path_factory, data_root):
    """The uninterrupted --jobs 2 run every other run is compared with."""
    folder, names = klass
    out = tmp_path_factory.mktemp("jobs2")
    summary = api.grade([folder], lab="dropout", out=out, data_root=data_root, jobs=2,
                        progress=Progress(len(names), live=False), **LIMITS)
    return out, summary


def test_local_pool_grades_everything_including_hostile(klass, baseline):
    folder, names = klass
    out, summary = baseline
    assert sorted(summary.graded) == names and not summary.failed
    table = scores(out)
    assert sorted(table) == names
    status = {s: table[s]["status"] for s in table}
    assert status["h_loop"] == "timeout" and status["h_exit"] == "killed" and status["h_alloc"] == "memory"
    assert status["h_sysexit"] == "error" and status["h_print"] == "ok" and status["broken"] == "invalid"
    for name in names:
        for f in ("grade.json", "results.json", "feedback.json", "execution.json", "key.json"):
            assert (out / name / f).is_file(), f"{name}/{f} missing"
    stats = json.loads((out / "class_stats.json").read_text())
    assert stats["run"]["graded"] == len(names)


def test_rerun_skips_and_force_regrades(klass, baseline, data_root):
    folder, names = klass
    out, _ = baseline
    again = api.grade([folder], lab="dropout", out=out, data_root=data_root, jobs=2,
                      progress=Progress(len(names), live=False), **LIMITS)
    assert again.graded == [] and sorted(again.skipped) == names
    one = folder / "student03.ipynb"
    forced = api.grade([one], lab="dropout", out=out, data_root=data_root, force=True,
                       progress=Progress(1, live=False), **LIMITS)
    assert forced.graded == ["student03"]


def test_dask_local_cluster_gives_the_same_grades(klass, baseline, tmp_path, data_root):
    folder, names = klass
    out, _ = baseline
    summary = api.grade([folder], lab="dropout", out=tmp_path / "dask", data_root=data_root, jobs=2,
                        cluster="local", progress=Progress(len(names), live=False), **LIMITS)
    assert sorted(summary.graded) == names and not summary.failed
    assert scores(tmp_path / "dask") == scores(out)


def test_sigkill_midway_then_resume_gives_one_identical_result_each(klass, baseline, tmp_path, data_root):
    folder, names = klass
    base_out, _ = baseline
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "harness.cli", "grade", str(folder), "--lab", "dropout", "--out", str(out),
           "--data-root", str(data_root), "--jobs", "2", "--quick", "--cell-timeout", "8", "--timeout", "60",
           "--memory-mb", "2048"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("*/key.json"))) < 6:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.parent.name for p in out.glob("*/key.json")}
    assert 0 < len(done_before) < len(names), "the kill should land midway"
    resumed = api.grade([folder], lab="dropout", out=out, data_root=data_root, jobs=2,
                        progress=Progress(len(names), live=False), **LIMITS)
    assert set(resumed.skipped) == done_before
    assert sorted(resumed.graded + resumed.skipped) == names
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == names
    assert not (out / ".staging").exists() or not any((out / ".staging").iterdir())
    assert scores(out) == scores(base_out)


def test_progress_lines_when_not_a_terminal():
    import io

    buf = io.StringIO()
    p = Progress(3, stream=buf, live=False)
    p.update("a: ok")
    p.update("b: NOT GRADED", failed=True)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("[labgrade] 1/3 graded") and "ETA" in lines[0] and "a: ok" in lines[0]
    assert "1 failed" in lines[1]


def _crash(job: GradeJob) -> TaskResult:
    if job.sid == "bad":
        os._exit(7)
    return TaskResult(sid=job.sid, status="ok", score=1, max_score=1)


def test_a_dying_worker_fails_one_job_and_the_rest_continue():
    limits = Limits.for_lab(get_lab("dropout"), quick=True)
    jobs = [GradeJob(sid=s, name=f"{s}.ipynb", data=b"{}", student_id=s, lab="dropout", quick=True, limits=limits)
            for s in ("a", "bad", "b", "c")]
    results = {r.sid: r for r in local_executor(jobs, 2, fn=_crash)}
    assert set(results) == {"a", "bad", "b", "c"}
    assert results["bad"].error and "worker process died" in results["bad"].error
    assert sum(bool(r.error) for r in results.values()) <= 2
