"""Load and validate ``rubrics/<lab>.toml``: items, points, check kinds, bands.

A rubric has hand-written items above the generated-bands marker and the bands
written by calibration below it. Loading validates everything and names the file,
the item and the field in every error, so a typo fails at load time, not halfway
through grading a class.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import LabgradeError
from harness.labs import get_lab

Visibility = Literal["visible", "hidden", "after_due_date"]
VISIBILITIES = ("visible", "hidden", "after_due_date")
MODES = ("full", "quick")


class RubricError(LabgradeError, ValueError):
    """A rubric file is malformed; the message names file, item and field."""


@dataclass(frozen=True)
class Band:
    """A measured range for one metric in one mode.

    Attributes:
        metric: metric name, e.g. ``accuracy_B_on_A``.
        low: lowest value in band.
        high: highest value in band.
        mean: mean over the calibration runs.
        values: per-seed values it was derived from.
    """

    metric: str
    low: float
    high: float
    mean: float | None = None
    values: tuple[float, ...] = ()

    def contains(self, value: float) -> bool:
        """True when `value` lies inside the band (inclusive)."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Item:
    """One rubric item.

    Attributes:
        id: unique within the rubric; the column name in grades.csv.
        name: short human title.
        points: points available (0 for report-only items).
        check: check kind, a key of `harness.checks.REGISTRY`.
        visibility: Gradescope visibility of the item.
        params: parameters for the check.
        description: optional longer text.
        requires: ``"trained"`` for items that discuss results (gap, figures, analysis,
            timing): they score 0, with the reason, unless a verified fit trained a model
            or produced a history in this run; ``""`` for items that stand on their own.
    """

    id: str
    name: str
    points: float
    check: str
    visibility: Visibility = "visible"
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    requires: str = ""


REQUIRES = ("", "trained")


@dataclass
class Rubric:
    """A validated rubric.

    Attributes:
        lab: lab id.
        version: hand-set version string combined with the file digest (the result
            store key changes when the rubric or its bands change).
        title: human title.
        items: items in order.
        bands: mode -> metric -> Band.
        calibration: mode -> provenance of the bands (backend, device, seeds...).
        extra: other generated tables (e.g. reference outputs for resnet50-top3).
        path: the file it was read from.
        variation: what a student may choose differently from the reference (``allowed``:
            dimension -> ``[low, high]`` or a list of values; ``grid``: values calibrated in advance).
        variants: mode -> variant key (``"batch_size=64,scaling=unit"``) -> ``{"bands": {metric: Band},
            "calibration": provenance}``: bands measured for that configuration.
    """

    lab: str
    version: str
    title: str
    items: list[Item]
    bands: dict[str, dict[str, Band]] = field(default_factory=dict)
    calibration: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    variation: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        """Total points available."""
        return float(sum(i.points for i in self.items))

    def band(self, metric: str, mode: str) -> Band | None:
        """The band of `metric` in `mode` (``full``/``quick``), or None when not calibrated."""
        return self.bands.get(mode, {}).get(metric)

    def item(self, item_id: str) -> Item:
        """The item with id `item_id`.

        Raises:
            KeyError: naming the ids that exist.
        """
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"No item {item_id!r} in rubric {self.lab}; items: {', '.join(i.id for i in self.items)}.")


