"""Accuracy of an exported cats-vs-dogs model on the grader's held-out Kaggle images.

Images are decoded once (cached) at 224x224 like ``keras.utils.load_img``. Input
preparation and the output-to-class mapping are chosen on the public validation
folder (what the submission saw), then accuracy is measured on held-out images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from harness.data import catsdogs
from harness.data.images import cached_images, decode
from harness.data.source import DataSource
from harness.evaluate.loading import EvaluationError
from harness.evaluate.measurement import Measurement
from harness.evaluate.perturb import perturb

CLASSES = catsdogs.CLASSES  # ("cat", "dog")

PREPROCESSING: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # MobileNet and MobileNetV2 preprocess_input ("tf" mode) both map [0, 255] -> [-1, 1].
    "preprocess_input ([-1, 1])": lambda x: x.astype(np.float32) / 127.5 - 1.0,
    "pixels/255 ([0, 1])": lambda x: x.astype(np.float32) / 255.0,
    "raw pixels ([0, 255])": lambda x: x.astype(np.float32),
}
RANGES = {"preprocess_input ([-1, 1])": (-1.0, 1.0), "pixels/255 ([0, 1])": (0.0, 1.0),
          "raw pixels ([0, 255])": (0.0, 255.0)}


def _images(pairs: list[tuple[Path, str]], source: DataSource) -> tuple[np.ndarray, np.ndarray]:
    x = cached_images([p for p, _ in pairs], cache_dir=source.derived_dir)
    y = np.array([CLASSES.index(c) for _, c in pairs], dtype=np.int64)
    return x, y


def class_probs(model, x: np.ndarray) -> np.ndarray:
    """P(output column) for each image: (N, 2); a single sigmoid unit becomes [1-p, p].

    Raises:
        EvaluationError: for a model whose output is not 1 or 2 units.
    """
    out = np.asarray(model.predict(x, batch_size=32, verbose=0))
    if out.ndim == 2 and out.shape[1] == 2:
        return out
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        p = out.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    raise EvaluationError(f"the model's output has shape {out.shape[1:]}; a cat/dog classifier needs 1 or 2 units")


def mapping_from_order(order) -> list[str] | None:
    """Output column -> class name from an exported ``class_indices`` dict or ``class_names`` list."""
    if isinstance(order, dict) and "value" in order and "source" in order:
        order = order["value"]
    if isinstance(order, dict):
        try:
            inv = {int(v): str(k).lower() for k, v in order.items()}
        except (TypeError, ValueError):
            return None
        names = [inv.get(i) for i in range(len(inv))]
    elif isinstance(order, (list, tuple)):
        names = [str(n).lower() for n in order]
    else:
        return None
    names = [("cat" if n and n.startswith("cat") else "dog" if n and n.startswith("dog") else n) for n in names]
    return names if sorted(n for n in names if n) == ["cat", "dog"] and len(names) == 2 else None


def candidates_for(trained: dict | None) -> list[str]:
    """Preprocessings consistent with the input range the trace saw during fit (all when unknown)."""
    if not trained or "min" not in trained:
        return list(PREPROCESSING)
    if trained["min"] < -0.25:
        return ["preprocess_input ([-1, 1])"]
    if trained["max"] <= 1.5:
        return ["pixels/255 ([0, 1])"]
    return ["raw pixels ([0, 255])"]


def evaluate(model, source: DataSource, *, quick: bool, trained: dict | None = None,
             perturb_seed: int | None = None) -> Measurement:
    """Held-out accuracy with the preprocessing and class mapping that fit the model.

    Args:
        model: the exported model.
        source: the grader's data.
        quick: quick-mode data sizes.
        trained: input statistics of the training data from the trace (min/max), when
            the submission trained on arrays; they settle the preprocessing. Otherwise
            (datasets, generators) it is chosen by validation accuracy.
        perturb_seed: also measure accuracy on a private perturbation of the held-out
            images (``details["perturbed"]``).

    Raises:
        EvaluationError: model input/output unusable for 224x224x3 cat/dog images.
    """
    layout = catsdogs.prepared(source)
    limit = catsdogs.QUICK_VAL if quick else None
    val_pairs = [(p, c) for c in CLASSES for p in layout.images("val", c, limit)]
    x_val, y_val = _images(val_pairs, source)
    shape = tuple(model.input_shape[1:]) if getattr(model, "input_shape", None) else None
    if shape and None not in shape and shape != (224, 224, 3):
        raise EvaluationError(f"the model expects inputs of shape {shape}; the lab uses 224x224x3 images")
    tried: dict[str, float] = {}
    best = ("", -1.0, False)
    for name in candidates_for(trained):
        probs = class_probs(model, PREPROCESSING[name](x_val))
        acc = float((probs.argmax(1) == y_val).mean())
        swapped = 1 - acc > acc
        acc = max(acc, 1 - acc)
        tried[name] = round(acc, 4)
        if acc > best[1] + 1e-9:  # ties keep the earlier candidate (preprocess_input first)
            best = (name, acc, swapped)
    name, val_acc, swapped = best
    x_held, y_held = _images(catsdogs.heldout(source, quick=quick), source)
    pred = class_probs(model, PREPROCESSING[name](x_held)).argmax(1)
    if swapped:
        pred = 1 - pred
    mapping = ["dog", "cat"] if swapped else ["cat", "dog"]
    details = {"candidates_on_validation": tried, "n_validation": int(len(y_val)), "mapping": mapping,
               "chosen_by": "training input range" if trained and "min" in trained else "validation accuracy"}
    if perturb_seed is not None:
        pred_p = class_probs(model, PREPROCESSING[name](perturb(x_held, perturb_seed))).argmax(1)
        details["perturbed"] = float(((1 - pred_p if swapped else pred_p) == y_held).mean())
    return Measurement(value=float((pred == y_held).mean()), n=int(len(y_held)), preprocessing=name,
                       validation=val_acc, details=details)


def predict_image(model, path: Path, preprocessing: str) -> np.ndarray:
    """Output-column probabilities for one image, prepared with `preprocessing`."""
    x = PREPROCESSING[preprocessing](decode(Path(path))[None])
    return class_probs(model, x)[0]
