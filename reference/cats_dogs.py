"""Reference for cats-dogs (exercise 19-3): a classifier on a frozen MobileNet backbone.

The lecture's recipe in Keras 3: 224x224 images, augmentation (rotation 20 degrees,
shifts 0.2, zoom 0.2, nearest fill), frozen ImageNet MobileNetV2 (alpha 0.35 offline;
MobileNet v1 alpha 0.25 also available) without top, GlobalAveragePooling2D, Dense 64
relu, Dropout 0.5, Dense 2 softmax; Adam 1e-3, 10 epochs, batch 64; inputs
preprocessed with the backbone's ``preprocess_input``; class order cat = 0, dog = 1.

Speed, without changing what is computed: the backbone is frozen and in inference
mode, so its output for an image depends only on the image. Images are decoded and
resized once (cached arrays); each epoch augments the training images in batches (one
affine warp per batch), runs the backbone once over them and trains the head on the
pooled features (same batches of 64, same shuffling, same Adam updates as training the
whole model). Validation images are not augmented: their features are computed once,
after training, and the per-epoch validation history is computed from the head's
weights saved after each epoch, the same numbers ``validation_data`` would give.

Metric: ``accuracy`` on the grader's held-out images (``catsdogs.heldout``).
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from harness.data.source import DataSource
from harness.evaluate.perturb import perturb
from reference.backbones import cached_features, extract, load_backbone
from reference.catsdogs_data import CLASS_INDICES, catsdogs_arrays, load_split
from reference.config import merge_config
from reference.figures import plot_history
from reference.images import augment_batch, decode
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize, throughput
from reference.training import accuracy_from_probs

LAB = "cats-dogs"
PRIMARY = "accuracy"
PERTURB_SEED = 12345
DEFAULTS = {
    "backbone": "mobilenet_v2",
    "alpha": 0.35,
    "weights": "imagenet",
    "epochs": 10,
    "batch_size": 64,
    "learning_rate": 1e-3,
    "dense_units": 64,
    "dropout": 0.5,
    "rotation": 20.0,
    "shift": 0.2,
    "zoom": 0.2,
    "augment_chunk": 100,
}


def build_head(n_features: int, cfg: dict) -> keras.Sequential:
    """The lecture's classifier head on pooled features: Dense relu, Dropout, Dense 2 softmax."""
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(cfg["dense_units"], activation="relu"),
        keras.layers.Dropout(cfg["dropout"]),
        keras.layers.Dense(2, activation="softmax"),
    ], name="head")


def full_model(backbone, head: keras.Sequential) -> keras.Sequential:
    """The deliverable: 224x224x3 preprocessed input -> frozen backbone -> pooling -> head
    (layers shared with `head`, so it holds the trained weights)."""
    return keras.Sequential([keras.Input(shape=(224, 224, 3)), backbone.base, keras.layers.GlobalAveragePooling2D(),
                             *head.layers], name="cats_dogs")


