"""The lecture's exercise 19-1 ``classify`` (Keras 3 port): rebuilds ResNet50 on every call."""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from harness.data.source import DataSource
from reference.resnet50_top3 import DEFAULTS, decode_top, images, load_class_index, resolve_weights
from harness.reference_result import ReferenceResult
from harness.measure.clock import peak_rss_mb

LAB = "resnet50-top3"


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Calls the lecture's ``classify`` on the sample and hidden images; times each call."""
    cfg = {**DEFAULTS, **(config or {})}
    weights_path, weights_id = resolve_weights(cfg["weights"], source)
    class_index = load_class_index(source)

    def classify(img_path):
        model = keras.applications.ResNet50(weights=str(weights_path))  # lecture: ResNet50(weights="imagenet")
        img = keras.utils.load_img(img_path, target_size=(224, 224))
        x = keras.utils.img_to_array(img)
        x = np.expand_dims(x, axis=0)
        x = keras.applications.resnet50.preprocess_input(x)
        preds = model.predict(x, verbose=0)
        return decode_top(np.asarray(preds), class_index, top=3)[0]  # decode_predictions(preds, top=3)[0]

    t0 = time.perf_counter()
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, recipe="lecture", backend=keras.backend.backend())
    imgs = images(source, quick=quick, per_class=cfg["hidden_per_class"])
    latencies = []
    for _ in range(2):
        t = time.perf_counter()
        classify(imgs["cat.jpg"])
        latencies.append(time.perf_counter() - t)
    top3 = {}
    t = time.perf_counter()
    for name, path in imgs.items():
        top3[name] = [list(item) for item in classify(path)]
    per_image = (time.perf_counter() - t) / len(imgs)
    res.outputs = {"top3": top3}
    res.metrics = {f"top1_prob.{k}": v[0][2] for k, v in top3.items()}
    res.metrics.update({"latency_first_s": latencies[0], "latency_second_s": latencies[1]})
    res.timings = {"wall_s": time.perf_counter() - t0, "latency_first_s": latencies[0], "latency_second_s": latencies[1],
                   "infer_images_per_s": 1.0 / per_image, "peak_rss_mb": peak_rss_mb()}
    res.config = {"recipe": "lecture 19-1 classify (rebuilds the model per call)", "weights": weights_id}
    return res
