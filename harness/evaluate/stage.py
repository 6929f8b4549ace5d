"""The evaluate stage: Execution + rubric -> `Measurements`, measured by the grader in a limited process.

Which measurements a submission needs follows from its rubric: each check kind that
reads a measurement declares it here (`NEEDS`), so checks never trigger measuring
themselves. Every exported model is loaded (after the archive check) and fingerprinted
for the evidence cross-checks, whatever the rubric asks.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Callable

from harness.data import inputs as data_inputs
from harness.data.catalog import MissingDataError
from harness.data.source import DataSource
from harness.evaluate.evidence import cross_check
from harness.evaluate.service import EvaluationFailed, EvaluationService, shared_service
from harness.evaluate.variants import ONDEMAND_SEEDS, resolve
from harness.untrusted import integer, number
from harness.labs import LabSpec
from harness.models import Execution, Measurements, Metric, ModelFacts
from harness.rubric import Item, Rubric
from harness.serialize import SchemaError, from_jsonable

Need = tuple[str, ...]  # ("metric", model, task) | ("sample", model, image key) | ("resnet",)


def _band(item: Item) -> list[Need]:
    return [("metric", item.params["model"], item.params["task"])]


def _catsdogs(item: Item) -> list[Need]:
    model = item.params.get("model", "model")
    needs: list[Need] = [("metric", model, "catsdogs")]
    if item.check == "sample_prediction":
        needs.append(("sample", model, item.params["image"]))
    elif item.check == "preprocessing_consistency":
        needs.append(("sample", model, "sample-image:dog"))
    return needs


NEEDS: dict[str, Callable[[Item], list[Need]]] = {
    "band": _band,
    "class_order": _catsdogs,
    "sample_prediction": _catsdogs,
    "preprocessing_consistency": _catsdogs,
    "transfer_error_reduction": lambda item: [("metric", "model_B", "B"), ("metric", "model_B_on_A", "B")],
    "top3_equivalence": lambda item: [("resnet",)],
    "call_latency": lambda item: [("resnet",)],
}


# What the analysis facts of each lab are built from (see harness.checks.analysis.measured_for).
ANALYSIS_NEEDS: dict[str, list[Need]] = {
    "dropout": [("metric", "model", "fashion10"), ("metric", "model_no_dropout", "fashion10")],
    "fashion-transfer": [("metric", "model_A", "A"), ("metric", "model_B", "B"), ("metric", "model_B_on_A", "B")],
    "cats-dogs": [("metric", "model", "catsdogs"), ("sample", "model", "sample-image:dog")],
    "resnet50-top3": [("resnet",)],
}


def training_input(execution: Execution, model_name: str) -> dict | None:
    """Value range of the arrays the exported model was last fit on (None for datasets/generators)."""
    exp = execution.exports.get(model_name)
    mid = exp.data.get("model_id") if exp is not None and isinstance(exp.data, dict) else None
    stats = [t.input_stats for t in execution.trace
             if t.kind == "fit" and t.model_id == mid and t.input_stats and number(t.input_stats.get("min")) is not None
             and number(t.input_stats.get("max")) is not None]
    return {"min": float(stats[-1]["min"]), "max": float(stats[-1]["max"])} if stats else None


def request_for(execution: Execution, *, lab: LabSpec, rubric: Rubric, artifacts: Path, source: DataSource,
                weights: dict[str, Path] | None = None) -> dict:
    """The worker request: models to load, metrics and samples to measure, reference outputs to compute."""
    needs: list[Need] = []
    for item in rubric.items:
        wanted = NEEDS[item.check](item) if item.check in NEEDS else []
        if item.check == "analysis":
            wanted = ANALYSIS_NEEDS.get(lab.id, [])
        needs += [n for n in wanted if n not in needs]
    models = {}
    for name, exp in execution.exports.items():
        if exp.kind == "model" and exp.found and exp.path:
            models[name] = {"path": str((Path(artifacts) / exp.path).resolve()), "max_params": lab.max_params}
    required = set(lab.names(required_only=True))
    # Optional models (model_no_dropout) are measured only when exported; a missing required one is
    # reported by the worker as "not exported".
    needs = [n for n in needs if n[0] == "resnet" or n[1] in models or n[1] in required]
    request = {"lab": lab.id, "quick": execution.quick, "data_root": str(source.root) if source.root else None,
               "cache_dir": str(source.derived_dir), "salt": execution.integrity.salt,
               "perturb_seed": secrets.randbelow(2**31), "models": models, "metrics": [], "samples": []}
    for need in needs:
        if need[0] == "metric":
            request["metrics"].append({"model": need[1], "task": need[2],
                                       "trained": training_input(execution, need[1])})
        elif need[0] == "sample":
            try:
                request["samples"].append({"model": need[1], "key": need[2], "path": str(source.path(need[2]))})
            except MissingDataError:
                continue
        elif need[0] == "resnet":
            request["resnet_reference"] = _resnet_request(source, weights)
    return request


def _resnet_request(source: DataSource, weights: dict[str, Path] | None) -> dict | None:
    try:
        weights_path = (weights or {}).get("resnet50") or source.path("resnet50-weights")
        return {"weights": str(weights_path), "class_index": str(source.path("imagenet-class-index")),
                "inputs": [[label, str(path)] for label, path in
                           data_inputs.resolve(("sample-image:cat", "hidden-images"), source)]}
    except MissingDataError:
        return None


def measure(execution: Execution, *, lab: LabSpec, rubric: Rubric, artifacts: Path, source: DataSource,
            weights: dict[str, Path] | None = None, service: EvaluationService | None = None,
            timeout_s: float | None = None, defaults: dict | None = None, ondemand: bool = True,
            ondemand_seeds: int = ONDEMAND_SEEDS) -> Measurements:
    """Measures what the rubric needs; a failing evaluation becomes a status, never an exception.

    Args:
        execution: the run (its exports and trace).
        lab: the lab.
        rubric: decides what is measured.
        artifacts: the folder holding the exported model files.
        source: the grader's data (held-out included).
        weights: application -> weights file the submission was given for ``weights="imagenet"``.
        service: the evaluation process (default: this process's shared one).
        timeout_s: time limit of the evaluation.
        defaults: the reference's default configuration (default: read from the rubric's calibration).
        ondemand: calibrate a configuration variant that has no bands yet (see `variants.resolve`).
        ondemand_seeds: seeds of such a calibration.
    """
    t0 = time.monotonic()
    request = request_for(execution, lab=lab, rubric=rubric, artifacts=artifacts, source=source, weights=weights)
    result = Measurements(perturb_seed=request["perturb_seed"])
    mode = "quick" if execution.quick else "full"
    resolved = resolve(execution, lab=lab, rubric=rubric, source=source, ondemand=ondemand, seeds=ondemand_seeds,
                       defaults=defaults if defaults is not None else
                       dict(rubric.calibration.get(mode, {}).get("config") or {}))
    result.config, result.bands_source, result.config_allowed = resolved.config, resolved.source, resolved.allowed
    result.bands = {m: {"low": b.low, "high": b.high, "mean": b.mean, "values": list(b.values)}
                    for m, b in resolved.bands.items()}
    if not request["models"] and not request.get("resnet_reference"):
        result.detail = "nothing to measure (no model was exported)"
        for name, exp in execution.exports.items():
            if exp.kind == "model":
                result.models[name] = ModelFacts(name=name, error=exp.error or f"`{name}` was not exported")
        result.evidence = cross_check(execution, result.models)
        return result
    try:
        response = (service or shared_service()).request(request, timeout_s=timeout_s)
    except EvaluationFailed as exc:
        result.status, result.detail = exc.status, exc.detail
        for name in request["models"]:
            result.models[name] = ModelFacts(name=name, error=f"the model could not be evaluated: {exc.detail}")
        result.evidence = cross_check(execution, result.models)
        result.seconds = round(time.monotonic() - t0, 3)
        return result
    result.status = "ok"
    for name, raw in (response.get("models") or {}).items():
        result.models[name] = _facts(name, raw)
    for name, exp in execution.exports.items():
        if exp.kind == "model" and name not in result.models:
            result.models[name] = ModelFacts(name=name, error=exp.error or f"`{name}` was not exported")
    for key, raw in (response.get("metrics") or {}).items():
        result.metrics[key] = _metric(raw)
    result.samples = {k: v for k, v in (response.get("samples") or {}).items() if isinstance(v, dict)}
    result.reference = response.get("reference") if isinstance(response.get("reference"), dict) else {}
    result.evidence = cross_check(execution, result.models)
    result.seconds = round(time.monotonic() - t0, 3)
    return result


def _facts(name: str, raw) -> ModelFacts:
    if not isinstance(raw, dict):
        return ModelFacts(name=name, error="no description of the model came back")
    try:
        facts = from_jsonable(ModelFacts, {**raw, "name": name})
    except SchemaError as exc:
        return ModelFacts(name=name, error=f"the model's description was malformed ({exc})")
    facts.declared_params = integer(raw.get("declared_params"), low=0) or 0
    return facts


def _metric(raw) -> Metric:
    if not isinstance(raw, dict):
        return Metric(error="no measurement came back")
    return Metric(value=number(raw.get("value"), low=0, high=1), n=integer(raw.get("n"), low=0) or 0,
                  preprocessing=str(raw.get("preprocessing", ""))[:100], validation=number(raw.get("validation")),
                  perturbed=number(raw.get("perturbed"), low=0, high=1),
                  details=raw.get("details") if isinstance(raw.get("details"), dict) else {},
                  error=str(raw.get("error") or "")[:500])
