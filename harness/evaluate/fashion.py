"""Accuracy of an exported Fashion-MNIST model on the grader's held-out test images.

Tasks: ``A`` (8 classes, no sandal/shirt, labels 7-9 moved to 5-7), ``B`` (shirt = 1
vs sandal = 0) and ``fashion10`` (all classes). The input scaling a student used is
not known in advance (raw pixels, /255, per-pixel or global standardisation), so each
candidate is tried on the lecture's validation split (the first 5,000 training images,
which the submission saw) and the best one is used on the held-out images.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from harness.data import fashion
from harness.data.source import DataSource
from harness.evaluate.loading import EvaluationError
from harness.evaluate.measurement import Measurement
from harness.evaluate.perturb import perturb

N_VALID = 5000
TASKS = ("A", "B", "fashion10")


def _task(x: np.ndarray, y: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    if task == "fashion10":
        return x, y.astype(np.int64)
    is_b = (y == 5) | (y == 6)
    if task == "B":
        return x[is_b], (y[is_b] == 6).astype(np.int64)
    ya = y[~is_b].astype(np.int64)
    ya[ya > 6] -= 2
    return x[~is_b], ya


def _scalers(train: np.ndarray) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    t = train.astype(np.float32) / 255.0
    mean, std = t.mean(axis=0), t.std(axis=0)
    std = np.where(std < 1e-6, 1.0, std)
    g_mean, g_std = float(t.mean()), float(t.std()) or 1.0
    return {
        "pixels/255": lambda x: x.astype(np.float32) / 255.0,
        "per-pixel standardisation": lambda x: ((x.astype(np.float32) / 255.0 - mean) / std).astype(np.float32),
        "global standardisation": lambda x: ((x.astype(np.float32) / 255.0 - g_mean) / g_std).astype(np.float32),
        "raw pixels (0-255)": lambda x: x.astype(np.float32),
    }


def _shape_for(model, x: np.ndarray) -> np.ndarray:
    shape = tuple(model.input_shape[1:]) if model.input_shape else (28, 28)
    if None in shape:
        return x
    try:
        return x.reshape((len(x), *shape))
    except ValueError:
        raise EvaluationError(f"the model expects inputs of shape {shape}; Fashion-MNIST images are 28x28") from None


def predict_labels(model, x: np.ndarray) -> tuple[np.ndarray, int]:
    """Class indices predicted for images `x`; also the number of output units."""
    probs = np.asarray(model.predict(_shape_for(model, x), batch_size=1000, verbose=0))
    if probs.ndim == 1 or probs.shape[-1] == 1:
        return (probs.reshape(-1) > 0.5).astype(np.int64), 1
    return probs.argmax(axis=-1), probs.shape[-1]


def candidates_for(trained: dict | None) -> list[str]:
    """Scalings consistent with the input range the trace saw during fit (all when unknown)."""
    names = ["pixels/255", "per-pixel standardisation", "global standardisation", "raw pixels (0-255)"]
    if not trained or "min" not in trained:
        return names
    if trained["min"] < -0.05:
        return names[1:3]
    return ["pixels/255"] if trained["max"] <= 1.5 else ["raw pixels (0-255)"]


def evaluate(model, task: str, source: DataSource, *, quick: bool, trained: dict | None = None,
             perturb_seed: int | None = None) -> Measurement:
    """Accuracy of `model` on `task`, on the held-out test images.

    `trained` (input statistics of the training arrays, from the trace) narrows the
    candidate scalings; the validation split decides between the rest. With
    `perturb_seed`, the accuracy on a private perturbation of the held-out images is
    measured too (``details["perturbed"]``).

    Raises:
        EvaluationError: for a model whose input or output does not fit the task.
        ValueError: for an unknown task.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown Fashion-MNIST task {task!r}; expected one of {TASKS}.")
    data = fashion.load_fashion_mnist(source)
    n_train = fashion.QUICK_TRAIN if quick else len(data.x_train)
    x_valid, y_valid = _task(data.x_train[:N_VALID], data.y_train[:N_VALID], task)
    x_train = data.x_train[N_VALID:n_train]
    x_held, y_held = _task(*data.heldout(), task)
    tried: dict[str, float] = {}
    best_name, best_acc, flipped = "", -1.0, False
    scalers = _scalers(x_train)
    for name in candidates_for(trained):
        scale = scalers[name]
        pred, units = predict_labels(model, scale(x_valid))
        expected = {"A": 8, "B": (1, 2), "fashion10": 10}[task]
        if (task == "B" and units not in expected) or (task != "B" and units != expected):
            raise EvaluationError(f"the model has {units} output unit(s); task {task} needs "
                                  f"{'1 (sigmoid) or 2 (softmax)' if task == 'B' else expected}")
        acc = float((pred == y_valid).mean())
        if task == "B" and 1 - acc > acc:  # the positive class swapped (sandal = 1)
            acc, flip = 1 - acc, True
        else:
            flip = False
        tried[name] = round(acc, 4)
        if acc > best_acc:
            best_name, best_acc, flipped = name, acc, flip
    scale = _scalers(x_train)[best_name]
    pred, _ = predict_labels(model, scale(x_held))
    correct = pred == y_held
    value = float((~correct if flipped else correct).mean())
    details = {"candidates_on_validation": tried}
    if perturb_seed is not None:
        pred_p, _ = predict_labels(model, scale(perturb(x_held, perturb_seed)))
        correct_p = pred_p == y_held
        details["perturbed"] = float((~correct_p if flipped else correct_p).mean())
    if flipped:
        details["positive_class"] = "sandal (the lecture uses shirt = 1; evaluated with the model's convention)"
    return Measurement(value=value, n=int(len(y_held)), preprocessing=best_name, validation=best_acc, details=details)
