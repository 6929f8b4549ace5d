"""A model's structure as the grader sees it, from the safely loaded ``.keras`` file.

The export step also writes a summary from inside the kernel, but that is produced by
code the submission controls; structure checks read the model the grader loaded itself.
"""

from __future__ import annotations


def _count(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def layer_table(model) -> list[dict]:
    """One row per top-level layer: class, name, trainable flag, rate/units/activation, params.

    Nested models (a pretrained base inside a Sequential) get ``layers`` (how many) and
    ``trainable_params``, which is 0 when the base is frozen.
    """
    rows = []
    for layer in getattr(model, "layers", []):
        row = {"name": layer.name, "class": type(layer).__name__, "trainable": bool(layer.trainable),
               "params": _count(layer.weights), "trainable_params": _count(layer.trainable_weights)}
        for attr in ("rate", "units"):
            if hasattr(layer, attr):
                row[attr] = getattr(layer, attr)
        act = getattr(layer, "activation", None)
        if act is not None:
            row["activation"] = getattr(act, "__name__", str(act))
        sub = getattr(layer, "layers", None)
        if sub:
            row["layers"] = len(sub)
        rows.append(row)
    return rows
