"""What every check sees: the execution, the grader's measurements and the evidence, the rubric.

Checks read; they never measure. Every number they judge comes from the evaluate stage
(`harness.evaluate.stage.measure`, run by the grader in a limited process on held-out
data) or from the trace after the evidence cross-checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data import DataSource
from harness.i18n import Msg, msg, render
from harness.i18n.message import decode_args
from harness.labs import LabSpec
from harness.models import Diagnosis, Execution, Export, Measurements, Metric, ModelEvidence, ModelFacts, TraceEvent
from harness.rubric import Band, Item, Rubric

# What a student reads when the training record does not add up: neutral, actionable.
# The details go to the instructor (the item's evidence and flag).
INCONSISTENT_RECORD = msg("The training record is inconsistent with the model you exported, so this item could not "
                          "be verified. Restart the kernel and run the notebook from top to bottom, then submit it "
                          "unchanged.")


@dataclass
class Verdict:
    """A check's outcome before points are attached.

    Attributes:
        fraction: share of the item's points earned, 0..1.
        message: student-safe feedback: what was expected, what was found, how to fix it, as a
            `harness.i18n.Msg` (shown in the student's language); a plain string is shown as
            written (English). Never contains band limits, held-out data or hidden items.
        evidence: measured values backing the message; instructor-only.
        error: True when the check itself could not run (a grader problem, not the student's).
        flag: instructor-only marker (``review``, ``evidence``), never shown to a student.
    """

    fraction: float
    message: Msg | str
    evidence: dict[str, Any] = field(default_factory=dict)
    error: bool = False
    flag: str = ""

    @classmethod
    def passed(cls, message: Msg | str, **evidence) -> "Verdict":
        return cls(1.0, message, evidence)

    @classmethod
    def failed(cls, message: Msg | str, **evidence) -> "Verdict":
        return cls(0.0, message, evidence)

    @classmethod
    def unverified(cls, why: str, **evidence) -> "Verdict":
        """Zero points: the evidence this item rests on failed a cross-check (flagged to the instructor)."""
        return cls(0.0, INCONSISTENT_RECORD, {"unverified": why, **evidence}, flag="evidence")


class CheckError(RuntimeError):
    """A check cannot run (missing calibration, missing data): a grader-side problem."""


@dataclass
class GradeContext:
    """Inputs shared by the checks of one submission.

    Attributes:
        execution: what the submission did.
        lab: the lab spec.
        rubric: the validated rubric.
        source: where the grader's data comes from.
        artifacts: the submission's artifacts folder.
        measurements: what the grader measured itself (the evaluate stage).
        weights: application -> weights file the sandbox used for ``weights="imagenet"``.
        metrics: grader-measured values worth reporting, filled by checks (end up in LabResult.metrics).
    """

    execution: Execution
    lab: LabSpec
    rubric: Rubric
    source: DataSource
    artifacts: Path
    measurements: Measurements = field(default_factory=Measurements)
    weights: dict[str, Path] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """``quick`` or ``full``: which bands apply."""
        return "quick" if self.execution.quick else "full"

    def band_or_none(self, metric: str) -> Band | None:
        """The band of `metric` for this run's configuration (a variant's when one applies), or None."""
        variant = self.measurements.bands.get(metric)
        if variant is not None:
            return Band(metric=metric, low=float(variant["low"]), high=float(variant["high"]), mean=variant.get("mean"),
                        values=tuple(float(v) for v in variant.get("values") or ()))
        return self.rubric.band(metric, self.mode)

    def band_margin(self) -> float:
        """How much the bands were widened beyond the reference's runs (the calibration's margin)."""
        cal = self.rubric.calibration.get(self.mode, {})
        return float(cal.get("margin") or 0.02)

    def band(self, metric: str) -> Band:
        """The calibrated band for `metric` for this run's configuration, in this mode.

        Raises:
            CheckError: when no band exists for it (calibration missing).
        """
        band = self.band_or_none(metric)
        if band is None:
            raise CheckError(
                f"no {self.mode}-mode band for {metric!r} in {self.rubric.path}; run "
                f"`labgrade reference calibrate {self.lab.id}{' --quick' if self.mode == 'quick' else ''}`")
        return band

    def export(self, name: str) -> Export | None:
        """The export of contract name `name`, when found without error."""
        exp = self.execution.exports.get(name)
        return exp if exp is not None and exp.found and not exp.error else None

    def model_id(self, name: str) -> str | None:
        """The traced object id of exported model `name` (None when not exported)."""
        exp = self.export(name)
        mid = exp.data.get("model_id") if exp is not None and isinstance(exp.data, dict) else None
        return mid if isinstance(mid, str) else None

    def fits(self, model_id: str | None = None) -> list[TraceEvent]:
        """Fit calls (of one model when `model_id` is given), in order."""
        return [t for t in self.execution.trace if t.kind == "fit" and (model_id is None or t.model_id == model_id)]

    def facts(self, name: str) -> ModelFacts | None:
        """The grader's own view of exported model `name` (None when it was not exported)."""
        return self.measurements.models.get(name)

    def metric(self, model: str, task: str) -> Metric:
        """The grader's measurement of `model` on `task` (an empty Metric with the reason when it has none)."""
        found = self.measurements.metric(model, task)
        if found is not None:
            return found
        return Metric(error=render(self.unmeasured(model), "en"))

    def unmeasured(self, model: str) -> Msg | str:
        """Why `model` has no measurement at all: the evaluate stage's reason (as it recorded it) or not exported."""
        facts = self.facts(model)
        if facts is not None and facts.error:
            return facts.error
        if self.measurements.status not in ("ok", "skipped"):
            return self.measurements.detail
        return msg("`{model}` was not exported", model=model)

    def metric_problem(self, model: str, task: str) -> Msg | str:
        """For a student: why `model` has no value on `task` (`metric` gives the same reason in English)."""
        found = self.measurements.metric(model, task)
        if found is None:
            return self.unmeasured(model)
        return found.error or msg("no measurement")

    def evidence(self, name: str) -> ModelEvidence:
        """How exported model `name` relates to the training record."""
        return self.measurements.evidence.get(name) or ModelEvidence(name=name)

    def never_fit(self, name: str) -> bool:
        """True when exported model `name` carries a traced id and no fit() of that object was recorded.

        Its outputs then come from randomly initialised layers: what it predicts is luck, not a result.
        """
        mid = self.model_id(name)
        return mid is not None and not self.fits(mid)

    def diagnosis_note(self) -> Msg | str:
        """One sentence (with its leading space) naming Keras 2 APIs that broke or changed the run; "" when none."""
        diags = self.execution.diagnoses
        if not diags:
            return ""
        parts = [msg("{api} (cell {cell}): use {replacement}", api=d.api, cell=d.cell_index,
                     replacement=replacement_head(d)) for d in diags[:3]]
        return msg(" Keras 2 API found: {parts:; }.", parts=parts)


def replacement_head(d: Diagnosis) -> Msg | str:
    """A diagnosis's replacement without its explanation.

    A replacement written ``code  (why)`` shows only its code (the same in every language);
    any other replacement is shown whole, in the reader's language.
    """
    if "  (" in d.replacement:
        return d.replacement.split("  (")[0]
    return Msg(d.replacement_id, decode_args(d.replacement_args)) if d.replacement_id else d.replacement


def item_param(item: Item, name: str, default=None):
    """A check parameter with a default."""
    return item.params.get(name, default)
