"""Helpers shared by the in-kernel prologue and export, and by the grader's fingerprint check.

Runs INSIDE the sandbox as part of the prologue/export source (see
`harness.execute.engine.boot_source`): top-level definitions only, no imports at module
level, nothing from `harness`. The grader imports `fingerprint_array` from here too, so
that the kernel and the grader compute weight fingerprints with one implementation.
"""

FINGERPRINT_SAMPLE = 256


def jsonable(value, depth=0, max_depth=6):
    """A JSON-safe copy of `value` that `json.dumps` always accepts.

    Non-finite floats and integers beyond 64 bits that no float holds become None (larger
    ones become floats: Python refuses to print an integer of more than 4,300 digits);
    strings and containers are capped; anything nested deeper than `max_depth` becomes
    a short, depth-limited repr (a plain repr recurses and fails on deep nesting).
    """
    if depth > max_depth:
        import reprlib

        try:
            return reprlib.repr(value)[:200]
        except Exception:
            return f"<{type(value).__name__}>"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if -(2**63) <= value <= 2**63:
            return value
        try:
            f = float(value)
        except OverflowError:
            return None
        return f if f == f and f not in (float("inf"), float("-inf")) else None
    if isinstance(value, str):
        return value[:100000]
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {str(k)[:1000]: jsonable(v, depth + 1, max_depth) for k, v in list(value.items())[:1000]}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1, max_depth) for v in list(value)[:10000]]
    if hasattr(value, "tolist"):
        try:
            return jsonable(value.tolist(), depth + 1, max_depth)
        except Exception:
            return f"<{type(value).__name__}>"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")[:1000]
    try:
        return jsonable(float(value), depth, max_depth)
    except Exception:
        try:
            import reprlib

            return reprlib.repr(value)[:200]
        except Exception:
            return f"<{type(value).__name__}>"


def object_tag(obj, prefix):
    """A name for `obj` that no other object of this run gets: ``prefix-<random hex>``.

    ``id()`` is reused as soon as an object is freed (a model rebuilt in a loop often
    lands on the freed one's addresses), which would merge the records of two models
    or variables. The tag is kept on the object with its id, so a copy of the object
    (whose id differs) gets a tag of its own.
    """
    try:
        kept = vars(obj).get("_labgrade_tag")
    except TypeError:  # no __dict__
        kept = None
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == id(obj):
        return kept[1]
    import os

    tag = f"{prefix}-{os.urandom(6).hex()}"
    try:
        object.__setattr__(obj, "_labgrade_tag", (id(obj), tag))  # past Keras' attribute tracking
    except Exception:
        return f"{prefix}-{id(obj)}"
    return tag


def count_params(weights):
    """Number of scalars in a list of variables."""
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def fingerprint_array(values, salt):
    """A short digest of an array: its dtype, shape and a fixed sample of its values.

    The sample positions depend on `salt` (drawn per run) and the array's size, so a
    digest cannot be precomputed before the run; hashing a sample keeps it cheap for
    large backbones (a full copy of the array is still made once).
    """
    import hashlib

    import numpy as np

    a = np.ascontiguousarray(np.asarray(values))
    flat = a.reshape(-1)
    h = hashlib.sha256()
    h.update(str(salt).encode())
    h.update(str(a.dtype).encode())
    h.update(repr(tuple(int(d) for d in a.shape)).encode())
    n = int(flat.size)
    if n:
        k = min(n, FINGERPRINT_SAMPLE)
        step = n / k
        offset = int(hashlib.sha256(f"{salt}:{n}".encode()).hexdigest()[:8], 16) % max(1, int(step))
        idx = (np.arange(k, dtype=np.float64) * step).astype(np.int64) + offset
        idx = np.minimum(idx, n - 1)
        h.update(np.ascontiguousarray(flat[idx]).tobytes())
    return h.hexdigest()[:24]


def variable_values(variable):
    """A variable's current value as a numpy array (any Keras backend)."""
    import numpy as np

    try:
        return np.asarray(variable.numpy())
    except Exception:
        return np.asarray(variable)


def weights_state(model, salt):
    """[[variable id, fingerprint, trainable], ...] of ``model.weights``, in order.

    ``trainable`` is 0 for a weight of a frozen layer (``layer.trainable = False``, or a
    frozen model nested inside), 1 otherwise: the grader checks that frozen weights did
    not change during a fit. A BatchNormalization layer's moving statistics are not
    trainable variables but belong to a trainable layer, so they count as 1.
    """
    frozen = set()
    try:
        layers = model._flatten_layers(include_self=False, recursive=True)
    except Exception:
        layers = getattr(model, "layers", [])
    for layer in layers:
        if not getattr(layer, "trainable", True):
            frozen.update(id(w) for w in getattr(layer, "weights", []))
    weights = list(getattr(model, "weights", []))[:5000]
    if not getattr(model, "trainable", True):
        frozen.update(id(w) for w in weights)
    return [[object_tag(v, "var"), fingerprint_array(variable_values(v), salt), 0 if id(v) in frozen else 1]
            for v in weights]
