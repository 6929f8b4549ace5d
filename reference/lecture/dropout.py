"""The lecture's dropout code (Keras 3 port) for the speed comparison."""

from __future__ import annotations

from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.fashion_data import fashion_splits, standardized
from reference.lecture.fashion_ch11 import load_scaled
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, accuracy, infer_images_per_s

LAB = "dropout"


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Runs the lecture's code (with dropout, then without); measured like `reference.dropout.run`."""
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    with clock.excluded():
        held = standardized(fashion_splits(source, quick=quick))
    with clock.phase("data"):
        X_train_scaled, y_train, X_valid_scaled, y_valid = load_scaled(source, quick=quick)
    n_epochs = 10
    with clock.phase("train"):
        for rate, metric in ((0.2, "accuracy"), (None, "accuracy_no_dropout")):
            keras.utils.set_random_seed(seed)
            layers = [keras.layers.Flatten(input_shape=[28, 28])]
            for units in (300, 100):
                if rate:
                    layers.append(keras.layers.Dropout(rate=rate))
                layers.append(keras.layers.Dense(units, activation="elu", kernel_initializer="he_normal"))
            if rate:
                layers.append(keras.layers.Dropout(rate=rate))
            layers.append(keras.layers.Dense(10, activation="softmax"))
            model = keras.models.Sequential(layers)
            model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
            curve = HeldoutCurve(clock, res.curves, metric, measure=lambda m: accuracy(m, held.x_heldout, held.y_heldout))
            h = model.fit(X_train_scaled, y_train, epochs=n_epochs, validation_data=(X_valid_scaled, y_valid),
                          verbose=0, callbacks=[curve])
            res.histories["history" if rate else "history_no_dropout"] = h.history
            res.metrics[metric] = res.curves[metric][-1][1]
    with clock.excluded():
        infer = infer_images_per_s(model, held.x_heldout, batch_size=32)
    res.config = {"recipe": "lecture ch. 11 dropout (Keras 3 port)", "epochs": n_epochs}
    res.timings = summarize(clock, train_images=2 * n_epochs * len(X_train_scaled), infer_images_per_s=infer)
    return res