def heldout_features(backbone, source: DataSource, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Backbone features of the grader's held-out images (memoised: the backbone is frozen)."""
    x, y = load_split(pairs, source)
    return cached_features(backbone, x, tag=f"heldout-{len(pairs)}"), y


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Trains the cats/dogs classifier and measures it on the held-out images.

    Args:
        seed: global seed and augmentation seed.
        quick: quick mode: ``QUICK_TRAIN``/``QUICK_VAL`` images per class, same epochs.
        source: where train.zip and the backbone weights come from.
        config: overrides of `DEFAULTS` (``backbone``: ``mobilenet_v2`` or ``mobilenet``;
            ``weights``: ``imagenet``, a path, or ``none``).
        out_dir: where the figure is written.
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    clock = RunClock()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    with clock.phase("data"):
        data = catsdogs_arrays(source, quick=quick)
    with clock.phase("build"):
        backbone = load_backbone(cfg["backbone"], alpha=cfg["alpha"], weights=cfg["weights"], source=source)
        head = build_head(backbone.features.output_shape[-1], cfg)
        head.compile(optimizer=keras.optimizers.Adam(cfg["learning_rate"]), loss="sparse_categorical_crossentropy",
                     metrics=["accuracy"])
    with clock.excluded():
        xh, yh = heldout_features(backbone, source, data.heldout_paths)
    hist: dict[str, list[float]] = {"accuracy": [], "loss": []}
    snapshots = []
    ranges = {"rotation": cfg["rotation"], "shift": cfg["shift"], "zoom": cfg["zoom"]}
    chunk = cfg["augment_chunk"]
    for epoch in range(cfg["epochs"]):
        with clock.phase("train"):
            feats = np.concatenate([
                extract(backbone, augment_batch(data.x_train[i:i + chunk], rng, **ranges))
                for i in range(0, len(data.x_train), chunk)])
            h = head.fit(feats, data.y_train, batch_size=cfg["batch_size"], epochs=epoch + 1, initial_epoch=epoch,
                         shuffle=True, verbose=0)
        for k in hist:
            hist[k].append(float(h.history[k][-1]))
        snapshots.append(head.get_weights())
        with clock.excluded():
            value = accuracy_from_probs(np.asarray(head.predict(xh, batch_size=1000, verbose=0)), yh)
        res.curves.setdefault(PRIMARY, []).append([clock.elapsed(), value])
    with clock.phase("validate"):
        xv = extract(backbone, data.x_val)
        final = head.get_weights()
        hist["val_accuracy"], hist["val_loss"] = [], []
        for weights in snapshots:
            head.set_weights(weights)
            loss, acc = head.evaluate(xv, data.y_val, batch_size=cfg["batch_size"], verbose=0)
            hist["val_loss"].append(float(loss))
            hist["val_accuracy"].append(float(acc))
        head.set_weights(final)
    res.histories["history"] = hist
    with clock.excluded():
        model = full_model(backbone, head)
        res.metrics[PRIMARY] = accuracy_from_probs(np.asarray(head.predict(xh, batch_size=1000, verbose=0)), yh)
        x_raw, _ = load_split(data.heldout_paths, source)
        perturbed = extract(backbone, perturb(x_raw, PERTURB_SEED).astype(np.float32))
        res.metrics[f"perturb_drop.{PRIMARY}"] = res.metrics[PRIMARY] - accuracy_from_probs(
            np.asarray(head.predict(perturbed, batch_size=1000, verbose=0)), yh)
        res.metrics[f"heldout_minus_valid.{PRIMARY}"] = res.metrics[PRIMARY] - hist["val_accuracy"][-1]
        sample = _sample_dog(model, backbone, source)
        if sample is not None:
            res.outputs["sample_dog"] = sample
        probe = backbone.preprocess(data.x_val[:64].astype(np.float32))
        infer = _throughput(model, probe)
    res.outputs["class_indices"] = dict(CLASS_INDICES)
    res.config = {**cfg, "alpha": backbone.alpha, "weights_id": backbone.weights_id, "input": "224x224x3, preprocess_input",
                  "augmentation": "affine per image, one warp per batch (rotation, shift, zoom), nearest fill",
                  "data": data.sizes(), "data_fingerprint": f"{data.fingerprint}+{backbone.weights_id}"}
    res.timings = summarize(clock, train_images=cfg["epochs"] * len(data.x_train), infer_images_per_s=infer)
    if out_dir is not None:
        res.figures["history"] = plot_history(hist, Path(out_dir) / f"{LAB}-history.png", title=f"{LAB}: {cfg['backbone']}")
    res.model = model  # not serialised: for callers that want the trained model
    return res


def _sample_dog(model, backbone, source: DataSource) -> dict | None:
    if not source.has("sample-image:dog"):
        return None
    x = backbone.preprocess(decode(source.path("sample-image:dog"))[None].astype(np.float32))
    probs = np.asarray(model.predict(x, verbose=0))[0]
    names = sorted(CLASS_INDICES, key=CLASS_INDICES.get)
    return {"class": names[int(probs.argmax())], "probabilities": [float(p) for p in probs]}


def _throughput(model, x: np.ndarray) -> float:
    return throughput(lambda: model.predict(x, batch_size=64, verbose=0), len(x))
