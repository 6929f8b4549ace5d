"""The per-submission report: ``OUT/<submission>/report.html`` (instructor) or ``feedback.html`` (student).

Inputs are the files grading wrote (``execution.json``, ``grade.json``, ``figures/``,
``executed.ipynb``); nothing is re-run. The instructor view has every rubric item
with its evidence, the grader's measurements, the curves over the reference band,
timing against the reference baseline and the sandbox details. The student view is
built from `harness.report.gradescope.student_feedback`, the same data ``labgrade
check`` prints: visible items only (hidden ones counted, never named), no evidence,
no band, no reference numbers. The student view is written in the student's language
(`harness.i18n`: ``lang``, else the rubric's, else the locale's); the instructor's stays English.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness import results
from harness.i18n import msg, render, resolve_lang
from harness.i18n.templates import environment as translated_environment
from harness.labs import LABS, PROJECT_ROOT
from harness.models import Execution, Grade, Measurements
from harness.report import curves, svg
from harness.report.cells import figure_views, walkthrough
from harness.report.gradescope import diagnosis_text, status_line, student_feedback, write_student_files
from harness.report.images import ImageBudget
from harness.report.notebook import write_notebook_html
from harness.report.render import environment, render_page, write_page
from harness.report.timing import timing_rows
from harness.rubric import Rubric, load_rubric

REPORT = "report.html"
FEEDBACK = "feedback.html"
NOTEBOOK = "notebook.html"
AUTO = "auto"


@dataclass
class ItemView:
    """One rubric item as a report row."""

    item: str
    name: str
    status: str
    score: float
    max_score: float
    message: str
    visibility: str = "visible"
    evidence: list[tuple[str, Any]] | None = None
    automatic: float | None = None
    override_comment: str = ""
    overridden: bool = False
    flag: str = ""
    claims: list[dict] | None = None


@lru_cache(maxsize=16)
def _rubric(lab: str, mtime: float) -> Rubric:
    return load_rubric(lab)


def lab_rubric(lab: str) -> Rubric | None:
    """The lab's current rubric (cached while its file is unchanged); None when it cannot be read."""
    spec = LABS.get(lab)
    if spec is None or not spec.rubric_path.is_file():
        return None
    try:
        return _rubric(lab, spec.rubric_path.stat().st_mtime)
    except (ValueError, OSError):
        return None


def default_calibration_dir(lab: str, mode: str) -> Path:
    """Where ``labgrade reference calibrate`` leaves the per-seed runs (``$LABGRADE_CALIBRATION`` overrides)."""
    root = Path(os.environ.get("LABGRADE_CALIBRATION") or PROJECT_ROOT / "reports" / "calibration")
    return root / lab / mode


def load_inputs(folder: Path) -> tuple[Execution, Grade | None]:
    """Reads ``execution.json`` and, when present, ``grade.json`` of a submission folder (another process wrote them).

    Raises:
        FileNotFoundError: when ``execution.json`` is missing.
        harness.serialize.SchemaError: when a file is not a labgrade document.
    """
    return results.read_execution(folder), results.read_grade(folder)


def _items(grade: Grade, *, student_view: bool, exe: Execution, lang: str) -> tuple[list[ItemView], dict]:
    overrides = {o.item: o for o in grade.overrides}
    if student_view:
        fb = student_feedback(grade, exe, lang=lang)
        rows = [ItemView(item=i["item"], name=i["name"], status=i["status"], score=i["score"],
                         max_score=i["max_score"], message=i["message"]) for i in fb["items"]]
    else:
        fb = {}
        rows = [ItemView(item=c.item, name=c.name, status=c.status, score=c.score, max_score=c.max_score,
                         message=c.message, visibility=c.visibility,
                         evidence=[(k, v) for k, v in c.evidence.items() if k != "analysis"], flag=c.flag,
                         claims=_claims(c.evidence))
                for c in grade.lab_result.checks]
    for row in rows:
        ov = overrides.get(row.item)
        if ov is not None:
            row.overridden, row.automatic, row.override_comment = True, ov.automatic, ov.comment
    return rows, fb


def _claims(evidence: dict) -> list[dict] | None:
    """Each fact of the run, its verdict and the student's words behind it (the analysis item's reasoning)."""
    analysis = evidence.get("analysis") if isinstance(evidence, dict) else None
    facts = analysis.get("facts") if isinstance(analysis, dict) else None
    if not isinstance(facts, list):
        return None
    return [{"measured": str(f.get("measured", ""))[:300], "verdict": str(f.get("verdict", "")),
             "quotes": [str(q)[:300] for q in (f.get("quotes") or [])[:4]]} for f in facts[:40] if isinstance(f, dict)]


