"""The grading pipeline for one submission: execute -> evaluate -> checks -> score -> results.

Each stage is a function of the previous stage's value::

    Submission --execute()--> Execution --measure()--> Measurements --run_checks()--> LabResult
               --make_grade()--> Grade --write_result()--> OUT/<submission>/ (JSON files)

`grade_one` runs the whole pipeline and returns every stage value in memory (the
reports are rendered from those, nothing is read back); `regrade_one` starts again from
the stored Execution and Measurements of an earlier run, measuring again only what a
changed rubric newly needs from the stored exported models.
"""

from __future__ import annotations

from pathlib import Path

from harness import results
from harness.checks import GradeContext, load_rubric, run_checks
from harness.data import DataSource
from harness.evaluate.stage import measure, request_for
from harness.execute import Limits, execute
from harness.execute.engine import ProgressFn
from harness.execute.sandbox import SandboxMode
from harness.i18n import resolve_lang
from harness.labs import LabSpec, get_lab
from harness.models import Execution, Grade, Measurements, Override, Submission
from harness.report import gradescope
from harness.rubric import Rubric
from harness.score import make_grade


def grade_execution(execution: Execution, *, measurements: Measurements, rubric: Rubric, source: DataSource,
                    artifacts: Path, lab: LabSpec | None = None, weights: dict[str, Path] | None = None,
                    overrides: list[Override] | None = None, late: dict | None = None) -> Grade:
    """Checks and score: every rubric item judged, overrides and the late penalty applied.

    Never raises for a check's failure.
    """
    lab = lab or get_lab(rubric.lab)
    ctx = GradeContext(execution=execution, lab=lab, rubric=rubric, source=source, artifacts=Path(artifacts),
                       measurements=measurements, weights=weights)
    return make_grade(execution, run_checks(ctx, rubric), rubric, overrides, late=late)


def write_result(result: results.SubmissionResult) -> None:
    """The stage values of `result` into its folder: measurements, grade, results.json (Gradescope), feedback.json.

    (execution.json is written by `execute` itself, so that a killed grader still leaves it.)
    """
    folder = result.folder
    results.write_stage(folder / results.MEASUREMENTS, result.measurements)
    if result.origin:
        results.write_origin(folder, result.origin)
    if result.grade is not None:
        results.write_stage(folder / results.GRADE, result.grade)
        gradescope.write_student_files(result.grade, result.execution, folder, lang=result.lang)


def grade_one(
    path: str | Path,
    *,
    lab: str,
    out: str | Path,
    quick: bool = False,
    data_root: str | Path | None = None,
    limits: Limits | None = None,
    sandbox: SandboxMode = "auto",
    weights: dict[str, Path] | None = None,
    overrides: list[Override] | None = None,
    student_id: str | None = None,
    origin: dict | None = None,
    late: dict | None = None,
    rubric: Rubric | None = None,
    lang: str | None = None,
    progress: ProgressFn | None = None,
) -> results.SubmissionResult:
    """Runs the whole pipeline on one submission; writes ``out/<submission>/``; returns every stage value.

    Args:
        path: the ``.ipynb`` or ``.py`` file.
        lab: lab id.
        out: results folder.
        quick: quick mode (small data; quick-mode bands).
        data_root: offline data root (default: ``$LABGRADE_DATA``, else Keras' cache).
        limits: resource limits (default: the lab's, sized from the reference's measured time).
        sandbox: ``"auto"``, ``"bwrap"`` or ``"none"``.
        weights: application -> weights file used for ``weights="imagenet"``.
        overrides: manual grades merged over the automatic ones.
        student_id: defaults to the file's stem.
        origin: where the file came from (LMS metadata), stored as ``submission.json``.
        late: the late policy's verdict for this submission (`harness.lms.late.LateResult.to_dict`
            plus ``basis``); its penalty is a line of the grade.
        rubric: grade with this rubric (default: the lab's ``rubrics/<lab>.toml``).
        lang: the language of the students' files (feedback.json, results.json); None: the
            rubric's, else the locale's, else English.
        progress: called with short progress lines.
    """
    spec = get_lab(lab)
    rubric = rubric or load_rubric(lab)
    source = DataSource.resolve(data_root)
    sub = Submission.from_path(path, lab=lab, student_id=student_id)
    folder = Path(out) / results.folder_name(sub.student_id)
    limits = limits or Limits.measured(spec, quick=quick,
                                       calibration=rubric.calibration.get("quick" if quick else "full"))
    exe = execute(sub, artifacts_dir=folder, lab=spec, limits=limits, source=source, quick=quick,
                  sandbox_mode=sandbox, weights=weights, progress=progress)
    if progress:
        progress("measuring the exported models on held-out data")
    measurements = measure(exe, lab=spec, rubric=rubric, artifacts=folder, source=source, weights=weights)
    grade = grade_execution(exe, measurements=measurements, rubric=rubric, source=source, artifacts=folder, lab=spec,
                            weights=weights, overrides=overrides, late=late)
    result = results.SubmissionResult(folder=folder, execution=exe, measurements=measurements, grade=grade,
                                      origin=origin or {}, lang=resolve_lang(lang, lab=lab))
    write_result(result)
    return result


