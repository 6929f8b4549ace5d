"""Reference for the optimizers lab: one model, eight optimizers, compared.

The lecture's ch. 11 setting: Fashion-MNIST standardised per pixel (training mean/std),
validation = first 5,000 training images; the same model for every optimizer
(Flatten, Dense 300 and 100 selu lecun_normal, Dense 10 softmax), rebuilt from the same
seed for each optimizer so all start from the same weights; batch 32; 10 epochs (the
book's optimizer comparison length); learning rate 1e-3 for all: SGD, SGD momentum 0.9,
SGD Nesterov momentum 0.9, AdaGrad, RMSProp (rho 0.9), Adam, Adamax, Nadam.

Metrics: ``final_val_accuracy.<key>`` = the last epoch's ``val_accuracy`` of each history
(the grader reads these from the student's histories; validation data is the same for
both), and ``heldout_accuracy.<key>`` on the grader's held-out test images (reported).
"""

from __future__ import annotations

from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.config import merge_config
from reference.fashion_data import fashion_splits, scaled
from reference.fashion_models import selu_mlp
from reference.figures import plot_comparison
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, accuracy, fit_measured, infer_images_per_s

LAB = "optimizers"
KEYS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax", "nadam")
PRIMARY = "final_val_accuracy.adam"
DEFAULTS = {"epochs": 10, "batch_size": 32, "learning_rate": 1e-3, "optimizers": ",".join(KEYS), "steps_per_execution": 32,
            "scaling": "standardized"}


def make_optimizer(key: str, lr: float) -> keras.optimizers.Optimizer:
    """The lecture's optimizer for `key` at learning rate `lr`.

    Raises:
        ValueError: for an unknown key.
    """
    makers = {
        "sgd": lambda: keras.optimizers.SGD(lr),
        "momentum": lambda: keras.optimizers.SGD(lr, momentum=0.9),
        "nesterov": lambda: keras.optimizers.SGD(lr, momentum=0.9, nesterov=True),
        "adagrad": lambda: keras.optimizers.Adagrad(lr),
        "rmsprop": lambda: keras.optimizers.RMSprop(lr, rho=0.9),
        "adam": lambda: keras.optimizers.Adam(lr, beta_1=0.9, beta_2=0.999),
        "adamax": lambda: keras.optimizers.Adamax(lr, beta_1=0.9, beta_2=0.999),
        "nadam": lambda: keras.optimizers.Nadam(lr, beta_1=0.9, beta_2=0.999),
    }
    if key not in makers:
        raise ValueError(f"Unknown optimizer key {key!r}; known: {', '.join(makers)}.")
    return makers[key]()


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Trains the model once per optimizer and compares the histories.

    Args:
        seed: seed used before building each model (same initial weights for all).
        quick: quick mode: the first 8,000 training images only, same epochs.
        source: where Fashion-MNIST comes from.
        config: overrides of `DEFAULTS` (``optimizers`` is a comma-separated subset).
        out_dir: where the comparison figure is written.
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    keys = [k.strip() for k in str(cfg["optimizers"]).split(",") if k.strip()]
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    with clock.phase("data"):
        data = scaled(fashion_splits(source, quick=quick), cfg["scaling"])
    counters: dict = {}
    for key in keys:
        keras.utils.set_random_seed(seed)
        model = selu_mlp(name=f"model_{key}")
        model.compile(loss="sparse_categorical_crossentropy", optimizer=make_optimizer(key, cfg["learning_rate"]),
                      metrics=["accuracy"], steps_per_execution=cfg["steps_per_execution"])
        res.histories[key] = fit_measured(
            model, data.x_train, data.y_train, clock=clock, counters=counters, epochs=cfg["epochs"],
            batch_size=cfg["batch_size"], validation_data=(data.x_valid, data.y_valid),
            callbacks=[HeldoutCurve(clock, res.curves, f"final_val_accuracy.{key}")])
        res.metrics[f"final_val_accuracy.{key}"] = res.histories[key]["val_accuracy"][-1]
        with clock.excluded():
            res.metrics[f"heldout_accuracy.{key}"] = accuracy(model, data.x_heldout, data.y_heldout)
    with clock.excluded():
        infer = infer_images_per_s(model, data.x_heldout)
    res.config = {**cfg, "optimizers": keys, "model": "selu 300-100 lecun_normal",
                  "data": data.sizes(), "data_fingerprint": data.fingerprint}
    res.timings = summarize(clock, train_images=counters["train_images"], infer_images_per_s=infer)
    if out_dir is not None:
        res.figures["comparison"] = plot_comparison(res.histories, Path(out_dir) / f"{LAB}-val_accuracy.png",
                                                    metric="val_accuracy", title="Validation accuracy per optimizer")
    return res