def _score(grade: Grade | None, fb: dict, student_view: bool) -> dict:
    if grade is None:
        return {"score": None, "max": None, "hidden_items": 0, "hidden_max": 0}
    if student_view:
        return {"score": fb["visible_score"], "max": fb["visible_max_score"], "hidden_items": fb["hidden_items"],
                "hidden_max": fb["hidden_max_score"]}
    return {"score": grade.score, "max": grade.max_score, "hidden_items": 0, "hidden_max": 0}


def _notebook(folder: Path, exe: Execution, enabled: bool, lang: str) -> dict:
    executed = folder / "executed.ipynb"
    dest = folder / NOTEBOOK
    if not executed.is_file():
        why = msg("the submission is a module") if exe.submission.kind == "module" else msg("none was saved")
        return {"href": None, "note": render(msg("No executed notebook ({why}); every cell is shown below.", why=why),
                                             lang)}
    if enabled and (not dest.is_file() or dest.stat().st_mtime < executed.stat().st_mtime):
        problem = write_notebook_html(executed, dest, title=exe.submission.student_id)
        if problem:
            return {"href": None, "note": render(msg("notebook.html was not written: {problem}.", problem=problem),
                                                 lang)}
    return {"href": NOTEBOOK if dest.is_file() else None, "note": ""}


def submission_context(folder: Path, *, student_view: bool = False, rubric: Rubric | None = None,
                       calibration_dir: Path | str | None = AUTO, notebook: bool = True,
                       result: results.SubmissionResult | None = None, lang: str | None = None) -> dict:
    """Everything the submission template draws (see `render_submission` for the arguments)."""
    folder = Path(folder)
    exe, grade = (result.execution, result.grade) if result is not None else load_inputs(folder)
    origin = result.origin if result is not None else results.read_origin(folder)
    measurements = result.measurements if result is not None else results.read_measurements(folder)
    lab = exe.submission.lab
    lang = resolve_lang(lang, lab=lab) if student_view else "en"
    mode = "quick" if exe.quick else "full"
    rubric = rubric or lab_rubric(lab)
    bands = rubric.bands.get(mode, {}) if rubric else {}
    if calibration_dir == AUTO:
        calibration_dir = default_calibration_dir(lab, mode)
    reference = curves.load_reference_histories(Path(calibration_dir)) if calibration_dir and not student_view else {}
    charts = [{"svg": svg.line_chart(c), "caption": c.caption}
              for c in curves.submission_charts(exe, bands=bands, reference=reference, show_reference=not student_view,
                                                mode=mode)]
    budget = ImageBudget()
    figures = figure_views(exe, folder, budget)
    blocks, orphans = walkthrough(exe, figures)
    items, fb = _items(grade, student_view=student_view, exe=exe, lang=lang) if grade else ([], {})
    notes = []
    if grade and rubric and rubric.version != grade.lab_result.rubric_version and not student_view:
        notes.append(f"Bands drawn from rubric version {rubric.version}; this submission was graded with "
                     f"{grade.lab_result.rubric_version}.")
    if budget.left_out:
        notes.append(render(msg("{n} figure(s) left out to keep this page small; they are in notebook.html and "
                                "figures/.", n=budget.left_out), lang))
    return {
        "student_view": student_view,
        "lang": lang,
        "exe": exe,
        "grade": grade,
        "lab": lab,
        "lab_title": render(LABS[lab].title, lang) if lab in LABS else lab,
        "mode": mode,
        "file_name": Path(exe.submission.path).name,
        "status_line": status_line(exe.status, lang) if grade else exe.status,
        "diagnoses": [_diagnosis_view(d, lang) for d in exe.diagnoses],
        "score": _score(grade, fb, student_view),
        "items": items,
        "flagged": [{"index": n, "name": it.name, "flag": it.flag} for n, it in enumerate(items, 1) if it.flag],
        "metrics": sorted(grade.lab_result.metrics.items()) if grade and not student_view else [],
        "overrides": [o for o in grade.overrides if o.item in {i.item for i in items}] if grade else [],
        "charts": charts,
        "timing": timing_rows(exe, grade, rubric, mode=mode, student_view=student_view),
        "blocks": blocks,
        "orphans": orphans,
        "notebook": _notebook(folder, exe, notebook, lang),
        "notes": notes,
        "identity": _identity(origin, student_view),
        "configuration": _configuration(measurements, rubric, mode),
        "late": _late(grade),
    }


def _configuration(measurements: Measurements | None, rubric: Rubric | None, mode: str) -> dict | None:
    """The choices the run made (read from its trace) beside the reference's, and where its bands came from.

    Only the dimensions the rubric lets a student choose (``[variation] allowed``) are shown.
    """
    if measurements is None or rubric is None or not measurements.config:
        return None
    allowed = (rubric.variation or {}).get("allowed") or {}
    reference = (rubric.calibration.get(mode) or {}).get("config") or {}
    rows = [{"name": str(k), "yours": str(v)[:60], "reference": str(reference.get(k, "-"))[:60],
             "differs": str(reference.get(k)) != str(v)} for k, v in measurements.config.items() if k in allowed]
    if not rows:
        return None
    return {"rows": rows, "source": str(measurements.bands_source)[:200], "allowed": measurements.config_allowed}


