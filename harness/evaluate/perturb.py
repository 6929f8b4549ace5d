"""Private perturbations of held-out images: a memorised test set does not survive them.

Fashion-MNIST's test images are public, and so are Kaggle's: a submission can ship a
model that memorised them (a lookup table in weights) and score 100% without learning.
Small shifts, noise and crops generated at grading time with a secret seed barely move
a model that learned the task (the reference's drop is calibrated with the bands) but
break one that matched exact pixels. This raises the cost of memorising; it cannot make
a public test set private.
"""

from __future__ import annotations

import numpy as np

GRAYSCALE_SHIFT = 2  # pixels, each axis, Fashion-MNIST 28x28
COLOR_SHIFT = 12  # pixels, each axis, 224x224 photos
NOISE_STD = 12.0  # on the 0-255 scale


def perturb(images: np.ndarray, seed: int) -> np.ndarray:
    """A perturbed copy of uint8 images (N, H, W) or (N, H, W, C): a random shift, a slight zoom and noise per image.

    Args:
        images: the held-out images, uint8 in [0, 255].
        seed: the secret seed drawn for this evaluation.
    """
    rng = np.random.default_rng(seed)
    x = images.astype(np.float32)
    n, h, w = x.shape[:3]
    limit = GRAYSCALE_SHIFT if x.ndim == 3 else COLOR_SHIFT
    out = np.empty_like(x)
    for i in range(n):
        img = x[i]
        dy, dx = rng.integers(-limit, limit + 1, size=2)
        img = np.roll(img, (int(dy), int(dx)), axis=(0, 1))
        if rng.random() < 0.5:  # zoom in slightly: crop a border and scale back (nearest)
            c = max(1, int(round(min(h, w) * rng.uniform(0.03, 0.08))))
            rows = np.clip(np.linspace(c, h - 1 - c, h).round().astype(int), 0, h - 1)
            cols = np.clip(np.linspace(c, w - 1 - c, w).round().astype(int), 0, w - 1)
            img = img[rows][:, cols]
        out[i] = img
    out += rng.normal(0.0, NOISE_STD, size=out.shape).astype(np.float32)
    return np.clip(out, 0, 255).round().astype(np.uint8)
