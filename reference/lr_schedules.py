"""Reference for the lr-schedules lab: five learning-rate schedules on the same model.

The lecture's ch. 11 recipes (Keras 2's ``decay=`` replaced by its Keras 3 equivalent):
Fashion-MNIST standardised per pixel, validation = first 5,000 training images, model
Flatten, Dense 300 and 100 selu lecun_normal, Dense 10 softmax, 25 epochs, batch 32.

* ``power``: SGD(0.01) with ``eta0 / (1 + t/s)**c``, t in steps, s = 10,000, c = 1
  (Keras 2's ``SGD(lr=0.01, decay=1e-4)``; Keras 3: ``InverseTimeDecay``).
* ``exponential``: Nadam, ``eta0 * 0.1**(epoch/s)``, eta0 = 0.01, s = 20 (per epoch).
* ``piecewise``: Nadam, 0.01 for epochs 0-4, 0.005 for 5-14, 0.001 after.
* ``performance``: SGD(0.02, momentum 0.9) + ``ReduceLROnPlateau(factor=0.5, patience=5)``.
* ``1cycle``: SGD, batch 128, rate per step rising linearly from max_rate/10 to
  max_rate = 0.05 over the first half of (iterations - last_iterations), back down over
  the second, then to start_rate/1000 over the last ``iterations // 10 + 1`` steps.

Each history holds ``learning_rate`` per epoch (`reference.training.LearningRateTrace`);
``config["schedules"]`` holds each formula's parameters for the grader's shape fit.
Metrics: ``final_val_accuracy.<key>`` (last ``val_accuracy`` of the history) and
``heldout_accuracy.<key>`` (held-out test images, reported).
"""

from __future__ import annotations

import math
from pathlib import Path

import keras
from keras import ops

from harness.data.source import DataSource
from reference.config import merge_config
from reference.fashion_data import fashion_splits, scaled
from reference.fashion_models import selu_mlp
from reference.figures import plot_comparison
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, LearningRateTrace, accuracy, fit_measured, infer_images_per_s

LAB = "lr-schedules"
KEYS = ("power", "exponential", "piecewise", "performance", "1cycle")
PRIMARY = "final_val_accuracy.1cycle"
DEFAULTS = {"epochs": 25, "batch_size": 32, "batch_size_1cycle": 128, "schedules": ",".join(KEYS), "steps_per_execution": 32,
            "scaling": "standardized"}


