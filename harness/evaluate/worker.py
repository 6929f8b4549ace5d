"""The evaluation process: loads exported models safely and measures them, one request at a time.

Run by `harness.evaluate.service` as ``python -m harness.evaluate.worker`` under an
address-space limit, a resident-memory watchdog and a per-request time limit. It reads
one JSON request per line on stdin and writes one JSON response per line on the
descriptor that was stdout when it started; stdout itself is pointed at stderr, so
whatever Keras or TensorFlow print can never corrupt a response. Everything it loads
came from a submission: each archive is checked before loading (`precheck`) and loaded
with ``safe_mode=True``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from harness.data.source import DataSource
from harness.evaluate import catsdogs, fashion, loading, resnet
from harness.evaluate.loading import EvaluationError, load_exported_model
from harness.evaluate.precheck import check_archive
from harness.evaluate.structure import layer_table
from harness.execute.inkernel.common import fingerprint_array, variable_values
from harness.untrusted import sanitize

_MODELS: dict[str, Any] = {}


def handle(request: dict) -> dict:
    """Measures everything one request asks for; never raises for a model's fault."""
    t0 = time.perf_counter()
    source = DataSource(root=Path(request["data_root"]) if request.get("data_root") else None,
                        allow_download=False, cache_dir=Path(request["cache_dir"]) if request.get("cache_dir") else None)
    quick = bool(request.get("quick"))
    seed = request.get("perturb_seed")
    out: dict[str, Any] = {"models": {}, "metrics": {}, "samples": {}, "reference": {}}
    _MODELS.clear()
    for name, spec in request.get("models", {}).items():
        out["models"][name] = _load(name, spec, request.get("salt", ""))
    for need in request.get("metrics", []):
        key = f"{need['model']}:{need['task']}"
        model = _MODELS.get(need["model"])
        if model is None:
            out["metrics"][key] = {"error": out["models"].get(need["model"], {}).get("error")
                                   or f"`{need['model']}` was not exported"}
            continue
        try:
            if need["task"] == "catsdogs":
                m = catsdogs.evaluate(model, source, quick=quick, trained=need.get("trained"), perturb_seed=seed)
            else:
                m = fashion.evaluate(model, need["task"], source, quick=quick, trained=need.get("trained"),
                                     perturb_seed=seed)
            details = dict(m.details)
            out["metrics"][key] = {"value": m.value, "n": m.n, "preprocessing": m.preprocessing,
                                   "validation": m.validation, "perturbed": details.pop("perturbed", None),
                                   "details": details}
        except EvaluationError as exc:
            out["metrics"][key] = {"error": str(exc)}
        except Exception as exc:  # a model that breaks predict() in some other way
            out["metrics"][key] = {"error": f"evaluating it failed ({type(exc).__name__}: {str(exc)[:200]})"}
    for need in request.get("samples", []):
        key = f"{need['model']}:{need['key']}"
        model = _MODELS.get(need["model"])
        if model is None:
            continue
        try:
            out["samples"][key] = {"probs": {p: [float(v) for v in catsdogs.predict_image(model, Path(need["path"]), p)]
                                             for p in catsdogs.PREPROCESSING}}
        except Exception as exc:
            out["samples"][key] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    ref = request.get("resnet_reference")
    if ref:
        out["reference"] = _resnet_reference(ref)
    _MODELS.clear()
    loading.clear_cache()
    _clear_session()
    out["seconds"] = time.perf_counter() - t0
    return out


def _load(name: str, spec: dict, salt: str) -> dict:
    path = Path(spec["path"])
    check = check_archive(path, max_params=int(spec.get("max_params", 50_000_000)))
    facts: dict[str, Any] = {"name": name, "declared_params": check.declared_params}
    if not check.ok:
        facts["error"] = f"the exported model was not loaded: {check.reason}"
        return facts
    try:
        model = load_exported_model(path)
    except EvaluationError as exc:
        facts["error"] = str(exc)
        return facts
    _MODELS[name] = model
    facts["loaded"] = True
    try:
        facts["layers"] = layer_table(model)
        facts["params"] = int(model.count_params())
        facts["trainable_params"] = int(sum(_size(w) for w in model.trainable_weights))
        facts["weights"] = [[fingerprint_array(variable_values(w), salt), [int(d) for d in w.shape]]
                            for w in model.weights][:5000]
        facts["input_shape"] = _shape(getattr(model, "input_shape", None))
        facts["output_shape"] = _shape(getattr(model, "output_shape", None))
    except Exception as exc:
        facts["error"] = f"the exported model could not be inspected ({type(exc).__name__}: {str(exc)[:200]})"
    return facts


def _resnet_reference(ref: dict) -> dict:
    """Top-3 of the grader's own pipeline on the inputs classify() was called on, and its latencies."""
    try:
        t0 = time.perf_counter()
        index = json.loads(Path(ref["class_index"]).read_text())
        clf = resnet.Classifier(Path(ref["weights"]), index)
        build = time.perf_counter() - t0
        top3, latencies = {}, []
        for label, path in ref["inputs"]:
            t = time.perf_counter()
            top3[label] = [list(x) for x in clf(Path(path))]
            latencies.append(time.perf_counter() - t)
        return {"top3": top3, "build_s": build, "second_call_s": latencies[1] if len(latencies) > 1 else None}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def _size(w) -> int:
    n = 1
    for d in w.shape:
        n *= int(d)
    return n


def _shape(value):
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return str(value)[:200]


def _clear_session() -> None:
    try:
        import keras  # heavy; already imported by the loads above

        keras.backend.clear_session()
    except Exception:
        pass


def main() -> None:
    """Serves requests until stdin closes."""
    responses = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # anything printed by libraries goes to stderr, never into a response
    sys.stdout = sys.stderr
    try:
        import keras  # heavy: the whole point of this process

        keras.config.disable_interactive_logging()
    except Exception:
        pass
    responses.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            response = handle(request)
        except Exception:
            response = {"fatal": traceback.format_exc()[-3000:]}
        responses.write(json.dumps(sanitize(response, max_depth=40), allow_nan=False, default=str) + "\n")


if __name__ == "__main__":
    main()
