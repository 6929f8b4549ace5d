"""What every check sees: the execution, the rubric, the data, and shared trusted measurements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data import DataSource
from harness.labs import LabSpec
from harness.models import Execution, Export, TraceEvent
from harness.rubric import Band, Item, Rubric


@dataclass
class Verdict:
    """A check's outcome before points are attached.

    Attributes:
        fraction: share of the item's points earned, 0..1.
        message: student-safe feedback: what was expected, what was found, how to fix it.
            Never contains band limits, held-out data or hidden items.
        evidence: measured values backing the message; instructor-only.
        error: True when the check itself could not run (a grader problem, not the student's).
    """

    fraction: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    error: bool = False

    @classmethod
    def passed(cls, message: str, **evidence) -> "Verdict":
        return cls(1.0, message, evidence)

    @classmethod
    def failed(cls, message: str, **evidence) -> "Verdict":
        return cls(0.0, message, evidence)


class CheckError(RuntimeError):
    """A check cannot run (missing calibration, missing data): a grader-side problem."""


@dataclass
class GradeContext:
    """Inputs shared by the checks of one submission.

    Attributes:
        execution: what the submission did.
        lab: the lab spec.
        rubric: the validated rubric.
        source: where the grader's data (held-out included) comes from.
        artifacts: the submission's artifacts folder (exported models live here).
        weights: application -> weights file the sandbox used for ``weights="imagenet"``.
        metrics: grader-measured values, filled by checks (end up in LabResult.metrics).
        cache: memo shared between checks (loaded models, measurements).
    """

    execution: Execution
    lab: LabSpec
    rubric: Rubric
    source: DataSource
    artifacts: Path
    weights: dict[str, Path] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """``quick`` or ``full``: which bands apply."""
        return "quick" if self.execution.quick else "full"

    def band(self, metric: str) -> Band:
        """The calibrated band for `metric` in this mode.

        Raises:
            CheckError: when the rubric has no band for it (calibration missing).
        """
        band = self.rubric.band(metric, self.mode)
        if band is None:
            raise CheckError(
                f"no {self.mode}-mode band for {metric!r} in {self.rubric.path}; run "
                f"`labgrade reference calibrate {self.lab.id}{' --quick' if self.mode == 'quick' else ''}`")
        return band

    def export(self, name: str) -> Export | None:
        """The export of contract name `name`, when found without error."""
        exp = self.execution.exports.get(name)
        return exp if exp is not None and exp.found and not exp.error else None

    def fits(self, model_id: str | None = None) -> list[TraceEvent]:
        """Fit calls (of one model when `model_id` is given), in order."""
        return [t for t in self.execution.trace if t.kind == "fit" and (model_id is None or t.model_id == model_id)]

    def never_fit(self, name: str) -> bool:
        """True when the exported model `name` carries a traced id and no fit() of that object was recorded.

        Its outputs then come from randomly initialised layers: what it predicts is luck, not a result.
        """
        exp = self.export(name)
        mid = exp.data.get("model_id") if exp is not None and isinstance(exp.data, dict) else None
        return mid is not None and not self.fits(mid)

    def model(self, name: str):
        """The exported Keras model `name`, loaded safely (memoised).

        Raises:
            EvaluationError: when it is missing or cannot be loaded safely.
        """
        from harness.evaluate import EvaluationError, load_exported_model

        key = f"model:{name}"
        if key not in self.cache:
            exp = self.export(name)
            if exp is None or not exp.path:
                raise EvaluationError(f"{name!r} was not exported"
                                      + (f" ({self.execution.exports[name].error})"
                                         if name in self.execution.exports and self.execution.exports[name].error
                                         else ""))
            self.cache[key] = load_exported_model(self.artifacts / exp.path)
        return self.cache[key]

    def memo(self, key: str, compute):
        """`compute()` once per key for this submission."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def diagnosis_note(self) -> str:
        """One sentence naming Keras 2 APIs that broke or changed the run, when any."""
        diags = self.execution.diagnoses
        if not diags:
            return ""
        parts = [f"{d.api} (cell {d.cell_index}): use {d.replacement.split('  (')[0]}" for d in diags[:3]]
        return " Keras 2 API found: " + "; ".join(parts) + "."


def item_param(item: Item, name: str, default=None):
    """A check parameter with a default."""
    return item.params.get(name, default)
