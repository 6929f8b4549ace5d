"""The lecture's exercise 19-2 code (Keras 3 port) for the speed comparison."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from harness.data import fashion
from harness.data.source import DataSource
from reference.fashion_data import fashion_splits, split_task_ab
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, accuracy, infer_images_per_s

LAB = "fashion-transfer"


def split_dataset(X, y):
    y_5_or_6 = (y == 5) | (y == 6)  # sandals or shirts
    y_A = y[~y_5_or_6]
    y_A[y_A > 6] -= 2  # class indices 7, 8, 9 should be moved to 5, 6, 7
    y_B = (y[y_5_or_6] == 6).astype(np.float32)  # binary classification task: is it a shirt (class 6)?
    return ((X[~y_5_or_6], y_A), (X[y_5_or_6], y_B))


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Runs the lecture's code; measured like `reference.fashion_transfer.run`."""
    clock = RunClock()
    keras.utils.set_random_seed(seed)
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    with clock.excluded():  # the grader's held-out images, for the curves only
        held = fashion_splits(source, quick=quick)
        (xha, yha), (xhb, yhb) = split_task_ab(held.x_heldout, held.y_heldout)
    with clock.phase("data"):
        data = fashion.load_fashion_mnist(source)  # what keras.datasets.fashion_mnist.load_data() returns
        n = fashion.QUICK_TRAIN if quick else len(data.x_train)
        X_train_full, y_train_full = data.x_train[:n], data.y_train[:n].copy()
        X_valid, X_train = X_train_full[:5000] / 255.0, X_train_full[5000:] / 255.0
        y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
        (X_train_A, y_train_A), (X_train_B, y_train_B) = split_dataset(X_train, y_train)
        (X_valid_A, y_valid_A), (X_valid_B, y_valid_B) = split_dataset(X_valid, y_valid)
        X_train_B, y_train_B = X_train_B[:200], y_train_B[:200]

    def curve(name, x, y):
        return HeldoutCurve(clock, res.curves, name, measure=lambda m: accuracy(m, x, y))

    with clock.phase("train"):
        model_A = keras.models.Sequential()
        model_A.add(keras.layers.Flatten(input_shape=[28, 28]))
        for n_hidden in (300, 100, 50, 50, 50):
            model_A.add(keras.layers.Dense(n_hidden, activation="selu"))
        model_A.add(keras.layers.Dense(8, activation="softmax"))
        model_A.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-3),
                        metrics=["accuracy"])
        h = model_A.fit(X_train_A, y_train_A, epochs=20, validation_data=(X_valid_A, y_valid_A), verbose=0,
                        callbacks=[curve("accuracy_A", xha, yha)])
        res.histories["model_A"] = h.history

        model_B = keras.models.Sequential()
        model_B.add(keras.layers.Flatten(input_shape=[28, 28]))
        for n_hidden in (300, 100, 50, 50, 50):
            model_B.add(keras.layers.Dense(n_hidden, activation="selu"))
        model_B.add(keras.layers.Dense(1, activation="sigmoid"))
        model_B.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-3), metrics=["accuracy"])
        h = model_B.fit(X_train_B, y_train_B, epochs=20, validation_data=(X_valid_B, y_valid_B), verbose=0,
                        callbacks=[curve("accuracy_B", xhb, yhb)])
        res.histories["model_B"] = h.history

        model_A_clone = keras.models.clone_model(model_A)
        model_A_clone.set_weights(model_A.get_weights())
        model_B_on_A = keras.models.Sequential(model_A_clone.layers[:-1])
        model_B_on_A.add(keras.layers.Dense(1, activation="sigmoid"))
        for layer in model_B_on_A.layers[:-1]:
            layer.trainable = False
        model_B_on_A.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        h = model_B_on_A.fit(X_train_B, y_train_B, epochs=4, validation_data=(X_valid_B, y_valid_B), verbose=0,
                             callbacks=[curve("accuracy_B_on_A", xhb, yhb)])
        res.histories["model_B_on_A_frozen"] = h.history
        for layer in model_B_on_A.layers[:-1]:
            layer.trainable = True
        optimizer = keras.optimizers.SGD(learning_rate=1e-4)  # the default lr is 1e-2
        model_B_on_A.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
        h = model_B_on_A.fit(X_train_B, y_train_B, epochs=16, validation_data=(X_valid_B, y_valid_B), verbose=0,
                             callbacks=[curve("accuracy_B_on_A", xhb, yhb)])
        res.histories["model_B_on_A_unfrozen"] = h.history
    with clock.excluded():
        acc_b, acc_ba = accuracy(model_B, xhb, yhb), accuracy(model_B_on_A, xhb, yhb)
        res.metrics = {"accuracy_A": accuracy(model_A, xha, yha), "accuracy_B": acc_b, "accuracy_B_on_A": acc_ba,
                       "error_rate_reduction": (acc_ba - acc_b) / (1 - acc_b) if acc_b < 1 else 0.0}
        infer = infer_images_per_s(model_A, held.x_heldout.astype(np.float64), batch_size=32)
    res.config = {"recipe": "lecture 19-2 (Keras 3 port)", "data": {"train_A": len(X_train_A), "train_B": len(X_train_B)}}
    res.timings = summarize(clock, train_images=20 * len(X_train_A) + 40 * len(X_train_B), infer_images_per_s=infer)
    return res