def _identity(origin: dict, student_view: bool) -> dict:
    """Who handed it in, as the roster (else the LMS export) says; the student's own page shows only the name."""
    roster = origin.get("roster") if isinstance(origin.get("roster"), dict) else {}
    name = roster.get("name") or origin.get("display_name") or ""
    if student_view:
        return {"name": str(name)[:200], "roster_id": "", "email": "", "lms": "", "submitted_at": "",
                "on_roster": None}
    return {"name": str(name)[:200], "roster_id": str(roster.get("student_id") or "")[:100],
            "email": str(roster.get("email") or origin.get("email") or "")[:200],
            "lms": str(origin.get("lms") or "") if origin.get("lms") not in (None, "plain") else "",
            "submitted_at": str(origin.get("submitted_at") or "")[:40],
            "on_roster": bool(roster) if "roster" in origin else None}


def _late(grade: Grade | None) -> dict | None:
    """The late policy's line and penalty (None when no policy applied)."""
    if grade is None or not grade.late:
        return None
    return {"line": str(grade.late.get("line") or ""), "penalty": float(grade.late.get("penalty_points") or 0.0),
            "raw": grade.raw_score, "status": str(grade.late.get("status") or ""),
            "flagged": bool(grade.late.get("flagged"))}
def _diagnosis_view(d, lang: str) -> dict:
    message, replacement = diagnosis_text(d, lang)
    return {"api": d.api, "cell_index": d.cell_index, "severity": d.severity, "message": message,
            "replacement": replacement}


def render_submission(folder: Path, *, student_view: bool = False, rubric: Rubric | None = None,
                      calibration_dir: Path | str | None = AUTO, notebook: bool = True,
                      result: results.SubmissionResult | None = None, lang: str | None = None) -> Path:
    """Writes the report of one graded submission and returns its path.

    Args:
        folder: ``OUT/<submission>/`` as written by grading (``execution.json`` required,
            ``grade.json`` expected).
        student_view: write ``feedback.html``, the student's view (what ``labgrade check``
            shows), instead of the instructor's ``report.html``.
        rubric: the rubric whose bands are drawn; default the lab's current rubric.
        calibration_dir: folder of the calibration runs (``seed-*/result.json``) whose
            per-epoch spread is drawn behind the curves; ``"auto"`` looks in
            ``reports/calibration/<lab>/<mode>``; None draws only the rubric band.
        notebook: also write ``notebook.html`` from ``executed.ipynb`` (nbconvert,
            sanitised) when it is missing or older than the notebook.
        result: the stage values in memory (the process that graded it); read from
            `folder` when None.
        lang: the student view's language (``en``, ``ko``); None: the rubric's ``[rubric] lang``,
            else the locale's, else English. The instructor's report is always English.

    Raises:
        FileNotFoundError: when `folder` has no ``execution.json``.
        harness.errors.InputError: `lang` is not a language labgrade speaks.
    """
    ctx = submission_context(folder, student_view=student_view, rubric=rubric, calibration_dir=calibration_dir,
                             notebook=notebook, result=result, lang=lang)
    who = ctx["exe"].submission.student_id
    title = (render(msg("Feedback: {who} — {title}", who=who, title=ctx["lab_title"]), ctx["lang"]) if student_view
             else f"Report: {who} — {ctx['lab_title']}")
    # The page frame is render_page's; the template comes from the environment of the page's language
    # (Jinja's get_template returns a Template object it is given unchanged).
    template = translated_environment(environment(), ctx["lang"]).get_template("submission.html.j2")
    html = render_page(template, title=title, **ctx)
    return write_page(Path(folder) / (FEEDBACK if student_view else REPORT), html)


def write_student_view(folder: Path, *, lang: str | None = None, notebook: bool = True) -> Path:
    """Writes everything a student reads of one graded submission in `lang`: ``feedback.html``, and
    ``feedback.json`` and ``results.json`` (Gradescope) in the same language.

    Args:
        folder: ``OUT/<submission>/`` with ``execution.json`` and ``grade.json``.
        lang: ``en`` or ``ko``; None: the rubric's ``[rubric] lang``, else the locale's, else English.
        notebook: also (re)write ``notebook.html`` when it is stale.

    Returns:
        The path of ``feedback.html``.

    Raises:
        FileNotFoundError: when `folder` has no ``execution.json`` or no ``grade.json``.
        harness.errors.InputError: `lang` is not a language labgrade speaks.
    """
    exe, grade = load_inputs(Path(folder))
    if grade is None:
        raise FileNotFoundError(f"No grade.json in {str(folder)!r}: the submission has not been graded.")
    lang = resolve_lang(lang, lab=exe.submission.lab)
    write_student_files(grade, exe, Path(folder), lang=lang)
    return render_submission(folder, student_view=True, notebook=notebook, lang=lang)
