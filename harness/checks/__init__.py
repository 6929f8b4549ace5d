"""Registered check kinds: rubric items name one of these in their ``check`` field.

Each check is ``fn(ctx: GradeContext, item: Item) -> Verdict``: a fraction of the
item's points, a student-safe message (expected, found, how to fix) and
instructor-only evidence. Checks only ever use values measured by the grader or
recorded by the harness, never a number the submission reported about itself.
"""

from __future__ import annotations

from typing import Callable

from harness.checks.context import CheckError, GradeContext, Verdict

CheckFn = Callable[..., Verdict]
REGISTRY: dict[str, CheckFn] = {}


def register(kind: str):
    """Decorator adding a check kind to `REGISTRY`."""

    def wrap(fn: CheckFn) -> CheckFn:
        if kind in REGISTRY:
            raise ValueError(f"check kind {kind!r} registered twice")
        REGISTRY[kind] = fn
        return fn

    return wrap


def _load_all() -> None:
    # Importing the modules registers their checks.
    from harness.checks import (analysis, bands, contract, figures, predictions, schedules,  # noqa: F401
                                structure, timing, transfer)


_load_all()

__all__ = ["REGISTRY", "CheckError", "GradeContext", "Verdict", "register"]
