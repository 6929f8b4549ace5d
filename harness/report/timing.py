"""Timing and throughput of a submission, side by side with the reference baseline.

The submission's numbers come from the execution (wall time, time in cells, peak
memory) and its training trace (time in ``fit``, samples per second, computed as the
timing check does). The baseline is the median over the calibration runs stored in
the rubric (``[calibration.<mode>.throughput]``) and, when ``labgrade reference
compare --write`` stored one, the lecture recipe's run (``[speed.<mode>]``). A ratio
is shown only when the timing check found the baseline was measured on the same
machine; otherwise the numbers stand side by side with the baseline's machine named.
"""

from __future__ import annotations

import math
import statistics
from types import SimpleNamespace
from typing import Any

from harness.checks.timing import training_throughput
from harness.models import Execution, Grade
from harness.rubric import Rubric


def _median(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, list):
        vals = [float(v) for v in value if isinstance(v, (int, float)) and math.isfinite(v)]
        return statistics.median(vals) if vals else None
    return None


def _timing_evidence(grade: Grade | None) -> dict:
    if grade is None:
        return {}
    for c in grade.lab_result.checks:
        if "train_samples_per_s" in c.evidence or "fit_seconds" in c.evidence:
            return c.evidence
    return {}


def timing_rows(exe: Execution, grade: Grade | None, rubric: Rubric | None, *, mode: str,
                student_view: bool) -> dict:
    """Rows ``(label, submission, reference, lecture, ratio)`` and notes for the timing table.

    Args:
        exe: the execution.
        grade: its grade (the timing check's evidence says whether a ratio is meaningful).
        rubric: the rubric holding the baseline; None shows the submission alone.
        mode: ``quick`` or ``full``: which baseline applies.
        student_view: True leaves the reference columns out.
    """
    fits = [t for t in exe.trace if t.kind == "fit"]
    rate, fit_s = training_throughput(SimpleNamespace(fits=lambda: fits))
    evidence = _timing_evidence(grade)
    rate = evidence.get("train_samples_per_s", rate)
    same_machine = "ratio" in evidence
    cal = (rubric.calibration.get(mode) or {}) if rubric and not student_view else {}
    thr = cal.get("throughput") or {}
    speed = ((rubric.extra.get("speed") or {}).get(mode) or {}) if rubric and not student_view else {}
    lecture = speed.get("lecture") or {}
    rows = [
        ("Wall time, kernel start-up included (s)", exe.wall_time_s, _median(thr.get("median_wall_s")),
         _median(lecture.get("wall_s"))),
        ("Kernel start-up (s)", exe.startup_s, None, None),
        ("Time in cells (s)", exe.cell_time_s, None, None),
        ("Time in fit (s)", fit_s if fits else None, None, _median(lecture.get("train_s"))),
        ("Epochs trained", sum(len(t.epoch_logs) for t in fits) if fits else None, None, None),
        ("Training throughput (samples/s)", rate, _median(thr.get("train_images_per_s")),
         _median(lecture.get("train_images_per_s"))),
        ("Peak memory (MB)", exe.peak_rss_mb, _median(thr.get("peak_rss_mb")), _median(lecture.get("peak_rss_mb"))),
        ("Reference time to band (s)", None, _median(thr.get("time_to_band_s")),
         _median(lecture.get("time_to_band_s"))),
    ]
    out = []
    for label, mine, ref, lect in rows:
        ratio = None
        if same_machine and mine and ref:
            ratio = evidence["ratio"] if label.startswith("Training throughput") else mine / ref
        if mine is None and ref is None and lect is None:
            continue
        out.append({"label": label, "submission": mine, "reference": ref, "lecture": lect, "ratio": ratio})
    notes = []
    if cal:
        notes.append(f"Reference: median of {cal.get('n', '?')} calibration runs on {cal.get('cpu', '?')} "
                     f"({cal.get('device', '?')}, {cal.get('backend', '?')}, Keras {cal.get('keras', '?')}), "
                     f"{mode} mode, {cal.get('date', 'date unknown')}.")
        notes.append("Ratio: the submission's value over the reference's (times: above 1 is slower; "
                     "throughput: above 1 is faster)."
                     if same_machine else
                     "The baseline was measured on another machine: values side by side, no ratio.")
    if lecture:
        notes.append(f"Lecture: the lecture's recipe run the same way on {speed.get('cpu', '?')} "
                     f"({speed.get('device', '?')}), {speed.get('date', '')}.")
    return {"rows": out, "notes": notes, "has_reference": bool(cal), "has_lecture": bool(lecture)}
