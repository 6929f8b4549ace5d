"""Turning what the sandbox sent into Execution pieces, defensively: it was written by untrusted code.

Exports come from the manifest of the export folder drawn at export time (already
sanitised by `engine.read_manifest`); exported model files are copied out of the
workspace (no links, size-capped) before it is deleted. The trace comes from the
channel's verified events. Nothing here trusts a number: models are evaluated later by
the grader itself, and the trace is cross-checked against what it measures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.execute.channel import ChannelReport
from harness.execute.consistency import contradictions
from harness.untrusted import UntrustedDataError, copy_regular, integer, number
from harness.labs import LabSpec
from harness.models import CallRecord, EpochLog, ErrorInfo, Export, FigureData, TraceEvent, TraceIntegrity

MODEL_FILE_OVERHEAD = 32 << 20  # archive, configuration and HDF5 structure beyond the weights themselves
# Fit calls kept in the trace: checks match histories against fits pairwise, so a forged flood of
# fits would make grading and reports quadratic. Real notebooks make a few dozen at most.
MAX_FITS = 1000
_TRACE_KINDS = ("compile", "fit", "predict", "weights")


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
        exp.found = rec.get("found") is True
        exp.type_name = str(rec.get("type_name", ""))[:200]
        exp.error = str(rec["error"])[:2000] if rec.get("error") else None
        exp.data = rec.get("data")
        if "source" in rec and rec["source"] != contract.name and contract.kind == "class_order":
            exp.data = {"value": exp.data, "source": str(rec["source"])[:100]}
        if contract.kind == "model" and rec.get("path") and export_dir is not None:
            exp.path = _copy_model(export_dir, str(rec["path"]), artifacts, contract.name, exp,
                                   max_bytes=model_file_cap(lab))
        if contract.kind == "callable":
            calls = rec.get("calls") if isinstance(rec.get("calls"), list) else []
            exp.calls = [_call(c) for c in calls[:50] if isinstance(c, dict)]
    return out


def model_file_cap(lab: LabSpec) -> int:
    """The largest model file copied out of the sandbox for `lab`: its parameter bound in float32, plus overhead.

    The file is the submission's: a sparse file of gigabytes costs the sandbox no disk
    but would cost the grader a dense copy (and every later read of the results folder).
    """
    return lab.max_params * 4 + MODEL_FILE_OVERHEAD


def _copy_model(export_dir: Path, name: str, artifacts: Path, contract: str, exp: Export, *,
                max_bytes: int) -> str | None:
    # Only regular files directly inside the export folder; never a link out of it.
    src = export_dir / Path(name).name
    dest = artifacts / "exports" / f"{contract}.keras"
    try:
        copy_regular(src, dest, max_bytes=max_bytes)
    except UntrustedDataError as exc:
        exp.error = f"exported model file: {exc}"
        return None
    return str(dest.relative_to(artifacts))


def _call(raw: dict) -> CallRecord:
    err = raw.get("error")
    return CallRecord(
        input=str(raw.get("input", ""))[:200],
        returned=raw.get("returned"),
        printed=str(raw.get("printed", ""))[:65536],
        seconds=number(raw.get("seconds"), low=0),
        error=ErrorInfo(ename=str(err.get("ename", ""))[:200], evalue=str(err.get("evalue", ""))[:2000],
                        traceback=str(err.get("traceback", ""))[:8000]) if isinstance(err, dict) else None,
    )


def integrity_of(report: ChannelReport) -> TraceIntegrity:
    """The channel's account: authenticated or not, and every problem it saw."""
    if report.salt:
        channel = "ok"
    elif report.bytes_read:
        channel = "unauthenticated"
    else:
        channel = "none"
    return TraceIntegrity(channel=channel, problems=list(report.problems)[:50], events=len(report.events),
                          salt=report.salt)


