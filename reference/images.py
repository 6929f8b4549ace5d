"""Image pipelines for the references: decoding (from the data layer) and batch augmentation.

Decoding and caching live in `harness.data.images` (the grader reads the same pixels);
augmentation is one vectorised affine warp per batch, with ImageDataGenerator's ranges.
"""

from __future__ import annotations

import numpy as np

from harness.data.images import SIZE, cached_images, decode

__all__ = ["SIZE", "affine_params", "augment_batch", "cached_images", "decode"]


def affine_params(n: int, rng: np.random.Generator, *, height: int, width: int, rotation: float = 20.0,
                  shift: float = 0.2, zoom: float = 0.2) -> np.ndarray:
    """Random affine transforms (Keras' 8-vector form) like ImageDataGenerator's ranges.

    Rotation uniform in [-rotation, rotation] degrees, shifts uniform in
    [-shift, shift] of the image size, zoom per axis uniform in [1 - zoom, 1 + zoom],
    all about the image centre. Each row maps an output pixel to the input pixel it samples.
    """
    theta = np.deg2rad(rng.uniform(-rotation, rotation, n))
    tx = rng.uniform(-shift, shift, n) * width
    ty = rng.uniform(-shift, shift, n) * height
    zx = rng.uniform(1 - zoom, 1 + zoom, n)
    zy = rng.uniform(1 - zoom, 1 + zoom, n)
    cos, sin = np.cos(theta), np.sin(theta)
    a0, a1 = zx * cos, -zx * sin
    b0, b1 = zy * sin, zy * cos
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    a2 = cx - (a0 * cx + a1 * cy) + tx
    b2 = cy - (b0 * cx + b1 * cy) + ty
    zeros = np.zeros(n)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(np.float32)


def augment_batch(images: np.ndarray, rng: np.random.Generator, **ranges) -> np.ndarray:
    """A randomly augmented float32 copy of a uint8 batch: one affine warp for the whole batch
    (``keras.ops.image.affine_transform``, bilinear, edge pixels repeated like
    ImageDataGenerator's ``fill_mode="nearest"``)."""
    from keras import ops

    n, h, w = images.shape[:3]
    transform = affine_params(n, rng, height=h, width=w, **ranges)
    out = ops.image.affine_transform(images.astype(np.float32), transform, interpolation="bilinear", fill_mode="nearest")
    return np.asarray(ops.convert_to_numpy(out), dtype=np.float32)
