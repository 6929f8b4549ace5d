"""Reference for fashion-transfer (exercise 19-2): reuse model A for task B.

The lecture's recipe in Keras 3: Fashion-MNIST scaled to [0, 1], validation = first
5,000 training images; task A = 8 classes (no sandal, no shirt), task B = shirt vs
sandal with only the first 200 training images of B. ``model_A``: Flatten + selu Dense
300, 100, 50, 50, 50 (default initializer) + Dense 8 softmax, SGD 1e-3, 20 epochs.
``model_B``: same architecture, Dense 1 sigmoid, SGD 1e-3, 20 epochs. ``model_B_on_A``:
a clone of model A (``clone_model`` + ``set_weights``) without its output layer plus a
new Dense 1 sigmoid; reused layers frozen for 4 epochs at SGD's default rate (0.01),
then unfrozen, recompiled with SGD 1e-4 and trained 16 more epochs. Batch size 32.

Metrics (held-out = test[5000:], never shown to a submission): ``accuracy_A`` (model A
on held-out task-A images), ``accuracy_B`` and ``accuracy_B_on_A`` (on held-out task-B
images), ``error_rate_reduction`` = (err_B - err_B_on_A) / err_B.

Speed: ``steps_per_execution`` (default 32) runs several SGD steps per backend call;
same batches, same updates, same per-epoch logs as the lecture.
"""

from __future__ import annotations

from pathlib import Path

import keras

from harness.data.source import DataSource
from reference.config import merge_config
from reference.fashion_data import fashion_splits, perturbed_heldout, scaled, split_task_ab
from reference.fashion_models import transfer_mlp
from reference.figures import plot_history
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import HeldoutCurve, accuracy, fit_measured, infer_images_per_s

LAB = "fashion-transfer"
PRIMARY = "accuracy_B_on_A"
BAND_PREFIXES = ("accuracy_", "perturb_drop.", "heldout_minus_valid.")  # error_rate_reduction is reported (mean/std over seeds), not banded
PERTURB_SEED = 12345
DEFAULTS = {
    "epochs_A": 20,
    "epochs_B": 20,
    "epochs_frozen": 4,
    "epochs_unfrozen": 16,
    "lr_A": 1e-3,
    "lr_B": 1e-3,
    "lr_frozen": 1e-2,
    "lr_unfrozen": 1e-4,
    "batch_size": 32,
    "n_train_B": 200,
    "steps_per_execution": 32,
    "scaling": "unit",
}


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Trains model A, model B and model B-on-A and measures them on held-out data.

    Args:
        seed: global seed (`keras.utils.set_random_seed`).
        quick: quick mode: the first 8,000 training images only, same epochs.
        source: where Fashion-MNIST comes from.
        config: overrides of `DEFAULTS`.
        out_dir: where figures are written (none when None).

    Returns:
        The run's `ReferenceResult`.
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    clock = RunClock()
    keras.utils.set_random_seed(seed)
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    with clock.phase("data"):
        data = scaled(fashion_splits(source, quick=quick), cfg["scaling"])
        (xa, ya), (xb, yb) = split_task_ab(data.x_train, data.y_train)
        xb, yb = xb[: cfg["n_train_B"]], yb[: cfg["n_train_B"]]
        (xva, yva), (xvb, yvb) = split_task_ab(data.x_valid, data.y_valid)
    (xha, yha), (xhb, yhb) = split_task_ab(data.x_heldout, data.y_heldout)
    spe, bs, counters = cfg["steps_per_execution"], cfg["batch_size"], {}

    def curve(name: str, x, y) -> HeldoutCurve:
        return HeldoutCurve(clock, res.curves, name, measure=lambda m: accuracy(m, x, y))

    model_A = transfer_mlp(8, "softmax", name="model_A")
    model_A.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(cfg["lr_A"]),
                    metrics=["accuracy"], steps_per_execution=spe)
    res.histories["model_A"] = fit_measured(
        model_A, xa, ya, clock=clock, counters=counters, epochs=cfg["epochs_A"], batch_size=bs,
        validation_data=(xva, yva), callbacks=[curve("accuracy_A", xha, yha)])

    model_B = transfer_mlp(1, "sigmoid", name="model_B")
    model_B.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(cfg["lr_B"]),
                    metrics=["accuracy"], steps_per_execution=spe)
    res.histories["model_B"] = fit_measured(
        model_B, xb, yb, clock=clock, counters=counters, epochs=cfg["epochs_B"], batch_size=bs,
        validation_data=(xvb, yvb), callbacks=[curve("accuracy_B", xhb, yhb)])

    clone = keras.models.clone_model(model_A)
    clone.set_weights(model_A.get_weights())
    model_B_on_A = keras.Sequential(
        [keras.Input(shape=(28, 28)), *clone.layers[:-1], keras.layers.Dense(1, activation="sigmoid")],
        name="model_B_on_A")
    for phase, trainable, lr, epochs in (("frozen", False, cfg["lr_frozen"], cfg["epochs_frozen"]),
                                         ("unfrozen", True, cfg["lr_unfrozen"], cfg["epochs_unfrozen"])):
        for layer in model_B_on_A.layers[:-1]:
            layer.trainable = trainable
        model_B_on_A.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(lr),
                             metrics=["accuracy"], steps_per_execution=spe)
        res.histories[f"model_B_on_A_{phase}"] = fit_measured(
            model_B_on_A, xb, yb, clock=clock, counters=counters, epochs=epochs, batch_size=bs,
            validation_data=(xvb, yvb), callbacks=[curve(PRIMARY, xhb, yhb)])

    with clock.excluded():
        acc_a, acc_b, acc_ba = (accuracy(model_A, xha, yha), accuracy(model_B, xhb, yhb),
                                accuracy(model_B_on_A, xhb, yhb))
        infer = infer_images_per_s(model_A, data.x_heldout)
        (pxa, _), (pxb, _) = split_task_ab(perturbed_heldout(source, data, PERTURB_SEED), data.y_heldout)
        drops = {"perturb_drop.accuracy_A": acc_a - accuracy(model_A, pxa, yha),
                 "perturb_drop.accuracy_B": acc_b - accuracy(model_B, pxb, yhb),
                 "perturb_drop.accuracy_B_on_A": acc_ba - accuracy(model_B_on_A, pxb, yhb)}
    res.metrics = {
        "accuracy_A": acc_a,
        "accuracy_B": acc_b,
        "accuracy_B_on_A": acc_ba,
        "error_rate_reduction": ((1 - acc_b) - (1 - acc_ba)) / (1 - acc_b) if acc_b < 1 else 0.0,
        **drops,
        "heldout_minus_valid.accuracy_A": acc_a - res.histories["model_A"]["val_accuracy"][-1],
        "heldout_minus_valid.accuracy_B": acc_b - res.histories["model_B"]["val_accuracy"][-1],
        "heldout_minus_valid.accuracy_B_on_A": acc_ba - res.histories["model_B_on_A_unfrozen"]["val_accuracy"][-1],
    }
    res.config = {**cfg, "optimizer": "SGD", "data": {**data.sizes(), "train_A": len(xa), "train_B": len(xb),
                  "valid_A": len(xva), "valid_B": len(xvb), "heldout_A": len(xha), "heldout_B": len(xhb)},
                  "data_fingerprint": data.fingerprint}
    res.timings = summarize(clock, train_images=counters["train_images"], infer_images_per_s=infer)
    if out_dir is not None:
        for name, hist in res.histories.items():
            res.figures[name] = plot_history(hist, Path(out_dir) / f"{LAB}-{name}.png", title=f"{LAB}: {name}")
    return res
