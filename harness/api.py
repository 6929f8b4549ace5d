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
from harness.models import Execution, Grade, Submission


def bench(**kwargs):
    """Runs the benchmark suites; see `harness.bench.runner.bench` (keyword-only)."""
    from harness.bench.runner import bench as _bench

    return _bench(**kwargs)


def verify(**kwargs):
    """The reference gate; see `harness.verify.verify` (keyword-only)."""
    from harness.verify import verify as _verify

    return _verify(**kwargs)


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


def grade(
    paths: list[str | Path],
    *,
    lab: str,
    out: str | Path = "reports/grades",
    quick: bool = False,
    data_root: str | Path | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    memory_mb: int | None = None,
    sandbox: SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    overrides: str | Path | None = None,
    jobs: int = 1,
    force: bool = False,
    scheduler: str | None = None,
    cluster: str | None = None,
    progress=None,
):
    """Grades every submission under `paths` (resumable); writes per-submission results and class outputs.

    Args:
        paths: files, folders (a file or a folder per student) or LMS export zips.
        lab: lab id.
        out: results folder: ``out/<submission>/`` per submission, ``out/grades.csv``,
            ``out/class_stats.json``.
        quick: quick mode (small data; quick-mode bands apply).
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache).
        timeout: per-submission wall-clock limit in seconds.
        cell_timeout: per-cell wall-clock limit in seconds.
        memory_mb: resident-memory limit per submission.
        sandbox: ``"auto"``, ``"bwrap"`` or ``"none"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        overrides: CSV of manual grades (submission, item, points, comment).
        jobs: local worker processes (each grades one submission at a time).
        force: regrade submissions whose stored result is current.
        scheduler: a Dask scheduler address (``tcp://host:8786``): grade on that cluster.
        cluster: ``"local"`` starts a Dask LocalCluster of `jobs` workers.
        progress: a `harness.batch.progress.Progress` (default: stderr, live on a terminal).

    Returns:
        The `harness.batch.BatchSummary`.
    """
    from harness.batch import run_batch
    from harness.discover import discover
    from harness.rubric import load_rubric
    from harness.score import read_overrides

    spec = get_lab(lab)
    rubric = load_rubric(lab)
    manual = read_overrides(Path(overrides), rubric) if overrides else {}
    if cluster not in (None, "local"):
        raise ValueError(f"cluster must be 'local' (or use scheduler='tcp://...'); received {cluster!r}.")
    source = DataSource.resolve(data_root)  # fail fast on a bad data root, before any worker starts
    found = discover(list(paths))
    limits = Limits.for_lab(spec, quick=quick, total_timeout_s=timeout, cell_timeout_s=cell_timeout,
                            memory_mb=memory_mb)
    options = {"data_root": str(source.root) if source.root else None, "sandbox": sandbox,
               "limits": {k: v for k, v in limits.to_dict().items()},
               "weights": {k: str(v) for k, v in (weights or {}).items()}}
    common = dict(lab=lab, out=Path(out), rubric_version=rubric.version, quick=quick, jobs=jobs, force=force,
                  options=options, overrides=manual, progress=progress)
    if scheduler or cluster:
        from harness.batch.cluster import dask_executor

        with dask_executor(scheduler=scheduler, local_workers=jobs) as executor:
            return run_batch(found, executor=executor, **common)
    return run_batch(found, **common)


def check(
    path: str | Path,
    *,
    lab: str,
    out: str | Path = "reports/check",
    quick: bool = False,
    data_root: str | Path | None = None,
    sandbox: SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    progress: ProgressFn | None = None,
):
    """A student's self-check: the grader's execution and checks, visible items only.

    Returns:
        A `harness.report.feedback.CheckReport` with the friendly text and the data behind it.
    """
    from harness.grading import grade_one
    from harness.models import Execution
    from harness.report.feedback import check_report

    from harness.grading import submission_id
    from harness.report.submission import render_submission

    grade = grade_one(path, lab=lab, out=out, quick=quick, data_root=data_root, sandbox=sandbox, weights=weights,
                      progress=progress)
    folder = Path(out) / submission_id(grade.submission)
    execution = Execution.from_json((folder / "execution.json").read_text(encoding="utf-8"))
    page = render_submission(folder, student_view=True)
    return check_report(grade, execution, page=page)


def report(out: str | Path = "reports/grades", *, student_view: bool = False, notebook: bool = True):
    """Re-renders every report of `out` and its dashboard from stored results (nothing is re-run).

    Args:
        out: a results folder written by `grade` (or a calibration folder).
        student_view: write each submission's feedback.html (visible items only) instead
            of the instructor's report.html.
        notebook: also (re)write notebook.html from each executed notebook.

    Returns:
        A `harness.report.site.RenderSummary`: dashboard path, pages written, problems.
    """
    from harness.report.site import render_site

    return render_site(Path(out), student_view=student_view, notebook=notebook)


def demo(
    *,
    lab: str = "dropout",
    out: str | Path = "reports/demo",
    data_root: str | Path | None = None,
    quick: bool = True,
    jobs: int = 2,
    progress=None,
) -> Path:
    """The main job end to end: grade the bundled sample submissions of `lab` and render the reports.

    Args:
        lab: which lab's samples (``submissions/<lab>/``); a Fashion-MNIST lab by default,
            whose data Keras downloads without an account.
        out: results folder.
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache and downloads).
        quick: quick mode (small data, about a minute per sample); False for full size.
        jobs: worker processes.
        progress: a `harness.batch.progress.Progress`.

    Returns:
        Path of the class dashboard (``out/index.html``).
    """
    from harness.labs import PROJECT_ROOT

    samples = PROJECT_ROOT / "submissions" / lab
    if not samples.is_dir():
        raise FileNotFoundError(f"No bundled samples for lab {lab!r} at {samples}.")
    grade([samples], lab=lab, out=out, quick=quick, data_root=data_root, jobs=jobs, progress=progress)
    summary = report(out)
    return summary.dashboard
