"""The lecture's optimizer comparison (Keras 3 port) for the speed comparison."""

from __future__ import annotations

from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.fashion_data import fashion_splits, standardized
from reference.lecture.fashion_ch11 import load_scaled, selu_model
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, infer_images_per_s

LAB = "optimizers"


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Runs the lecture's code; measured like `reference.optimizers.run`."""
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    with clock.phase("data"):
        X_train_scaled, y_train, X_valid_scaled, y_valid = load_scaled(source, quick=quick)
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(learning_rate=0.001),
        "momentum": lambda: keras.optimizers.SGD(learning_rate=0.001, momentum=0.9),
        "nesterov": lambda: keras.optimizers.SGD(learning_rate=0.001, momentum=0.9, nesterov=True),
        "adagrad": lambda: keras.optimizers.Adagrad(learning_rate=0.001),
        "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9),
        "adam": lambda: keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
        "adamax": lambda: keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
        "nadam": lambda: keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    }
    with clock.phase("train"):
        for name, make in optimizers.items():
            keras.utils.set_random_seed(seed)
            model = selu_model()
            model.compile(loss="sparse_categorical_crossentropy", optimizer=make(), metrics=["accuracy"])
            h = model.fit(X_train_scaled, y_train, epochs=10, validation_data=(X_valid_scaled, y_valid), verbose=0,
                          callbacks=[HeldoutCurve(clock, res.curves, f"final_val_accuracy.{name}")])
            res.histories[name] = h.history
            res.metrics[f"final_val_accuracy.{name}"] = float(h.history["val_accuracy"][-1])
    with clock.excluded():
        infer = infer_images_per_s(model, standardized(fashion_splits(source, quick=quick)).x_heldout, batch_size=32)
    res.config = {"recipe": "lecture ch. 11 optimizers (Keras 3 port)", "epochs": 10}
    res.timings = summarize(clock, train_images=10 * len(optimizers) * len(X_train_scaled), infer_images_per_s=infer)
    return res
