"""Frozen MobileNet / MobileNetV2 backbones for cats-dogs: weights, preprocessing, features.

Weights are loaded by path (no Keras-home juggling): ``"imagenet"`` resolves the Keras
cache file through the `DataSource` (offline data root or ``~/.keras``), a path loads
that file, ``"none"`` builds random weights (tests without data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from harness.data.source import DataSource, file_sha256

DEFAULT_ALPHA = {"mobilenet_v2": 0.35, "mobilenet": 0.25}


@dataclass
class Backbone:
    """A frozen backbone with global average pooling.

    Attributes:
        name: ``"mobilenet_v2"`` or ``"mobilenet"``.
        alpha: width multiplier.
        weights: ``"imagenet"``, a path, or ``"none"``.
        weights_id: what the weights are, for provenance (``imagenet:<sha256 prefix>``...).
        base: the backbone (include_top=False, frozen).
        features: base + GlobalAveragePooling2D, for feature extraction.
        preprocess: the backbone's ``preprocess_input``.
    """

    name: str
    alpha: float
    weights: str
    weights_id: str
    base: keras.Model
    features: keras.Model
    preprocess: Callable[[np.ndarray], np.ndarray]


def resolve_weights(name: str, alpha: float, weights: str | None, source: DataSource) -> tuple[str | None, str]:
    """(argument for ``weights=``, provenance id) for a backbone.

    Raises:
        ValueError: for an unknown backbone name.
        MissingDataError: when ImageNet weights are asked for and not available.
        FileNotFoundError: when a weights path does not exist.
    """
    if name not in DEFAULT_ALPHA:
        raise ValueError(f"Unknown backbone {name!r}; expected one of {', '.join(DEFAULT_ALPHA)}.")
    if weights in (None, "", "none", "None"):
        return None, "random"
    if weights == "imagenet":
        key = f"mobilenet-v{2 if name == 'mobilenet_v2' else 1}-{alpha:g}"
        path = source.path(key)
        return str(path), f"imagenet:{file_sha256(path)[:12]}"
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(f"Backbone weights file not found: received weights={weights!r}.")
    return str(path), f"file:{file_sha256(path)[:12]}"


def load_backbone(name: str, *, alpha: float | None, weights: str | None, source: DataSource,
                  input_shape: tuple[int, int, int] = (224, 224, 3)) -> Backbone:
    """Builds the frozen backbone (no top) and its pooled feature extractor."""
    alpha = float(alpha if alpha is not None else DEFAULT_ALPHA[name])
    arg, wid = resolve_weights(name, alpha, weights, source)
    if name == "mobilenet_v2":
        app, pre = keras.applications.MobileNetV2, keras.applications.mobilenet_v2.preprocess_input
    else:
        app, pre = keras.applications.MobileNet, keras.applications.mobilenet.preprocess_input
    base = app(input_shape=input_shape, alpha=alpha, include_top=False, weights=arg)
    base.trainable = False
    inputs = keras.Input(shape=input_shape)
    pooled = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    return Backbone(name, alpha, str(weights), wid, base, keras.Model(inputs, pooled, name=f"{name}_features"), pre)


def extract(backbone: Backbone, images: np.ndarray, *, batch_size: int = 64, preprocessed: bool = False,
            chunk: int = 256) -> np.ndarray:
    """Pooled features of a batch of images (uint8 or float in [0, 255] unless `preprocessed`)."""
    if len(images) == 0:
        return np.zeros((0, backbone.features.output_shape[-1]), np.float32)
    out = []
    for i in range(0, len(images), chunk):  # preprocess per chunk: float copies stay small
        x = images[i:i + chunk]
        x = x if preprocessed else backbone.preprocess(np.asarray(x, dtype=np.float32))
        out.append(np.asarray(backbone.features.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32))
    return np.concatenate(out)


_FEATURES: dict[tuple, np.ndarray] = {}


def cached_features(backbone: Backbone, images: np.ndarray, *, tag: str) -> np.ndarray:
    """`extract` memoised per (backbone, weights, tag): for fixed, unaugmented images."""
    wid = backbone.weights_id if backbone.weights_id != "random" else f"random:{id(backbone.base)}"
    key = (backbone.name, backbone.alpha, wid, tag, images.shape)
    if key not in _FEATURES:
        _FEATURES[key] = extract(backbone, images)
    return _FEATURES[key]
