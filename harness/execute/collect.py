"""Reading what the export step wrote, defensively: it was written by untrusted code.

Only the export folder drawn at export time is read; sizes and types are checked;
exported files are copied out of the workspace into the artifacts folder before the
workspace is deleted. Nothing here trusts a number: models are evaluated later by
`harness.evaluate`, in the grader's own process.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from harness.labs import LabSpec
from harness.models import CallRecord, EpochLog, ErrorInfo, Export, TraceEvent
from harness.serialize import SchemaError, from_jsonable

MAX_MODEL_BYTES = 2 << 30


def exports_from_manifest(manifest: dict | None, export_dir: Path | None, lab: LabSpec,
                          artifacts: Path) -> dict[str, Export]:
    """One `Export` per contract name (found or not)."""
    raw = (manifest or {}).get("exports", {})
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Export] = {}
    for contract in lab.contract:
        rec = raw.get(contract.name)
        exp = Export(name=contract.name, kind=contract.kind)
        out[contract.name] = exp
        if manifest is None:
            exp.error = "nothing was exported (the run ended before the export step)"
            continue
        if not isinstance(rec, dict):
            exp.error = "missing from the export manifest"
            continue
        exp.found = bool(rec.get("found"))
        exp.type_name = str(rec.get("type_name", ""))[:200]
        exp.error = str(rec["error"])[:2000] if rec.get("error") else None
        exp.data = rec.get("data")
        if "source" in rec and rec["source"] != contract.name:
            exp.data = {"value": exp.data, "source": str(rec["source"])[:100]} if contract.kind == "class_order" \
                else exp.data
        if contract.kind == "model" and rec.get("path") and export_dir is not None:
            exp.path = _copy_file(export_dir, str(rec["path"]), artifacts, contract.name, exp)
        if contract.kind == "callable":
            exp.calls = [_call(c) for c in (rec.get("calls") or [])[:50] if isinstance(c, dict)]
    return out


def _copy_file(export_dir: Path, name: str, artifacts: Path, contract: str, exp: Export) -> str | None:
    src = (export_dir / Path(name).name)
    # Only regular files directly inside the export folder; never follow links out of it.
    if src.is_symlink() or not src.is_file():
        exp.error = f"exported file {name!r} is missing or not a regular file"
        return None
    if src.stat().st_size > MAX_MODEL_BYTES:
        exp.error = f"exported model is {src.stat().st_size >> 20} MB; the limit is {MAX_MODEL_BYTES >> 20} MB"
        return None
    dest = artifacts / "exports" / f"{contract}.keras"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return str(dest.relative_to(artifacts))


def _call(raw: dict) -> CallRecord:
    err = raw.get("error")
    return CallRecord(
        input=str(raw.get("input", ""))[:200],
        returned=raw.get("returned"),
        printed=str(raw.get("printed", ""))[:65536],
        seconds=_num(raw.get("seconds")),
        error=ErrorInfo(ename=str(err.get("ename", ""))[:200], evalue=str(err.get("evalue", ""))[:2000],
                        traceback=str(err.get("traceback", ""))[:8000]) if isinstance(err, dict) else None,
    )


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def trace_from_manifest(manifest: dict | None, cell_of_count: dict[int, int] | None) -> tuple[list[TraceEvent], list[str]]:
    """TraceEvents from the manifest, with cell indexes resolved; plus problems found."""
    problems: list[str] = []
    events: list[TraceEvent] = []
    for i, raw in enumerate((manifest or {}).get("trace", []) or []):
        if not isinstance(raw, dict):
            problems.append(f"trace[{i}] is not an object")
            continue
        raw = dict(raw)
        raw["epoch_logs"] = [_epoch(e) for e in raw.get("epoch_logs", []) or [] if isinstance(e, dict)]
        try:
            ev = from_jsonable(TraceEvent, {k: v for k, v in raw.items() if k != "epoch_logs"})
        except SchemaError as exc:
            problems.append(f"trace[{i}]: {exc}")
            continue
        ev.epoch_logs = raw["epoch_logs"]
        if cell_of_count is not None:
            ev.cell_index = cell_of_count.get(ev.cell_index, -1)
        events.append(ev)
    return events, problems


def _epoch(raw: dict) -> EpochLog:
    logs = raw.get("logs") if isinstance(raw.get("logs"), dict) else {}
    return EpochLog(
        epoch=int(raw.get("epoch", 0)) if isinstance(raw.get("epoch"), int) else 0,
        lr=_num(raw.get("lr")),
        lr_end=_num(raw.get("lr_end")),
        logs={str(k): float(v) for k, v in logs.items() if _num(v) is not None},
        seconds=_num(raw.get("seconds")),
        steps=int(raw["steps"]) if isinstance(raw.get("steps"), int) else None,
    )