class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The lecture's 1cycle rate as a per-step schedule (exact under steps_per_execution).

    Args:
        iterations: total training steps.
        max_rate: peak rate.
        start_rate: first rate (default max_rate / 10).
        last_iterations: length of the final annealing (default iterations // 10 + 1).
        last_rate: final rate (default start_rate / 1000).
    """

    def __init__(self, iterations: int, max_rate: float, start_rate: float | None = None,
                 last_iterations: int | None = None, last_rate: float | None = None) -> None:
        self.iterations = int(iterations)
        self.max_rate = float(max_rate)
        self.start_rate = float(start_rate or max_rate / 10)
        self.last_iterations = int(last_iterations or iterations // 10 + 1)
        self.half_iteration = (self.iterations - self.last_iterations) // 2
        self.last_rate = float(last_rate or self.start_rate / 1000)

    def __call__(self, step):
        t = ops.cast(step, "float32")
        h = float(self.half_iteration)
        up = self.start_rate + (self.max_rate - self.start_rate) * t / h
        down = self.max_rate + (self.start_rate - self.max_rate) * (t - h) / h
        last = self.start_rate + (self.last_rate - self.start_rate) * (t - 2 * h) / max(self.iterations - 2 * h, 1.0)
        return ops.where(t < h, up, ops.where(t < 2 * h, down, last))

    def get_config(self) -> dict:
        return {"iterations": self.iterations, "max_rate": self.max_rate, "start_rate": self.start_rate,
                "last_iterations": self.last_iterations, "last_rate": self.last_rate}


def schedule_setup(key: str, *, epochs: int, steps_per_epoch: int) -> tuple[keras.optimizers.Optimizer, list, dict]:
    """Optimizer, callbacks and formula parameters of schedule `key`.

    Raises:
        ValueError: for an unknown key.
    """
    if key == "power":
        params = {"formula": "eta0 / (1 + t/s)**c", "unit": "step", "eta0": 0.01, "s": 10_000, "c": 1, "optimizer": "SGD"}
        sched = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=10_000, decay_rate=1.0)
        return keras.optimizers.SGD(sched), [], params
    if key == "exponential":
        params = {"formula": "eta0 * 0.1**(epoch/s)", "unit": "epoch", "eta0": 0.01, "s": 20, "optimizer": "Nadam"}
        fn = lambda epoch: 0.01 * 0.1 ** (epoch / 20)  # noqa: E731
        return keras.optimizers.Nadam(), [keras.callbacks.LearningRateScheduler(fn)], params
    if key == "piecewise":
        params = {"formula": "values[i] for boundaries[i-1] <= epoch < boundaries[i]", "unit": "epoch",
                  "boundaries": [5, 15], "values": [0.01, 0.005, 0.001], "optimizer": "Nadam"}
        fn = lambda epoch: 0.01 if epoch < 5 else (0.005 if epoch < 15 else 0.001)  # noqa: E731
        return keras.optimizers.Nadam(), [keras.callbacks.LearningRateScheduler(fn)], params
    if key == "performance":
        params = {"formula": "eta *= factor after `patience` epochs without val_loss improvement", "unit": "epoch",
                  "eta0": 0.02, "momentum": 0.9, "factor": 0.5, "patience": 5, "monitor": "val_loss", "optimizer": "SGD"}
        return (keras.optimizers.SGD(0.02, momentum=0.9),
                [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=5)], params)
    if key == "1cycle":
        sched = OneCycle(steps_per_epoch * epochs, max_rate=0.05)
        params = {"formula": "1cycle: start_rate -> max_rate -> start_rate linearly over 2*half_iteration steps, "
                             "then -> last_rate", "unit": "step", **sched.get_config(),
                  "half_iteration": sched.half_iteration, "optimizer": "SGD"}
        return keras.optimizers.SGD(sched), [], params
    raise ValueError(f"Unknown schedule key {key!r}; known: {', '.join(KEYS)}.")


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Trains the model once per schedule and records each learning-rate trace.

    Args:
        seed: seed set before building each model (same initial weights for all).
        quick: quick mode: the first 8,000 training images only, same epochs.
        source: where Fashion-MNIST comes from.
        config: overrides of `DEFAULTS` (``schedules`` is a comma-separated subset).
        out_dir: where the comparison figures are written.
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    keys = [k.strip() for k in str(cfg["schedules"]).split(",") if k.strip()]
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    with clock.phase("data"):
        data = scaled(fashion_splits(source, quick=quick), cfg["scaling"])
    counters: dict = {}
    formulas = {}
    for key in keys:
        batch = cfg["batch_size_1cycle"] if key == "1cycle" else cfg["batch_size"]
        steps = math.ceil(len(data.x_train) / batch)
        keras.utils.set_random_seed(seed)
        optimizer, callbacks, params = schedule_setup(key, epochs=cfg["epochs"], steps_per_epoch=steps)
        formulas[key] = {**params, "batch_size": batch, "steps_per_epoch": steps,
                         "trace": "learning_rate read at the end of each epoch, before ReduceLROnPlateau acts"}
        model = selu_mlp(name=f"model_{key}")
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"],
                      steps_per_execution=cfg["steps_per_execution"])
        cbs = [LearningRateTrace(), *callbacks, HeldoutCurve(clock, res.curves, f"final_val_accuracy.{key}")]
        res.histories[key] = fit_measured(model, data.x_train, data.y_train, clock=clock, counters=counters,
                                          epochs=cfg["epochs"], batch_size=batch,
                                          validation_data=(data.x_valid, data.y_valid), callbacks=cbs)
        res.metrics[f"final_val_accuracy.{key}"] = res.histories[key]["val_accuracy"][-1]
        with clock.excluded():
            res.metrics[f"heldout_accuracy.{key}"] = accuracy(model, data.x_heldout, data.y_heldout)
    with clock.excluded():
        infer = infer_images_per_s(model, data.x_heldout)
    res.outputs["learning_rate"] = {k: h["learning_rate"] for k, h in res.histories.items()}
    res.config = {**cfg, "schedules": formulas, "model": "selu 300-100 lecun_normal",
                  "data": data.sizes(), "data_fingerprint": data.fingerprint}
    res.timings = summarize(clock, train_images=counters["train_images"], infer_images_per_s=infer)
    if out_dir is not None:
        res.figures["val_accuracy"] = plot_comparison(res.histories, Path(out_dir) / f"{LAB}-val_accuracy.png",
                                                      metric="val_accuracy", title="Validation accuracy per schedule")
        res.figures["learning_rate"] = plot_comparison(res.histories, Path(out_dir) / f"{LAB}-learning_rate.png",
                                                       metric="learning_rate", title="Learning rate per epoch")
    return res
