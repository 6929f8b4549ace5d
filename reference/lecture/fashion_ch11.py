"""The lecture's ch. 11 data preparation and model (Keras 3 port), shared by the
optimizers, lr-schedules and dropout lecture recipes."""

from __future__ import annotations

import keras

from harness.data import fashion
from harness.data.source import DataSource


def load_scaled(source: DataSource, *, quick: bool):
    """The lecture's arrays: /255.0 (float64), validation = first 5,000, per-pixel standardisation."""
    data = fashion.load_fashion_mnist(source)  # what keras.datasets.fashion_mnist.load_data() returns
    n = fashion.QUICK_TRAIN if quick else len(data.x_train)
    X_train_full, y_train_full = data.x_train[:n], data.y_train[:n]
    X_valid, X_train = X_train_full[:5000] / 255.0, X_train_full[5000:] / 255.0
    y_valid, y_train = y_train_full[:5000], y_train_full[5000:]
    pixel_means = X_train.mean(axis=0, keepdims=True)
    pixel_stds = X_train.std(axis=0, keepdims=True)
    pixel_stds[pixel_stds < 1e-6] = 1.0  # quick subsets: constant pixels
    X_train_scaled = (X_train - pixel_means) / pixel_stds
    X_valid_scaled = (X_valid - pixel_means) / pixel_stds
    return X_train_scaled, y_train, X_valid_scaled, y_valid


def selu_model():
    return keras.models.Sequential([
        keras.layers.Flatten(input_shape=[28, 28]),
        keras.layers.Dense(300, activation="selu", kernel_initializer="lecun_normal"),
        keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])
