"""CheckResults + rubric -> Grade, and manual overrides merged over automatic scores."""

from __future__ import annotations

import csv
import datetime as _dt
from dataclasses import dataclass, replace
from pathlib import Path

from harness import __version__
from harness.errors import InputError
from harness.models import Execution, Grade, LabResult, Override
from harness.rubric import Rubric


def late_penalty(late: dict | None, raw: float, max_score: float) -> float:
    """Points a late policy's verdict takes off `raw` (``basis``: the score or the maximum)."""
    if not late:
        return 0.0
    fraction = float(late.get("fraction") or 0.0)
    base = max_score if late.get("basis") == "max" else raw
    return round(min(raw, max(0.0, fraction * base)), 3)


def make_grade(execution: Execution, lab_result: LabResult, rubric: Rubric,
               overrides: list[Override] | None = None, late: dict | None = None) -> Grade:
    """The Grade of one submission, with `overrides` applied on top of the automatic scores and the late
    policy's penalty (a visible line of the grade) taken off the total."""
    checks = [replace(c) for c in lab_result.checks]
    applied: list[Override] = []
    by_id = {c.item: c for c in checks}
    for ov in overrides or []:
        target = by_id.get(ov.item)
        if target is None:
            raise ValueError(f"Override for unknown item {ov.item!r} (lab {rubric.lab}); items: "
                             f"{', '.join(by_id)}.")
        applied.append(Override(item=ov.item, points=ov.points, comment=ov.comment, automatic=target.score))
        target.score = ov.points
    lab_result = replace(lab_result, checks=checks)
    raw = round(sum(c.score for c in checks), 3)
    penalty = late_penalty(late, raw, rubric.max_score)
    return Grade(
        submission=execution.submission,
        lab_result=lab_result,
        score=round(raw - penalty, 3),
        raw_score=raw,
        late={**late, "penalty_points": penalty} if late else {},
        max_score=rubric.max_score,
        execution_status=execution.status,
        overrides=applied,
        harness_version=__version__,
        graded_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        execution_time_s=execution.wall_time_s,
        isolation=execution.isolation.mode,
    )


@dataclass(frozen=True)
class OverrideRow:
    """One row of an overrides CSV."""

    submission: str
    override: Override


def read_overrides(path: Path, rubric: Rubric) -> dict[str, list[Override]]:
    """Reads ``submission,item,points,comment`` rows (header required).

    Raises:
        InputError: naming the file, line and field at fault.
    """
    path = Path(path)
    out: dict[str, list[Override]] = {}
    items = {i.id: i for i in rubric.items}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        need = {"submission", "item", "points"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise InputError(f"{path}: header must include {sorted(need)} (and optionally comment); "
                             f"received {reader.fieldnames}.")
        for line, row in enumerate(reader, start=2):
            sub, item_id = (row.get("submission") or "").strip(), (row.get("item") or "").strip()
            if not sub:
                raise InputError(f"{path}:{line}: empty submission.")
            if item_id not in items:
                raise InputError(f"{path}:{line}: unknown item {item_id!r}; items of {rubric.lab}: {', '.join(items)}.")
            try:
                points = float(row["points"])
            except (TypeError, ValueError):
                raise InputError(f"{path}:{line}: points must be a number; received {row.get('points')!r}.") from None
            if not 0 <= points <= items[item_id].points:
                raise InputError(f"{path}:{line}: points {points} outside 0..{items[item_id].points} for {item_id!r}.")
            out.setdefault(sub, []).append(Override(item=item_id, points=points, comment=(row.get("comment") or "").strip()))
    return out
