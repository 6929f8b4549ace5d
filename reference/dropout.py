"""Reference for the dropout lab: the lecture's MLP with and without dropout.

Fashion-MNIST standardised per pixel, validation = first 5,000 training images.
Model: Flatten, Dropout 0.2, Dense 300 elu he_normal, Dropout 0.2, Dense 100 elu
he_normal, Dropout 0.2, Dense 10 softmax; Nadam (lr 1e-3, the lecture's
``optimizer="nadam"``), batch 32, 10 epochs; the same model without Dropout layers
trained the same way for comparison.

Metrics: ``accuracy`` (held-out, model with dropout), ``accuracy_no_dropout``,
``train_val_gap`` = last epoch's training accuracy minus validation accuracy from the
history (the training accuracy is measured with dropout active, as Keras logs it),
``train_val_gap_no_dropout``.
"""

from __future__ import annotations

from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.config import merge_config
from reference.fashion_data import fashion_splits, perturbed_heldout, scaled
from reference.fashion_models import dropout_mlp
from reference.figures import plot_history
from reference.optimizers import make_optimizer
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, accuracy, fit_measured, infer_images_per_s

LAB = "dropout"
PRIMARY = "accuracy"
DEFAULTS = {"epochs": 10, "batch_size": 32, "rate": 0.2, "optimizer": "nadam", "learning_rate": 1e-3, "steps_per_execution": 32,
            "scaling": "standardized"}
PERTURB_SEED = 12345  # any seed: the band is about the size of the drop, not these exact images


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Trains the MLP with dropout and without it, and measures both on held-out data.

    Args:
        seed: seed set before building each model.
        quick: quick mode: the first 8,000 training images only, same epochs.
        source: where Fashion-MNIST comes from.
        config: overrides of `DEFAULTS`.
        out_dir: where figures are written.
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    clock = RunClock()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    with clock.phase("data"):
        data = scaled(fashion_splits(source, quick=quick), cfg["scaling"])
    counters: dict = {}
    models = {}
    for name, rate, metric in (("model", cfg["rate"], "accuracy"), ("model_no_dropout", None, "accuracy_no_dropout")):
        keras.utils.set_random_seed(seed)
        model = dropout_mlp(rate, name=name)
        model.compile(loss="sparse_categorical_crossentropy",
                      optimizer=make_optimizer(cfg["optimizer"], cfg["learning_rate"]),
                      metrics=["accuracy"], steps_per_execution=cfg["steps_per_execution"])
        curve = HeldoutCurve(clock, res.curves, metric, measure=lambda m: accuracy(m, data.x_heldout, data.y_heldout))
        hist = fit_measured(model, data.x_train, data.y_train, clock=clock, counters=counters, epochs=cfg["epochs"],
                            batch_size=cfg["batch_size"], validation_data=(data.x_valid, data.y_valid), callbacks=[curve])
        res.histories["history" if rate else "history_no_dropout"] = hist
        res.metrics[metric] = res.curves[metric][-1][1]
        with clock.excluded():
            res.metrics[f"perturb_drop.{metric}"] = res.metrics[metric] - accuracy(
                model, perturbed_heldout(source, data, PERTURB_SEED), data.y_heldout)
        res.metrics[f"heldout_minus_valid.{metric}"] = res.metrics[metric] - hist["val_accuracy"][-1]
        gap = hist["accuracy"][-1] - hist["val_accuracy"][-1]
        res.metrics["train_val_gap" if rate else "train_val_gap_no_dropout"] = gap
        models[name] = model
    with clock.excluded():
        infer = infer_images_per_s(models["model"], data.x_heldout)
    res.config = {**cfg, "model": "Flatten, Dropout, Dense 300 elu he_normal, Dropout, Dense 100 elu he_normal, Dropout, Dense 10",
                  "data": data.sizes(), "data_fingerprint": data.fingerprint}
    res.timings = summarize(clock, train_images=counters["train_images"], infer_images_per_s=infer)
    if out_dir is not None:
        for name, hist in res.histories.items():
            res.figures[name] = plot_history(hist, Path(out_dir) / f"{LAB}-{name}.png", title=f"{LAB}: {name}")
    return res
