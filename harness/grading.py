"""Grading one submission: execute (or reuse an Execution), run every rubric check, write the results.

Files written per submission, in ``OUT/<submission-id>/``:
``execution.json`` (what ran), ``grade.json`` (every item, with instructor-only
evidence), ``results.json`` (Gradescope's autograder format, hidden items marked
hidden), ``feedback.json`` (student-facing: visible items only, hidden ones counted).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from harness.checks import REGISTRY, CheckError, GradeContext, Verdict
from harness.checks.bands import verified_histories
from harness.evaluate.histories import matching_fit
from harness.data import DataSource
from harness.execute import Limits, execute
from harness.execute.engine import ProgressFn
from harness.execute.sandbox import SandboxMode
from harness.i18n import msg
from harness.labs import LabSpec, get_lab
from harness.evaluate.stage import measure
from harness.models import Execution, Grade, LabResult, Measurements, Override, Submission
from harness.report import gradescope
from harness.rubric import Rubric, load_rubric
from harness.score import check_result, make_grade
from harness.serialize import write_atomic


NO_RESULTS = msg("This item discusses the results of training, but no model or history in this run comes from a "
                 "training run the grader could verify, so there is nothing to discuss yet. Train the model in the "
                 "notebook, keep the trained model and its History, and run the notebook from top to bottom.")


def verified_training(ctx: GradeContext) -> bool:
    """True when some exported model or history of the run was produced by a verified fit."""
    if any(ev.status == "consistent" and ev.trained for ev in ctx.measurements.evidence.values()):
        return True
    if not ctx.execution.integrity.ok:
        return False
    for name in ("history", "history_no_dropout"):
        exp = ctx.export(name)
        if exp is not None and isinstance(exp.data, dict) and matching_fit(exp.data, ctx.execution.trace,
                                                                             lab=ctx.lab) is not None:
            return True
    return bool(ctx.export("histories")) and bool(verified_histories(ctx)[0])


def safe_id(student_id: str) -> str:
    """A file-system-safe id for a results folder (never empty, never a dot-name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._")[:80] or "submission"


def submission_id(sub: Submission) -> str:
    """The results-folder id of a submission."""
    return safe_id(sub.student_id)


def grade_execution(execution: Execution, *, measurements: Measurements, rubric: Rubric, source: DataSource,
                    artifacts: Path, lab: LabSpec | None = None, weights: dict[str, Path] | None = None,
                    overrides: list[Override] | None = None) -> Grade:
    """Runs every rubric check on an execution and the grader's measurements. Never raises for a check's failure.

    A check that cannot run (no band calibrated, data missing) scores 0 with status
    ``error`` and says why; an unexpected exception in a check is reported the same way.
    Items that discuss results (``requires = "trained"``) score 0 with the reason when
    no model or history of the run comes from a verified training run.
    """
    lab = lab or get_lab(rubric.lab)
    t0 = time.monotonic()
    ctx = GradeContext(execution=execution, lab=lab, rubric=rubric, source=source, artifacts=Path(artifacts),
                       measurements=measurements, weights=weights)
    results = []
    trained = verified_training(ctx)
    for item in rubric.items:
        fn = REGISTRY[item.check]
        try:
            if item.requires == "trained" and not trained:
                verdict = Verdict(0.0, NO_RESULTS, {"requires": "trained"})
            else:
                verdict = fn(ctx, item)
        except CheckError as exc:
            verdict = Verdict(0.0, msg("Not graded automatically: {reason}.", reason=str(exc)), error=True)
        except Exception as exc:  # a bug in a check must not lose the other items
            verdict = Verdict(0.0, msg("Not graded automatically: internal check error ({error}).",
                                       error=f"{type(exc).__name__}: {str(exc)[:300]}"), error=True)
        results.append(check_result(item, verdict))
    lab_result = LabResult(lab=lab.id, rubric_version=rubric.version, checks=results, metrics=ctx.metrics,
                           seconds=round(time.monotonic() - t0, 3))
    return make_grade(execution, lab_result, rubric, overrides)


def write_results(grade: Grade, execution: Execution, folder: Path) -> None:
    """Writes grade.json, results.json (Gradescope) and feedback.json (student view) atomically."""
    write_atomic(folder / "grade.json", grade.to_json())
    write_atomic(folder / "results.json", json.dumps(gradescope.results_json(grade, execution), indent=2))
    write_atomic(folder / "feedback.json", json.dumps(gradescope.student_feedback(grade, execution), indent=2))


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
    progress: ProgressFn | None = None,
) -> Grade:
    """Executes and grades one submission, writing everything into ``out/<submission-id>/``."""
    spec = get_lab(lab)
    rubric = load_rubric(lab)
    source = DataSource.resolve(data_root)
    sub = Submission.from_path(path, lab=lab, student_id=student_id)
    folder = Path(out) / submission_id(sub)
    limits = limits or Limits.measured(spec, quick=quick,
                                       calibration=rubric.calibration.get("quick" if quick else "full"))
    exe = execute(sub, artifacts_dir=folder, lab=spec, limits=limits,
                  source=source, quick=quick, sandbox_mode=sandbox, weights=weights, progress=progress)
    if progress:
        progress("measuring the exported models on held-out data")
    measurements = measure(exe, lab=spec, rubric=rubric, artifacts=folder, source=source, weights=weights)
    grade = grade_execution(exe, measurements=measurements, rubric=rubric, source=source, artifacts=folder, lab=spec,
                            weights=weights, overrides=overrides)
    write_atomic(folder / "measurements.json", measurements.to_json())
    write_results(grade, exe, folder)
    return grade
