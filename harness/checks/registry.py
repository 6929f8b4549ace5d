"""The registry of check kinds (a leaf module: it imports nothing of the project).

Rubric items name a kind in their ``check`` field; each kind is a function
``fn(ctx: GradeContext, item: Item) -> Verdict`` registered with `register`.
"""

from __future__ import annotations

from typing import Any, Callable

CheckFn = Callable[..., Any]
REGISTRY: dict[str, CheckFn] = {}


def register(kind: str):
    """Decorator adding a check kind to `REGISTRY`."""

    def wrap(fn: CheckFn) -> CheckFn:
        if kind in REGISTRY:
            raise ValueError(f"check kind {kind!r} registered twice")
        REGISTRY[kind] = fn
        return fn

    return wrap
