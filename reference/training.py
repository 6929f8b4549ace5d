"""Keras-side helpers shared by the references: measured fits, curves, LR traces, accuracy.

Only ``keras`` APIs and numpy: runs under any Keras 3 backend.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np

from harness.measure.clock import RunClock, throughput


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray, *, batch_size: int = 1000) -> float:
    """Accuracy of `model` on (x, y): argmax for softmax outputs, 0.5 threshold for one sigmoid."""
    probs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return accuracy_from_probs(probs, y)


def accuracy_from_probs(probs: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of predicted probabilities against integer labels."""
    y = np.asarray(y).reshape(-1)
    if probs.ndim == 1 or probs.shape[-1] == 1:
        pred = (probs.reshape(-1) > 0.5).astype(y.dtype)
    else:
        pred = probs.argmax(axis=-1)
    return float(np.mean(pred == y))


class HeldoutCurve(keras.callbacks.Callback):
    """After each epoch, appends ``[elapsed_s, value]`` to ``curves[name]``.

    The measurement runs inside ``clock.excluded()``: the recorded elapsed time is the
    recipe's own time up to the end of the epoch.

    Args:
        clock: the run's clock.
        curves: the result's ``curves`` dict (appended to).
        name: metric name.
        measure: ``model -> value``; None reads ``logs[log_key]`` instead (free).
        log_key: the Keras log entry to read when `measure` is None.
    """

    def __init__(self, clock: RunClock, curves: dict, name: str, *, measure: Callable | None = None, log_key: str = "val_accuracy") -> None:
        super().__init__()
        self.clock, self.curves, self.name, self.measure, self.log_key = clock, curves, name, measure, log_key

    def on_epoch_end(self, epoch, logs=None):
        if self.measure is not None:
            with self.clock.excluded():
                value = float(self.measure(self.model))
        else:
            value = float((logs or {})[self.log_key])
        self.curves.setdefault(self.name, []).append([self.clock.elapsed(), value])


class LearningRateTrace(keras.callbacks.Callback):
    """Records ``optimizer.learning_rate`` at the end of each epoch into ``logs``.

    Put it FIRST in the callback list, so that the value is read before
    ``ReduceLROnPlateau`` changes it: for epoch-wise schedules it is the rate the epoch
    used; for step-wise schedules (`keras.optimizers.schedules`) it is the schedule at
    ``t = (epoch + 1) * steps_per_epoch`` iterations.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


def fit_measured(
    model: keras.Model,
    x,
    y,
    *,
    clock: RunClock,
    counters: dict,
    epochs: int,
    batch_size: int,
    validation_data=None,
    callbacks: list | None = None,
) -> dict[str, list[float]]:
    """`model.fit` inside the clock's ``train`` phase; returns the history dict.

    Adds the number of images trained on (epochs x len(x)) to ``counters["train_images"]``.
    """
    with clock.phase("train"):
        hist = model.fit(
            x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
            callbacks=list(callbacks or []), verbose=0, shuffle=True,
        )
    counters["train_images"] = counters.get("train_images", 0) + epochs * len(x)
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def infer_images_per_s(model: keras.Model, x: np.ndarray, *, batch_size: int = 1000, limit: int = 5000) -> float:
    """Inference throughput of `model` on up to `limit` in-memory images (best of 3 after a warm-up)."""
    x = x[:limit]
    return throughput(lambda: model.predict(x, batch_size=batch_size, verbose=0), len(x))