def load_rubric(lab_or_path: str | Path, *, known_checks: set[str] | None = None) -> Rubric:
    """Reads and validates a rubric.

    Args:
        lab_or_path: a lab id (reads ``rubrics/<lab>.toml``) or a path to a TOML file.
        known_checks: check kinds allowed; None skips that validation (use
            `harness.checks.load_rubric`, which passes the registered kinds).

    Raises:
        RubricError: naming the file, the item and the field at fault.
        FileNotFoundError: when the file does not exist.
    """
    path = Path(lab_or_path) if str(lab_or_path).endswith(".toml") else get_lab(str(lab_or_path)).rubric_path
    if not path.is_file():
        raise FileNotFoundError(f"Rubric not found: {path}. Each lab needs rubrics/<lab>.toml.")
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: not valid TOML: {exc}") from None
    head = data.get("rubric")
    if not isinstance(head, dict):
        raise RubricError(f"{path}: missing [rubric] table with lab, version, title.")
    lab = _field(path, "[rubric]", head, "lab", str)
    if str(lab_or_path) != lab and not str(lab_or_path).endswith(".toml"):
        raise RubricError(f"{path}: [rubric] lab = {lab!r}, but the file is for lab {lab_or_path!r}.")
    version = str(head.get("version", "0"))
    items_raw = data.get("item")
    if not isinstance(items_raw, list) or not items_raw:
        raise RubricError(f"{path}: no [[item]] entries; a rubric needs at least one item.")
    items: list[Item] = []
    seen: set[str] = set()
    for n, raw in enumerate(items_raw, 1):
        where = f"item #{n}" + (f" {raw.get('id')!r}" if isinstance(raw, dict) and raw.get("id") else "")
        if not isinstance(raw, dict):
            raise RubricError(f"{path}: {where} is not a table.")
        unknown = set(raw) - {"id", "name", "points", "check", "visibility", "params", "description", "requires"}
        if unknown:
            raise RubricError(f"{path}: {where}: unknown field(s) {sorted(unknown)}.")
        item_id = _field(path, where, raw, "id", str)
        if item_id in seen:
            raise RubricError(f"{path}: {where}: duplicate id {item_id!r}.")
        seen.add(item_id)
        points = raw.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise RubricError(f"{path}: {where}: field 'points' must be a number >= 0; received {points!r}.")
        check = _field(path, where, raw, "check", str)
        if known_checks is not None and check not in known_checks:
            raise RubricError(f"{path}: {where}: field 'check' = {check!r} is not a known check; known: "
                              f"{', '.join(sorted(known_checks))}.")
        visibility = raw.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise RubricError(f"{path}: {where}: field 'visibility' must be one of {VISIBILITIES}; "
                              f"received {visibility!r}.")
        params = raw.get("params", {})
        if not isinstance(params, dict):
            raise RubricError(f"{path}: {where}: field 'params' must be a table; received {params!r}.")
        requires = raw.get("requires", "")
        if requires not in REQUIRES:
            raise RubricError(f"{path}: {where}: field 'requires' must be one of {REQUIRES}; received {requires!r}.")
        items.append(Item(id=item_id, name=_field(path, where, raw, "name", str), points=float(points), check=check,
                          visibility=visibility, params=params, description=str(raw.get("description", "")),
                          requires=requires))
    bands: dict[str, dict[str, Band]] = {}
    for mode, metrics in (data.get("bands") or {}).items():
        if mode not in MODES:
            raise RubricError(f"{path}: [bands.{mode}]: mode must be one of {MODES}.")
        bands[mode] = {metric: _band(path, f"bands.{mode}", metric, b) for metric, b in metrics.items()}
    variants: dict[str, dict[str, dict[str, Any]]] = {}
    for mode, table in (data.get("variants") or {}).items():
        if mode not in MODES or not isinstance(table, dict):
            raise RubricError(f"{path}: [variants.{mode}]: mode must be one of {MODES}.")
        for key, entry in table.items():
            parsed = {m: _band(path, f"variants.{mode}.{key}", m, b) for m, b in (entry.get("bands") or {}).items()}
            variants.setdefault(mode, {})[key] = {"bands": parsed, "calibration": dict(entry.get("calibration") or {})}
    variation = data.get("variation") or {}
    if not isinstance(variation, dict) or not isinstance(variation.get("allowed", {}), dict):
        raise RubricError(f"{path}: [variation] must be a table with an 'allowed' table.")
    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    extra = {k: v for k, v in data.items() if k not in ("rubric", "item", "bands", "calibration", "variants",
                                                         "variation")}
    return Rubric(lab=lab, version=f"{version}+{digest}", title=str(head.get("title", lab)), items=items, bands=bands,
                  calibration=dict(data.get("calibration") or {}), extra=extra, path=path, variation=variation,
                  variants=variants)


def _band(path: Path, where: str, metric: str, b: Any) -> Band:
    try:
        low, high = float(b["low"]), float(b["high"])
    except (KeyError, TypeError, ValueError):
        raise RubricError(f"{path}: [{where}.{metric}] needs numeric low and high.") from None
    if low > high:
        raise RubricError(f"{path}: [{where}.{metric}]: low {low} > high {high}.")
    return Band(metric=metric, low=low, high=high, mean=b.get("mean"),
                values=tuple(float(v) for v in b.get("values", []) if v is not None))


def _field(path: Path, where: str, table: dict, name: str, typ: type):
    value = table.get(name)
    if not isinstance(value, typ) or (typ is str and not value.strip()):
        raise RubricError(f"{path}: {where}: field {name!r} must be a non-empty {typ.__name__}; received {value!r}.")
    return value
