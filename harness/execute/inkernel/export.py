"""Runs INSIDE the submission's kernel after its last cell: exports the contract names.

Never imported by the grader. The grader wraps this source with common.py into one
function and calls ``export(SPEC, OUTDIR, namespace)``, where OUTDIR is a folder whose
name was drawn at export time (files the submission planted earlier are never read).
Models are saved as ``.keras`` files that the grader loads with ``safe_mode=True`` and
evaluates itself; histories are written as JSON; callables are called on inputs the
grader supplies now. The trace is not here: it left the kernel on the trace channel
as it happened.
"""


def export(spec, outdir, ns):
    """Writes OUTDIR/manifest.json and one file per exported model."""
    import contextlib
    import io
    import json
    import os
    import sys
    import time
    import traceback

    cap = int(spec.get("max_output_bytes", 1 << 16))
    manifest = {"exports": {}, "errors": []}

    def history_dict(value):
        data = getattr(value, "history", value)
        if not isinstance(data, dict):
            raise TypeError(f"expected a History or a dict of lists, found {type(value).__name__}")
        out = {}
        for key, series in data.items():
            if hasattr(series, "tolist"):
                series = series.tolist()
            if not isinstance(series, (list, tuple)):
                raise TypeError(f"history[{key!r}] is {type(series).__name__}, expected a list of numbers")
            out[str(key)] = [number(v) for v in series]
        return out

    def number(v):
        if v is None:
            return None
        try:
            return jsonable(float(v))
        except OverflowError:  # an integer no float holds: not a finite number, like inf
            return None

    def layer_summary(layer, depth=0):
        # The object id tells a shared layer (B-on-A built on model A's layers) from a clone.
        rec = {"name": layer.name, "class": type(layer).__name__, "trainable": bool(layer.trainable),
               "id": object_tag(layer, "layer")}  # noqa: F821 - common.py
        for attr in ("units", "rate", "filters"):
            if hasattr(layer, attr):
                rec[attr] = jsonable(getattr(layer, attr))
        act = getattr(layer, "activation", None)
        if act is not None:
            rec["activation"] = getattr(act, "__name__", str(act))
        try:
            rec["params"] = int(sum(int(_size(w)) for w in layer.weights))
            rec["trainable_params"] = int(sum(int(_size(w)) for w in layer.trainable_weights))
        except Exception:
            pass
        sub = getattr(layer, "layers", None)
        if sub and depth < 1:
            rec["layers"] = len(sub)
            rec["frozen_sublayers"] = sum(1 for l in sub if l.weights and not l.trainable)
        return rec

    def _size(w):
        return count_params([w])  # noqa: F821 - common.py, same scope

    def model_summary(model):
        summary = {"model_id": object_tag(model, "model"), "name": model.name, "class": type(model).__name__}
        try:
            summary["input_shape"] = jsonable(getattr(model, "input_shape", None))
            summary["output_shape"] = jsonable(getattr(model, "output_shape", None))
        except Exception:
            pass
        summary["layers"] = [layer_summary(l) for l in getattr(model, "layers", [])][:500]
        try:
            summary["trainable_params"] = int(sum(_size(w) for w in model.trainable_weights))
            summary["non_trainable_params"] = int(sum(_size(w) for w in model.non_trainable_weights))
            # Which variables the saved file holds, in order: the grader fingerprints the file it
            # loads and compares each weight with what the trace saw for this variable.
            summary["variables"] = [[object_tag(v, "var"), [int(d) for d in v.shape]]  # noqa: F821 - common.py
                                    for v in model.weights][:5000]
        except Exception:
            pass
        return summary

    def call(fn, item):
        buf = io.StringIO()
        rec = {"input": item["label"]}
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stdout(buf):
                result = fn(item["path"])
            rec["returned"] = jsonable(result)
        except BaseException as exc:  # SystemExit from student code must not end the export
            rec["error"] = {"ename": type(exc).__name__, "evalue": str(exc)[:2000],
                            "traceback": "".join(traceback.format_exception(exc))[-4000:]}
        rec["seconds"] = time.perf_counter() - t0
        rec["printed"] = buf.getvalue()[:cap]
        return rec

    def find(item):
        for name in [item["name"], *item.get("aliases", [])]:
            if name in ns:
                return name, ns[name]
        if item["kind"] == "class_order":
            # Forgiving: a generator's .class_indices or a dataset's .class_names.
            for name, value in list(ns.items()):
                if name.startswith("_"):
                    continue
                for attr in ("class_indices", "class_names"):
                    try:
                        found = getattr(value, attr, None)
                    except Exception:
                        found = None
                    if isinstance(found, (dict, list, tuple)) and found:
                        return f"{name}.{attr}", found
        return None, None

    # Keras is only imported if the submission imported it: without it, no value can
    # be a Keras model, and a trivial notebook does not pay for the import.
    keras = sys.modules.get("keras")

    for item in spec["contract"]:
        name = item["name"]
        rec = {"name": name, "kind": item["kind"], "found": False}
        manifest["exports"][name] = rec
        try:
            source, value = find(item)
            if source is None:
                rec["error"] = f"{name!r} is not defined at the end of the run"
                continue
            rec["found"] = True
            rec["source"] = source
            rec["type_name"] = f"{type(value).__module__}.{type(value).__qualname__}"
            kind = item["kind"]
            if kind == "model":
                if keras is None or not isinstance(value, keras.Model):
                    rec["error"] = f"{source!r} is a {type(value).__name__}, not a Keras model"
                    continue
                rec["data"] = model_summary(value)
                path = os.path.join(outdir, f"{name}.keras")
                value.save(path)
                rec["path"] = os.path.basename(path)
            elif kind == "history":
                rec["data"] = history_dict(value)
            elif kind == "histories":
                if not isinstance(value, dict):
                    rec["error"] = f"{source!r} is a {type(value).__name__}, expected a dict name -> History"
                    continue
                rec["data"] = {}
                problems = {}
                for key, hist in value.items():
                    try:
                        rec["data"][str(key)] = history_dict(hist)
                    except Exception as exc:
                        problems[str(key)] = str(exc)
                if problems:
                    rec["error"] = "; ".join(f"{k}: {v}" for k, v in problems.items())
            elif kind == "class_order":
                rec["data"] = jsonable(value)
            elif kind == "callable":
                if not callable(value):
                    rec["error"] = f"{source!r} is a {type(value).__name__}, not a function"
                    continue
                rec["calls"] = [call(value, inp) for inp in spec.get("inputs", {}).get(name, [])]
            else:
                rec["data"] = jsonable(value)
        except BaseException as exc:
            rec["error"] = f"{type(exc).__name__}: {exc}"[:2000]

    manifest["environment"] = {"python": sys.version.split()[0], "uid": os.getuid()}
    if keras is not None:
        manifest["environment"]["keras"] = getattr(keras, "__version__", "?")
        try:
            manifest["environment"]["backend"] = keras.backend.backend()
        except Exception:
            pass
    for mod in ("tensorflow", "jax", "torch", "numpy"):
        if mod in sys.modules:
            manifest["environment"][mod] = getattr(sys.modules[mod], "__version__", "?")
    # Serialised before anything is written: a value that still cannot be written costs its own
    # record, never the whole manifest (a half-written manifest would lose every export).
    try:
        text = json.dumps(jsonable(manifest, max_depth=12))  # noqa: F821 - common.py
    except Exception:
        for name, rec in manifest["exports"].items():
            try:
                json.dumps(jsonable(rec, max_depth=12))  # noqa: F821 - common.py
            except Exception as exc:
                manifest["exports"][name] = {"name": name, "kind": rec.get("kind"), "found": rec.get("found", False),
                                             "error": f"its value could not be exported: {type(exc).__name__}"}
        text = json.dumps(jsonable(manifest, max_depth=12))  # noqa: F821 - common.py
    with open(os.path.join(outdir, "manifest.json"), "w") as fh:
        fh.write(text)
    return "exported"
