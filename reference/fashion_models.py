"""The lecture's Fashion-MNIST models (Keras 3 ``Sequential``, backend-agnostic)."""

from __future__ import annotations

import keras

TRANSFER_HIDDEN = (300, 100, 50, 50, 50)


def transfer_mlp(n_outputs: int, activation: str, *, name: str | None = None) -> keras.Sequential:
    """Exercise 19-2's MLP: Flatten, five selu Dense layers (300, 100, 50, 50, 50), output.

    The lecture keeps Keras' default initializer (glorot_uniform) here.
    """
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(n, activation="selu") for n in TRANSFER_HIDDEN]
    layers.append(keras.layers.Dense(n_outputs, activation=activation))
    return keras.Sequential(layers, name=name)


def selu_mlp(*, name: str | None = None) -> keras.Sequential:
    """The ch. 11 model used for optimizers and schedules: Flatten, Dense 300 and 100
    selu with lecun_normal, Dense 10 softmax (inputs standardised per pixel)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(300, activation="selu", kernel_initializer="lecun_normal"),
            keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name=name,
    )


def dropout_mlp(rate: float | None, *, name: str | None = None) -> keras.Sequential:
    """The dropout lab's MLP: Flatten, Dropout, Dense 300 elu he_normal, Dropout, Dense 100
    elu he_normal, Dropout, Dense 10 softmax; ``rate=None`` leaves the Dropout layers out."""
    def drop() -> list:
        return [keras.layers.Dropout(rate)] if rate else []

    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten(), *drop()]
    layers += [keras.layers.Dense(300, activation="elu", kernel_initializer="he_normal"), *drop()]
    layers += [keras.layers.Dense(100, activation="elu", kernel_initializer="he_normal"), *drop()]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers, name=name)