def regrade_one(folder: Path, *, rubric: Rubric, source: DataSource, weights: dict[str, Path] | None = None,
                overrides: list[Override] | None = None, late: dict | None = None,
                lang: str | None = None) -> tuple[results.SubmissionResult, list[str]]:
    """Grades a stored run again with `rubric`, without executing anything.

    The stored Measurements are reused when they hold everything the rubric needs;
    otherwise the exported models stored in the folder are measured again (the
    evaluation worker, no notebook is run). Manual overrides of the stored grade are kept
    unless `overrides` replaces them; the stored late verdict is kept unless `late` replaces it.
    The students' files are rewritten in `lang` (None: the rubric's, else the locale's).

    Returns:
        The new result, and the items whose evidence is not stored (they need a re-run).
    """
    stored = results.read_result(folder)
    exe = stored.execution
    spec = get_lab(rubric.lab)
    measurements = stored.measurements
    needs_rerun: list[str] = []
    wanted = request_for(exe, lab=spec, rubric=rubric, artifacts=folder, source=source, weights=weights)
    have = set(measurements.metrics) | {f"{k}" for k in measurements.samples}
    missing = [f"{m['model']}:{m['task']}" for m in wanted["metrics"] if f"{m['model']}:{m['task']}" not in have]
    missing += [f"{s['model']}:{s['key']}" for s in wanted["samples"] if f"{s['model']}:{s['key']}" not in have]
    if missing or (wanted.get("resnet_reference") and not measurements.reference):
        models_stored = all((Path(folder) / m["path"]).is_file() for m in wanted["models"].values())
        if models_stored:
            measurements = measure(exe, lab=spec, rubric=rubric, artifacts=folder, source=source, weights=weights)
        else:
            needs_rerun = missing
    keep = overrides if overrides is not None else [
        Override(item=o.item, points=o.points, comment=o.comment) for o in (stored.grade.overrides if stored.grade
                                                                              else [])
        if any(i.id == o.item for i in rubric.items)]
    if late is None and stored.grade is not None and stored.grade.late:
        late = {k: v for k, v in stored.grade.late.items() if k != "penalty_points"}
    grade = grade_execution(exe, measurements=measurements, rubric=rubric, source=source, artifacts=folder, lab=spec,
                            weights=weights, overrides=keep, late=late)
    result = results.SubmissionResult(folder=Path(folder), execution=exe, measurements=measurements, grade=grade,
                                      origin=stored.origin, lang=resolve_lang(lang, lab=rubric.lab))
    write_result(result)
    return result, needs_rerun
