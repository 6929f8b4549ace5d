"""The lecture's learning-rate schedules (Keras 3 port) for the speed comparison.

Keras 2's ``SGD(lr=0.01, decay=1e-4)`` becomes ``InverseTimeDecay`` (Keras 3 ignores
``decay=``); the 1cycle scheduler stays the lecture's per-batch callback.
"""

from __future__ import annotations

import math
from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.fashion_data import fashion_splits, standardized
from reference.lecture.fashion_ch11 import load_scaled, selu_model
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, LearningRateTrace, infer_images_per_s

LAB = "lr-schedules"


class OneCycleScheduler(keras.callbacks.Callback):
    def __init__(self, iterations, max_rate, start_rate=None, last_iterations=None, last_rate=None):
        self.iterations = iterations
        self.max_rate = max_rate
        self.start_rate = start_rate or max_rate / 10
        self.last_iterations = last_iterations or iterations // 10 + 1
        self.half_iteration = (iterations - self.last_iterations) // 2
        self.last_rate = last_rate or self.start_rate / 1000
        self.iteration = 0

    def _interpolate(self, iter1, iter2, rate1, rate2):
        return ((rate2 - rate1) * (self.iteration - iter1) / (iter2 - iter1) + rate1)

    def on_train_batch_begin(self, batch, logs=None):
        if self.iteration < self.half_iteration:
            rate = self._interpolate(0, self.half_iteration, self.start_rate, self.max_rate)
        elif self.iteration < 2 * self.half_iteration:
            rate = self._interpolate(self.half_iteration, 2 * self.half_iteration, self.max_rate, self.start_rate)
        else:
            rate = self._interpolate(2 * self.half_iteration, self.iterations, self.start_rate, self.last_rate)
        self.iteration += 1
        self.model.optimizer.learning_rate = rate


def exponential_decay_fn(epoch):
    return 0.01 * 0.1 ** (epoch / 20)


def piecewise_constant_fn(epoch):
    if epoch < 5:
        return 0.01
    elif epoch < 15:
        return 0.005
    else:
        return 0.001


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Runs the lecture's code; measured like `reference.lr_schedules.run`."""
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    with clock.phase("data"):
        X_train_scaled, y_train, X_valid_scaled, y_valid = load_scaled(source, quick=quick)
    n_epochs = 25
    setups = {
        "power": lambda: (keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.01, 10_000, 1.0)), [], 32),
        "exponential": lambda: ("nadam", [keras.callbacks.LearningRateScheduler(exponential_decay_fn)], 32),
        "piecewise": lambda: ("nadam", [keras.callbacks.LearningRateScheduler(piecewise_constant_fn)], 32),
        "performance": lambda: (keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),
                                [keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)], 32),
        "1cycle": lambda: (keras.optimizers.SGD(learning_rate=1e-3),
                           [OneCycleScheduler(math.ceil(len(X_train_scaled) / 128) * n_epochs, max_rate=0.05)], 128),
    }
    images = 0
    with clock.phase("train"):
        for name, setup in setups.items():
            keras.utils.set_random_seed(seed)
            optimizer, callbacks, batch_size = setup()
            model = selu_model()
            model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
            cbs = [LearningRateTrace(), *callbacks, HeldoutCurve(clock, res.curves, f"final_val_accuracy.{name}")]
            h = model.fit(X_train_scaled, y_train, epochs=n_epochs, batch_size=batch_size, verbose=0,
                          validation_data=(X_valid_scaled, y_valid), callbacks=cbs)
            res.histories[name] = h.history
            res.metrics[f"final_val_accuracy.{name}"] = float(h.history["val_accuracy"][-1])
            images += n_epochs * len(X_train_scaled)
    with clock.excluded():
        infer = infer_images_per_s(model, standardized(fashion_splits(source, quick=quick)).x_heldout, batch_size=32)
    res.config = {"recipe": "lecture ch. 11 schedules (Keras 3 port)", "epochs": n_epochs}
    res.timings = summarize(clock, train_images=images, infer_images_per_s=infer)
    return res
