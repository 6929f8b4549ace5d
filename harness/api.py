"""The Python API: keyword-only functions, one per verb. The CLI is a thin layer over these.

Each function takes plain values (paths, ids, numbers) so that a notebook, a script
or the CLI can call it the same way, and returns the stage value it produced.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import results
from harness.batch import run_batch
from harness.batch.cluster import dask_executor
from harness.batch.runner import JobOptions
from harness.checks import load_rubric
from harness.data import DataSource
from harness.data.readiness import ensure_lab_data
from harness.discover import discover
from harness.errors import InputError, NothingToGrade
from harness.execute import Limits, execute
from harness.execute import sandbox as sandbox_mod
from harness.execute.engine import ProgressFn
from harness.execute.sandbox import SandboxMode
from harness.execute.source import InvalidSubmission, read_module, read_notebook
from harness.grading import grade_one, regrade_one
from harness.i18n import check_lang, resolve_lang
from harness.labs import PROJECT_ROOT, get_lab
from harness.lms.course import CourseSettings, assign, found_of, load_course, student_of
from harness.lms.export import export_grades
from harness.lms.gradebook import ExportReport
from harness.models import Execution, Submission
from harness.report.feedback import check_report
from harness.report.site import render_site, write_class_outputs
from harness.report.submission import render_submission, write_student_view
from harness.results import folder_name
from harness.rubric import Rubric
from harness.score import read_overrides
from harness.serialize import SchemaError


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
        artifacts_dir=Path(out) / folder_name(submission.student_id),
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
    lms: str = "auto",
    tz: str | None = None,
    roster: str | Path | None = None,
    due: str | None = None,
    grace: str = "0",
    late_per: str = "day",
    late_rate: float = 0.0,
    late_cap: float = 1.0,
    hard_deadline: str | None = None,
    extensions: str | Path | None = None,
    missing: str = "empty",
    rubric: str | Path | None = None,
    progress=None,
    lang: str | None = None,
):
    """Grades every submission under `paths` (resumable); writes per-submission results and class outputs.

    Args:
        paths: files, folders (a file or a folder per student) or LMS bulk downloads (Canvas,
            Moodle, Blackboard, Gradescope; folders or zips).
        lab: lab id.
        out: results folder: ``out/<submission>/`` per submission, ``out/grades.csv``,
            ``out/items.csv``, ``out/class_stats.json``, ``out/index.html``, ``out/class.json``.
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
        lms: the LMS export's format (``auto`` detects it per path).
        tz: the course's time zone, e.g. ``Asia/Seoul`` (times without an offset are read in it).
        roster: students.csv (id, name, email, section, LMS ids): every submission is joined to a
            student; students without a submission and unknown submitters are listed.
        due: due date (ISO-8601): submissions after it (plus `grace`) get the late penalty.
        grace: grace period, e.g. ``15min``.
        late_per: ``day`` or ``hour``: each unit started costs `late_rate`.
        late_rate: penalty per unit as a fraction of the score (0.1 = 10%).
        late_cap: the largest penalty (fraction).
        hard_deadline: after it a submission scores 0.
        extensions: CSV of per-student extensions (student id, new due date or extra hours).
        missing: a roster student without a submission gets ``empty`` or ``zero`` in grades.csv.
        rubric: a rubric TOML file to grade with (default: the lab's ``rubrics/<lab>.toml``).
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
    if cluster not in (None, "local"):
        raise InputError(f"cluster must be 'local' (or use scheduler='tcp://...'); received {cluster!r}.")
    if lang is not None:
        check_lang(lang)
    course = CourseSettings(lab=lab, quick=quick, lms=lms, tz=tz, roster=str(roster) if roster else None, due=due,
                            grace=grace, per=late_per, rate=late_rate, cap=late_cap, hard_deadline=hard_deadline,
                            extensions=str(extensions) if extensions else None, missing=missing, lang=lang)
    course.policy()  # a bad date or CSV fails here, before anything runs
    # What there is to grade is known before any data is provisioned (an empty folder fails fast).
    try:
        found = discover(list(paths), lms=lms, tz=tz)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if not found.found:
        skipped = "\n".join(f"  - {p}" for p in found.problems[:30]) or "  (the paths hold no files)"
        raise NothingToGrade(f"Nothing to grade in {', '.join(str(p) for p in paths)}: no .ipynb notebook or .py "
                             f"module was found. Skipped:\n{skipped}\nPass the folder of the students' files, one "
                             "folder per student, or the LMS export zip.")
    spec, source = _prepare(lab, data_root=data_root, sandbox=sandbox, weights=weights,
                            progress=lambda line: print(f"labgrade: {line}", file=sys.stderr))
    rubric_toml = None
    if rubric is not None:
        rubric_toml = Path(rubric).read_text(encoding="utf-8")
        rubric_file = load_rubric(Path(rubric))
        if rubric_file.lab != lab:
            raise InputError(f"The rubric {str(rubric)!r} is for lab {rubric_file.lab!r}, not {lab!r}.")
    rubric = rubric_file if rubric is not None else load_rubric(lab)
    manual = read_overrides(Path(overrides), rubric) if overrides else {}
    assignments, roster_match = assign(found, course)
    Path(out).mkdir(parents=True, exist_ok=True)
    course.save(Path(out), roster_match=roster_match)
    limits = _limits(spec, quick=quick, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    options = JobOptions(limits=limits, sandbox=sandbox, data_root=str(source.root) if source.root else None,
                         weights={k: str(v) for k, v in (weights or {}).items()}, rubric_toml=rubric_toml,
                         lang=resolve_lang(lang, lab=lab))
    # A rubric file is part of the resume key by content: editing it regrades.
    version = rubric.version if rubric_toml is None else \
        f"{rubric.version}+{hashlib.sha256(rubric_toml.encode()).hexdigest()[:12]}"
    common = dict(lab=lab, out=Path(out), rubric_version=version, quick=quick, jobs=jobs, force=force,
                  options=options, overrides=manual, assignments=assignments, progress=progress)
    if roster_match is not None:
        found.problems.extend(roster_match.problems)
    if scheduler or cluster:
        with dask_executor(scheduler=scheduler, local_workers=jobs) as executor:
            summary = run_batch(found, executor=executor, **common)
    else:
        summary = run_batch(found, **common)
    if lang is not None:  # graded ones were written in `lang` by the workers; those skipped may be in another
        _student_views(Path(out), summary.skipped, lang=lang, problems=summary.problems)
    return summary


def _student_views(out: Path, sids: list[str], *, lang: str, problems: list[str]) -> None:
    """Rewrites the student's files of already graded submissions in `lang` (nothing is re-run)."""
    for sid in sids:
        try:
            write_student_view(out / sid, lang=lang)
        except (OSError, ValueError) as exc:  # the grade is kept; `labgrade report --student-view --lang` retries
            problems.append(f"{sid}: feedback in {lang!r} not written: {type(exc).__name__}: {exc}")


def regrade(out: str | Path = "reports/grades", *, rubric: str | Path | None = None, data_root: str | Path | None = None,
            overrides: str | Path | None = None, weights: dict[str, Path] | None = None, render: bool = True,
            progress=None) -> RegradeSummary:
    """Recomputes every grade of a graded class without running any notebook.

    After a change of points, items, visibility or band margins (the lab's rubric, or the
    file `rubric`), every grade is rebuilt from the stored execution, trace and
    measurements; measurements a changed rubric newly needs are taken from the stored
    exported models. Manual overrides are kept (or replaced by `overrides`); the late policy
    and roster stored in ``OUT/class.json`` are applied again; reports and class outputs are
    re-rendered.

    Args:
        out: a results folder written by `grade`.
        rubric: a rubric TOML file (default: the lab's current rubric).
        data_root: data root for re-measuring from stored models (default: as for grade).
        overrides: CSV of manual grades replacing the stored ones.
        weights: application -> weights file (resnet50-top3 reference outputs).
        render: re-render report.html and feedback.html of each submission.
        progress: called with one line per submission.

    Returns:
        A `RegradeSummary`: submissions regraded, items that need a re-run, problems.
    """
    out = Path(out)
    folders = results.submission_folders(out)
    if not folders:
        raise InputError(f"No graded submission in {str(out)!r}: expected OUT/<submission>/execution.json written by "
                         "`labgrade grade`.")
    course, _ = load_course(out)
    t0 = time.monotonic()
    summary = RegradeSummary()
    source = DataSource.resolve(data_root)
    policy = course.policy() if course is not None else None
    rubrics: dict[str, Rubric] = {}
    for folder in folders:
        try:
            stored = results.read_execution(folder)
            lab = stored.submission.lab
            if lab not in rubrics:
                rubrics[lab] = load_rubric(rubric) if rubric else load_rubric(lab)
            manual = read_overrides(Path(overrides), rubrics[lab]).get(stored.submission.student_id) \
                if overrides else None
            late = _late_again(policy, results.read_origin(folder))
            result, needs = regrade_one(folder, rubric=rubrics[lab], source=source, weights=weights, overrides=manual,
                                        late=late, lang=course.lang if course is not None else None)
        except (OSError, SchemaError, ValueError) as exc:
            summary.problems.append(f"{folder.name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if render:
            for student_view in (False, True):
                render_submission(folder, student_view=student_view, result=result, lang=result.lang)
        summary.regraded.append(folder.name)
        if needs:
            summary.needs_rerun[folder.name] = needs
        if progress:
            progress(f"{folder.name}: {result.grade.score:g}/{result.grade.max_score:g}")
    write_class_outputs(out)
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary


def _late_again(policy, origin: dict) -> dict | None:
    """The late verdict of a stored submission under the class's policy (None without one)."""
    found = found_of(origin)
    if policy is None or found is None:
        return None
    student = student_of(origin)
    verdict = policy.apply(found.submitted_at, student_id=student.student_id if student else found.student_id,
                           lms_late=found.late, lms=found.lms)
    return {**verdict.to_dict(), "basis": policy.basis}


@dataclass
class RegradeSummary:
    """What `regrade` did.

    Attributes:
        regraded: folders regraded.
        needs_rerun: folder -> measurements a changed rubric needs whose evidence is not stored
            (the exported model files are gone): these items need the submission executed again.
        problems: folders that could not be regraded, with the reason.
        seconds: wall time.
    """

    regraded: list[str] = field(default_factory=list)
    needs_rerun: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


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
    lang = resolve_lang(lang, lab=lab)
    submission = Submission.from_path(path, lab=lab)
    try:
        (read_notebook if submission.kind == "notebook" else read_module)(Path(path))
    except InvalidSubmission as exc:
        raise InputError(f"{exc}") from None
    spec, source = _prepare(lab, data_root=data_root, sandbox=sandbox, weights=weights, progress=progress)
    limits = _limits(spec, quick=quick, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    with tempfile.TemporaryDirectory(prefix="labgrade-check-") as private:
        result = grade_one(path, lab=lab, out=private, quick=quick, data_root=source.root, limits=limits,
                           sandbox=sandbox, weights=weights, progress=progress, lang=lang)
        render_submission(result.folder, student_view=True, result=result, lang=lang)
        student = Path(out) / result.folder.name
        student.mkdir(parents=True, exist_ok=True)
        for name in STUDENT_FILES:
            src = result.folder / name
            if src.is_dir():
                shutil.copytree(src, student / name, dirs_exist_ok=True)
            elif src.is_file():
                shutil.copyfile(src, student / name)
    return check_report(result.grade, result.execution, page=student / "feedback.html", lang=lang)


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
    if lang is None:
        return render_site(Path(out), student_view=student_view, notebook=notebook)
    if not student_view:
        raise InputError(f"lang={lang!r} applies to the students' view; add student_view=True (--student-view). "
                         "The instructor's report is always English.")
    check_lang(lang)
    t0 = time.monotonic()
    pages, problems = [], []
    for folder in results.submission_folders(Path(out)):
        try:
            pages.append(write_student_view(folder, lang=lang, notebook=notebook))
        except (OSError, ValueError) as exc:
            problems.append(f"{folder.name}: {type(exc).__name__}: {exc}")
    summary = render_site(Path(out), student_view=True, notebook=notebook, reports=False)
    summary.reports, summary.problems = pages + summary.reports, problems + summary.problems
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary


def export(out: str | Path = "reports/grades", *, fmt: str, path: str | Path, assignment: str | None = None,
           assignment_id: str | None = None, tz: str | None = None) -> ExportReport:
    """Writes a graded class's grades as a gradebook CSV (nothing is re-run).

    Scores, late penalties and identities are the stored ones (the same as grades.csv);
    roster students without a submission get a row (empty, or 0 when the class was graded
    with ``missing="zero"``).

    Args:
        out: a results folder written by `grade`.
        fmt: ``canvas``, ``moodle``, ``blackboard`` or ``nbgrader``.
        path: the CSV file to write.
        assignment: the assignment's (Blackboard: column's) name; default the lab id.
        assignment_id: Canvas' assignment id / Blackboard's column id (without it the LMS
            creates a new assignment or column on import).
        tz: the zone Moodle's dates are written in (default: the course's ``tz``, else UTC).

    Returns:
        A `harness.lms.gradebook.ExportReport`: path, rows written, rows left out and why.
    """
    return export_grades(out, fmt=fmt, path=path, assignment=assignment, assignment_id=assignment_id, tz=tz)


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
    samples = PROJECT_ROOT / "submissions" / lab
    if not samples.is_dir():
        raise InputError(f"No bundled samples for lab {lab!r} at {samples}.")
    grade([samples], lab=lab, out=out, quick=quick, data_root=data_root, jobs=jobs, sandbox=sandbox,
          progress=progress)
    summary = report(out)
    return summary.dashboard
