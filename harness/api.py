"""The Python API: keyword-only functions, one per verb. The CLI is a thin layer over these.

Each function takes plain values (paths, ids, numbers) so that a notebook, a script
or the CLI can call it the same way, and returns the stage value it produced.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness.data import DataSource
from harness.data.readiness import ensure_lab_data
from harness.errors import InputError, NothingToGrade
from harness.execute import Limits, execute
from harness.execute import sandbox as sandbox_mod
from harness.execute.engine import ProgressFn
from harness.execute.sandbox import SandboxMode
from harness.grading import safe_id
from harness.i18n import check_lang, resolve_lang
from harness.labs import get_lab
from harness.models import Execution, Submission
from harness.rubric import load_rubric


def _prepare(lab: str, *, data_root, sandbox: SandboxMode, weights, progress) -> tuple:
    """Everything checked before any submission code runs: lab id, data root, sandbox, the lab's data.

    Raises:
        UnknownLab, DataRootError, SandboxUnavailable, LabDataMissing: one message each, nothing was run.
    """
    spec = get_lab(lab)
    source = DataSource.resolve(data_root)
    sandbox_mod.require(sandbox)
    ensure_lab_data(spec, source, weights=weights, progress=progress)
    return spec, source


def _limits(spec, *, quick: bool, timeout, cell_timeout, memory_mb) -> Limits:
    """The lab's limits sized from the reference's measured run time on this machine, explicit values first."""
    calibration = load_rubric(spec.id).calibration.get("quick" if quick else "full")
    return Limits.measured(spec, quick=quick, calibration=calibration, total_timeout_s=timeout,
                           cell_timeout_s=cell_timeout, memory_mb=memory_mb)


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
    sandbox: SandboxMode = "bwrap",
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
        sandbox: ``"bwrap"`` (default: refuses to run without namespace isolation), ``"none"``
            (resource limits only, on purpose) or ``"auto"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        student_id: defaults to the file name's stem.
        progress: called with short progress lines.

    Returns:
        The Execution (also written to ``out/<student_id>/execution.json``).

    Raises:
        LabgradeError: bad input, missing grader data or no sandbox (nothing was run).
    """
    submission = Submission.from_path(path, lab=lab, student_id=student_id)
    spec, source = _prepare(lab, data_root=data_root, sandbox=sandbox, weights=weights, progress=progress)
    limits = _limits(spec, quick=quick, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    return execute(
        submission,
        artifacts_dir=Path(out) / safe_id(submission.student_id),
        lab=spec,
        limits=limits,
        source=source,
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
    sandbox: SandboxMode = "bwrap",
    weights: dict[str, Path] | None = None,
    overrides: str | Path | None = None,
    jobs: int = 1,
    force: bool = False,
    scheduler: str | None = None,
    cluster: str | None = None,
    progress=None,
    lang: str | None = None,
):
    """Grades every submission under `paths` (resumable); writes per-submission results and class outputs.

    Args:
        paths: files, folders (a file or a folder per student) or LMS export zips.
        lab: lab id.
        out: results folder: ``out/<submission>/`` per submission, ``out/grades.csv``,
            ``out/items.csv``, ``out/class_stats.json``.
        quick: quick mode (small data; quick-mode bands apply).
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache).
        timeout: per-submission wall-clock limit in seconds.
        cell_timeout: per-cell wall-clock limit in seconds.
        memory_mb: resident-memory limit per submission.
        sandbox: ``"bwrap"`` (default: untrusted code is never run without namespace
            isolation) or ``"none"`` (resource limits only, on purpose: every report says so).
        weights: application -> weights file used for ``weights="imagenet"``.
        overrides: CSV of manual grades (submission, item, points, comment).
        jobs: local worker processes (each grades one submission at a time).
        force: regrade submissions whose stored result is current.
        scheduler: a Dask scheduler address (``tcp://host:8786``): grade on that cluster.
        cluster: ``"local"`` starts a Dask LocalCluster of `jobs` workers.
        progress: a `harness.batch.progress.Progress` (default: stderr, live on a terminal).
        lang: the language of what students read (``feedback.html``, ``feedback.json``, ``results.json``):
            ``en`` or ``ko``; None: the rubric's ``[rubric] lang``, else the locale's, else English.
            Instructor reports stay English.

    Returns:
        The `harness.batch.BatchSummary`.

    Raises:
        NothingToGrade: the paths hold no notebook or module (the message lists what was skipped).
        LabgradeError: bad input, missing grader data or no sandbox (nothing was run).
    """
    from harness.batch import run_batch
    from harness.discover import discover
    from harness.score import read_overrides

    if cluster not in (None, "local"):
        raise InputError(f"cluster must be 'local' (or use scheduler='tcp://...'); received {cluster!r}.")
    if lang is not None:
        check_lang(lang)
    spec, source = _prepare(lab, data_root=data_root, sandbox=sandbox, weights=weights,
                            progress=lambda line: print(f"labgrade: {line}", file=sys.stderr))
    rubric = load_rubric(lab)
    manual = read_overrides(Path(overrides), rubric) if overrides else {}
    found = discover(list(paths))
    if not found.found:
        skipped = "\n".join(f"  - {p}" for p in found.problems[:30]) or "  (the paths hold no files)"
        raise NothingToGrade(f"Nothing to grade in {', '.join(str(p) for p in paths)}: no .ipynb notebook or .py "
                             f"module was found. Skipped:\n{skipped}\nPass the folder of the students' files, one "
                             "folder per student, or the LMS export zip.")
    limits = _limits(spec, quick=quick, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    options = {"data_root": str(source.root) if source.root else None, "sandbox": sandbox,
               "limits": {k: v for k, v in limits.to_dict().items()},
               "weights": {k: str(v) for k, v in (weights or {}).items()}}
    common = dict(lab=lab, out=Path(out), rubric_version=rubric.version, quick=quick, jobs=jobs, force=force,
                  options=options, overrides=manual, progress=progress)
    if scheduler or cluster:
        from harness.batch.cluster import dask_executor

        with dask_executor(scheduler=scheduler, local_workers=jobs) as executor:
            summary = run_batch(found, executor=executor, **common)
    else:
        summary = run_batch(found, **common)
    if lang is not None:
        _student_views(Path(out), summary.graded + summary.skipped, lang=lang, problems=summary.problems)
    return summary


def _student_views(out: Path, sids: list[str], *, lang: str, problems: list[str]) -> None:
    """Rewrites the student's files of each graded submission in `lang` (workers wrote them in the default one)."""
    from harness.report.submission import write_student_view

    for sid in sids:
        try:
            write_student_view(out / sid, lang=lang)
        except (OSError, ValueError) as exc:  # the grade is kept; `labgrade report --student-view --lang` retries
            problems.append(f"{sid}: feedback in {lang!r} not written: {type(exc).__name__}: {exc}")


def check(
    path: str | Path,
    *,
    lab: str,
    out: str | Path = "reports/check",
    quick: bool = False,
    data_root: str | Path | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    memory_mb: int | None = None,
    sandbox: SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    progress: ProgressFn | None = None,
    lang: str | None = None,
):
    """A student's self-check: the grader's execution and checks, visible items only.

    Grading happens in a private temporary folder; only the student's view is written
    into ``out/<submission>/``: ``feedback.html``, ``feedback.json``, ``notebook.html`` and
    the figures (no bands, no hidden items, no instructor evidence).

    Args:
        path: the student's ``.ipynb`` or ``.py``.
        lab: lab id.
        out: where the student's view goes.
        quick: quick mode (small data).
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache).
        timeout: per-submission wall-clock limit in seconds (default: the lab's).
        cell_timeout: per-cell wall-clock limit in seconds (default: the lab's).
        memory_mb: resident-memory limit of the submission's processes.
        sandbox: ``"auto"`` (bubblewrap when installed, else resource limits only: it is the
            student's own code on their own machine), ``"bwrap"`` or ``"none"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        progress: called with short progress lines.
        lang: the feedback's language, ``en`` or ``ko``; None: the rubric's ``[rubric] lang``, else
            the locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` starting with ``ko``), else English.

    Returns:
        A `harness.report.feedback.CheckReport` with the friendly text and the data behind it.

    Raises:
        LabgradeError: bad input (including a file that is not a readable notebook), missing
            grader data (nothing was run).
    """
    from harness.execute.source import InvalidSubmission, read_module, read_notebook
    from harness.grading import grade_one
    from harness.report.feedback import check_report
    from harness.report.submission import write_student_view

    lang = resolve_lang(lang, lab=lab)
    submission = Submission.from_path(path, lab=lab)
    try:
        (read_notebook if submission.kind == "notebook" else read_module)(Path(path))
    except InvalidSubmission as exc:
        raise InputError(f"{exc}") from None
    spec, source = _prepare(lab, data_root=data_root, sandbox=sandbox, weights=weights, progress=progress)
    limits = _limits(spec, quick=quick, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    with tempfile.TemporaryDirectory(prefix="labgrade-check-") as private:
        grade = grade_one(path, lab=lab, out=private, quick=quick, data_root=source.root, limits=limits,
                          sandbox=sandbox, weights=weights, progress=progress)
        sid = safe_id(grade.submission.student_id)
        folder = Path(private) / sid
        execution = Execution.from_json((folder / "execution.json").read_text(encoding="utf-8"))
        write_student_view(folder, lang=lang)
        student = Path(out) / sid
        student.mkdir(parents=True, exist_ok=True)
        for name in STUDENT_FILES:
            src = folder / name
            if src.is_dir():
                shutil.copytree(src, student / name, dirs_exist_ok=True)
            elif src.is_file():
                shutil.copyfile(src, student / name)
    return check_report(grade, execution, page=student / "feedback.html", lang=lang)


STUDENT_FILES = ("feedback.html", "feedback.json", "notebook.html", "figures")
"""What `check` leaves in the student's folder: their view, nothing the instructor keeps to itself."""


def report(out: str | Path = "reports/grades", *, student_view: bool = False, notebook: bool = True,
           lang: str | None = None):
    """Re-renders every report of `out` and its dashboard from stored results (nothing is re-run).

    Args:
        out: a results folder written by `grade` (or a calibration folder).
        student_view: write each submission's feedback.html (visible items only) instead
            of the instructor's report.html.
        notebook: also (re)write notebook.html from each executed notebook.
        lang: with `student_view`, the students' language (``en``, ``ko``): feedback.html,
            feedback.json and results.json are rewritten in it; None: the rubric's, else the
            locale's, else English (feedback.html only).

    Returns:
        A `harness.report.site.RenderSummary`: dashboard path, pages written, problems.

    Raises:
        InputError: `lang` without `student_view` (the instructor's report is English), or a
            language labgrade does not speak.
    """
    from harness.report.site import render_site

    if lang is None:
        return render_site(Path(out), student_view=student_view, notebook=notebook)
    if not student_view:
        raise InputError(f"lang={lang!r} applies to the students' view; add student_view=True (--student-view). "
                         "The instructor's report is always English.")
    check_lang(lang)
    from harness.report.submission import write_student_view

    t0 = time.monotonic()
    pages, problems = [], []
    for folder in sorted(p.parent for p in Path(out).glob("*/grade.json")):
        try:
            pages.append(write_student_view(folder, lang=lang, notebook=notebook))
        except (OSError, ValueError) as exc:
            problems.append(f"{folder.name}: {type(exc).__name__}: {exc}")
    summary = render_site(Path(out), student_view=True, notebook=notebook, reports=False)
    summary.reports, summary.problems = pages + summary.reports, problems + summary.problems
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary


def demo(
    *,
    lab: str = "dropout",
    out: str | Path = "reports/demo",
    data_root: str | Path | None = None,
    quick: bool = True,
    jobs: int = 2,
    sandbox: SandboxMode = "bwrap",
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
        sandbox: as for `grade` (the bundled samples include hostile ones: isolation is required
            unless ``"none"`` is asked for on purpose).
        progress: a `harness.batch.progress.Progress`.

    Returns:
        Path of the class dashboard (``out/index.html``).
    """
    from harness.labs import PROJECT_ROOT

    samples = PROJECT_ROOT / "submissions" / lab
    if not samples.is_dir():
        raise InputError(f"No bundled samples for lab {lab!r} at {samples}.")
    grade([samples], lab=lab, out=out, quick=quick, data_root=data_root, jobs=jobs, sandbox=sandbox,
          progress=progress)
    summary = report(out)
    return summary.dashboard
