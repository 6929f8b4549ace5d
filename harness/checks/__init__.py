"""The checks stage: registered check kinds judge an execution and the grader's measurements.

Each check is ``fn(ctx: GradeContext, item: Item) -> Verdict``: a fraction of the
item's points, a student-safe message (expected, found, how to fix) and
instructor-only evidence. Checks only ever use values measured by the grader or
recorded by the harness and cross-checked, never a number the submission reported
about itself; they read measurements and never trigger them. Importing this package
registers every kind (`registry.REGISTRY`); `runner.run_checks` runs a rubric.
"""

from __future__ import annotations

from pathlib import Path

from harness.checks import analysis, bands, contract, figures, predictions, schedules, structure, timing, transfer
from harness.checks.context import CheckError, GradeContext, Verdict
from harness.checks.registry import REGISTRY, register
from harness.checks.runner import run_checks
from harness.rubric import Rubric
from harness.rubric import load_rubric as _load_rubric

# The modules whose @register decorators define the check kinds (imported for that).
CHECK_MODULES = (analysis, bands, contract, figures, predictions, schedules, structure, timing, transfer)


def load_rubric(lab_or_path: str | Path) -> Rubric:
    """A lab's rubric validated against the registered check kinds."""
    return _load_rubric(lab_or_path, known_checks=set(REGISTRY))


__all__ = ["REGISTRY", "CheckError", "GradeContext", "Verdict", "load_rubric", "register", "run_checks"]
