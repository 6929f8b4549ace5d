"""The grader's ResNet50 pipeline: the lecture's preprocessing and decoding, with the model built once.

Used by the evaluation worker to produce the reference top-3 for the very images (and
weights) a submission's ``classify`` was called on, and by the reference implementation
of the lab (`reference.resnet50_top3`), so both read the same pixels the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from harness.data.images import decode
from harness.data.source import DataSource


def load_class_index(source: DataSource) -> dict[str, list[str]]:
    """The ImageNet class index (``"0" -> [wnid, label]``)."""
    return json.loads(source.path("imagenet-class-index").read_text())


def decode_top(preds: np.ndarray, class_index: dict, top: int = 3) -> list[list[tuple[str, str, float]]]:
    """``decode_predictions`` with a given class index (same ordering rule as Keras')."""
    results = []
    for pred in preds:
        idx = pred.argsort()[-top:][::-1]
        results.append([(*class_index[str(i)], float(pred[i])) for i in idx])
    return results


class Classifier:
    """``classify(img_path)`` with the model built once (the reference's version of the contract)."""

    def __init__(self, weights_path: Path, class_index: dict, *, top: int = 3) -> None:
        import keras  # heavy: imported only where a model is built

        self.keras = keras
        self.model = keras.applications.ResNet50(weights=None)
        self.model.load_weights(weights_path)
        self.class_index, self.top = class_index, top

    def __call__(self, img_path: Path) -> list[tuple[str, str, float]]:
        x = self.keras.applications.resnet50.preprocess_input(decode(Path(img_path))[None].astype(np.float32))
        return decode_top(np.asarray(self.model.predict(x, verbose=0)), self.class_index, self.top)[0]