def trace_from_events(events: list[dict], cell_of_count: dict[int, int] | None
                      ) -> tuple[list[TraceEvent], list[FigureData], list[str]]:
    """TraceEvents (fits assembled from their start, epochs and end) and figure structures.

    Returns:
        (trace, figures, problems): problems are inconsistencies between events (an epoch
        of a fit that never started, an end without a start, and the contradictions of
        `harness.execute.consistency`).
    """
    trace: list[TraceEvent] = []
    figures: list[FigureData] = []
    problems: list[str] = []
    fits: dict[int, TraceEvent] = {}
    dropped: set[int] = set()  # fit numbers past MAX_FITS: their epochs and ends are dropped with them

    def cell(raw: Any) -> int:
        idx = integer(raw, low=-1, high=10**6)
        idx = -1 if idx is None else idx
        if cell_of_count is not None and idx >= 0:
            return cell_of_count.get(idx, -1)
        return idx

    for ev in events:
        kind = ev.get("t")
        seq = integer(ev.get("seq"), low=0) or 0
        if kind == "fit" and len(fits) >= MAX_FITS:
            fit_no = integer(ev.get("fit"), low=0)
            if fit_no is not None:
                dropped.add(fit_no)
            if len(dropped) == 1:
                problems.append(f"more than {MAX_FITS} fit calls were recorded: the rest were dropped from the trace")
            continue
        if kind in ("epoch", "fit-end") and integer(ev.get("fit"), low=0) in dropped:
            continue
        if kind in _TRACE_KINDS:
            te = _event(kind, ev, seq, cell(ev.get("cell_index")))
            trace.append(te)
            if kind == "fit":
                fit_no = integer(ev.get("fit"), low=0)
                if fit_no is None or fit_no in fits:
                    problems.append(f"fit event {seq} has a missing or repeated fit number")
                else:
                    fits[fit_no] = te
                    te.complete = False
        elif kind == "epoch":
            fit = fits.get(integer(ev.get("fit"), low=0) or -1)
            if fit is None or fit.complete:
                problems.append(f"epoch event {seq} belongs to no running fit")
            elif len(fit.epoch_logs) < 10000:
                fit.epoch_logs.append(_epoch(ev))
        elif kind == "fit-end":
            fit = fits.get(integer(ev.get("fit"), low=0) or -1)
            if fit is None or fit.complete:
                problems.append(f"fit-end event {seq} belongs to no running fit")
                continue
            fit.complete = True
            fit.seconds = number(ev.get("seconds"), low=0)
            fit.error = str(ev["error"])[:1000] if ev.get("error") else None
            fit.warnings = [str(w)[:500] for w in _list(ev.get("warnings"))[:20]]
            fit.weights_end = _weights(ev.get("weights_end"))
            for key in ("trainable_params", "non_trainable_params"):
                value = integer(ev.get(key), low=0)
                if value is not None:
                    setattr(fit, key, value)
            for key in ("trainable_layers", "frozen_layers"):
                if isinstance(ev.get(key), list):
                    setattr(fit, key, [str(x)[:200] for x in ev[key][:2000]])
        elif kind == "figure":
            figures.append(FigureData(cell_index=cell(ev.get("cell_index")), number=integer(ev.get("number")) or 0,
                                      how=str(ev.get("how", ""))[:20],
                                      axes=[a for a in _list(ev.get("axes"))[:16] if isinstance(a, dict)],
                                      suptitle=str(ev.get("suptitle", ""))[:200]))
    problems += contradictions(trace)
    return trace, figures, problems


def _event(kind: str, ev: dict, seq: int, cell_index: int) -> TraceEvent:
    te = TraceEvent(kind=kind, seq=seq, cell_index=cell_index)  # type: ignore[arg-type]
    te.model_name = str(ev.get("model_name", ev.get("owner", "")))[:200]
    te.model_id = str(ev.get("model_id", ""))[:100]
    te.trainable_params = integer(ev.get("trainable_params"), low=0) or 0
    te.non_trainable_params = integer(ev.get("non_trainable_params"), low=0) or 0
    te.trainable_layers = [str(x)[:200] for x in _list(ev.get("trainable_layers"))[:2000]]
    te.frozen_layers = [str(x)[:200] for x in _list(ev.get("frozen_layers"))[:2000]]
    te.optimizer = str(ev["optimizer"])[:100] if isinstance(ev.get("optimizer"), str) else None
    te.optimizer_id = str(ev["optimizer_id"])[:100] if isinstance(ev.get("optimizer_id"), str) else None
    te.optimizer_config = ev["optimizer_config"] if isinstance(ev.get("optimizer_config"), dict) else {}
    te.compile_count = integer(ev.get("compile_count"), low=0) or 0
    te.epochs = integer(ev.get("epochs"), low=0, high=10**7)
    te.initial_epoch = integer(ev.get("initial_epoch"), low=0, high=10**7) or 0
    te.batch_size = integer(ev.get("batch_size"), low=0)
    te.samples = integer(ev.get("samples"), low=0)
    te.seconds = number(ev.get("seconds"), low=0)
    te.error = str(ev["error"])[:1000] if ev.get("error") else None
    te.stale_trainable = ev.get("stale_trainable") is True
    te.input_stats = ev["input_stats"] if isinstance(ev.get("input_stats"), dict) else {}
    te.callbacks = [str(x)[:100] for x in _list(ev.get("callbacks"))[:20]]
    te.data = ev["data"] if isinstance(ev.get("data"), dict) else {}
    te.weights_start = _weights(ev.get("weights_start"))
    if kind == "weights":
        te.weights_end = _weights(ev.get("weights"))
        te.how = str(ev.get("how", ""))[:30]
    return te


def _epoch(raw: dict) -> EpochLog:
    logs = raw.get("logs") if isinstance(raw.get("logs"), dict) else {}
    return EpochLog(
        epoch=integer(raw.get("epoch"), low=0, high=10**7) or 0,
        lr=number(raw.get("lr")),
        lr_end=number(raw.get("lr_end")),
        logs={str(k)[:100]: float(v) for k, v in list(logs.items())[:50] if number(v) is not None},
        seconds=number(raw.get("seconds"), low=0),
        steps=integer(raw.get("steps"), low=0),
    )


def _weights(raw: Any) -> list[list[Any]]:
    out = []
    for item in _list(raw)[:5000]:
        if isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[1], str):
            out.append([item[0][:40], item[1][:40], 1 if item[2] else 0])
    return out


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
