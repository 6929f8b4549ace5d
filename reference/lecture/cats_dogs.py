"""The lecture's exercise 19-3 code (Keras 3 port) for the speed comparison.

``ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=0.2,
zoom_range=0.2, preprocessing_function=preprocess_input)`` + ``flow_from_directory``
(batch 64) for training, the same without augmentation for validation; the whole model
(frozen MobileNetV2 + head) trained with ``fit(train_generator, epochs=10,
validation_data=validation_generator)``.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from harness.data.source import DataSource
from reference.backbones import load_backbone
from reference.cats_dogs import DEFAULTS, heldout_features
from reference.catsdogs_data import CLASS_INDICES, split_paths
from reference.lecture.generator import DirectoryFlow
from harness.reference_result import ReferenceResult
from harness.measure.clock import RunClock, summarize
from reference.training import accuracy_from_probs

LAB = "cats-dogs"


class _HeadCurve(keras.callbacks.Callback):
    """Held-out accuracy after each epoch from cached backbone features (the backbone is
    frozen, so only the layers after it need running), measurement time excluded."""

    def __init__(self, clock, curves, xh, yh):
        super().__init__()
        self.clock, self.curves, self.xh, self.yh = clock, curves, xh, yh

    def on_epoch_end(self, epoch, logs=None):
        with self.clock.excluded():
            x = self.xh
            for layer in self.model.layers[2:]:
                x = layer(x, training=False)
            value = accuracy_from_probs(np.asarray(keras.ops.convert_to_numpy(x)), self.yh)
        self.curves.setdefault("accuracy", []).append([self.clock.elapsed(), value])


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Runs the lecture's code; measured like `reference.cats_dogs.run`."""
    cfg = {**DEFAULTS, **(config or {})}
    clock = RunClock()
    keras.utils.set_random_seed(seed)
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    paths = split_paths(source, quick=quick)
    with clock.excluded():  # the measuring instrument: held-out features of the same frozen backbone
        probe = load_backbone(cfg["backbone"], alpha=cfg["alpha"], weights=cfg["weights"], source=source)
        xh, yh = heldout_features(probe, source, paths["heldout"])
    with clock.phase("build"):
        preprocess_input = probe.preprocess
        train_generator = DirectoryFlow(paths["train"], CLASS_INDICES, batch_size=64, seed=seed,
                                        preprocessing_function=preprocess_input,
                                        augment={"rotation": 20, "shift": 0.2, "zoom": 0.2})
        validation_generator = DirectoryFlow(paths["val"], CLASS_INDICES, batch_size=64, shuffle=False,
                                             preprocessing_function=preprocess_input)
        base_model = load_backbone(cfg["backbone"], alpha=cfg["alpha"], weights=cfg["weights"], source=source).base
        base_model.trainable = False
        model = keras.models.Sequential([
            keras.Input(shape=(224, 224, 3)),
            base_model,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(2, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    with clock.phase("train"):
        history = model.fit(train_generator, epochs=10, validation_data=validation_generator, verbose=0,
                            callbacks=[_HeadCurve(clock, res.curves, xh, yh)])
    res.histories["history"] = history.history
    res.metrics["accuracy"] = res.curves["accuracy"][-1][1]
    with clock.excluded():
        from reference.cats_dogs import _throughput

        x = np.stack([preprocess_input(keras.utils.img_to_array(keras.utils.load_img(p, target_size=(224, 224))))
                      for p, _ in paths["val"][:64]])
        infer = _throughput(model, x)
    res.config = {"recipe": "lecture 19-3 (Keras 3 port, per-image generator)", "backbone": cfg["backbone"],
                  "alpha": probe.alpha, "data": {k: len(v) for k, v in paths.items()}}
    res.timings = summarize(clock, train_images=10 * len(paths["train"]), infer_images_per_s=infer)
    return res
