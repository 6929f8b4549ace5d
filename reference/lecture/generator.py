"""A per-image generator equivalent to the lecture's ``ImageDataGenerator.flow_from_directory``.

Keras 3 dropped ``ImageDataGenerator``; this `keras.utils.PyDataset` keeps its pipeline:
for every batch, each image is loaded from disk with ``keras.utils.load_img`` (nearest
resize to 224x224), converted with ``img_to_array``, randomly transformed on its own
(rotation, shifts, zoom; bilinear, ``fill_mode="nearest"``), passed through the
``preprocessing_function``, and stacked; labels are one-hot (``class_mode="categorical"``);
order reshuffled every epoch.
"""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np

from reference.images import affine_params


def apply_affine(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Warps one HxWxC image by an 8-vector affine transform, bilinear, edge pixels repeated."""
    h, w = x.shape[:2]
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    sx = t[0] * cols + t[1] * rows + t[2]
    sy = t[3] * cols + t[4] * rows + t[5]
    sx = np.clip(sx, 0, w - 1)
    sy = np.clip(sy, 0, h - 1)
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    top = x[y0, x0] * (1 - fx) + x[y0, x1] * fx
    bottom = x[y1, x0] * (1 - fx) + x[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


class DirectoryFlow(keras.utils.PyDataset):
    """``flow_from_directory`` over a list of (path, class) pairs.

    Args:
        pairs: image files and their class names.
        class_indices: class name -> index (folder names sorted, as Keras does).
        batch_size: images per batch.
        preprocessing_function: applied to each image after augmentation.
        augment: rotation/shift/zoom ranges, or None for no augmentation.
        shuffle: reshuffle the order every epoch.
        seed: seed of the augmentation and shuffling.
    """

    def __init__(self, pairs: list[tuple[Path, str]], class_indices: dict[str, int], *, batch_size: int = 64,
                 preprocessing_function=None, augment: dict | None = None, shuffle: bool = True, seed: int = 0,
                 target_size: tuple[int, int] = (224, 224), **kwargs) -> None:
        super().__init__(**kwargs)
        self.pairs, self.class_indices, self.batch_size = list(pairs), class_indices, batch_size
        self.preprocessing_function, self.augment, self.shuffle = preprocessing_function, augment, shuffle
        self.target_size = target_size
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(self.pairs))
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.pairs) / self.batch_size)

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.order = self.rng.permutation(len(self.pairs))

    def __getitem__(self, index: int):
        idx = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        xs, ys = [], []
        for i in idx:
            path, cls = self.pairs[i]
            img = keras.utils.load_img(path, target_size=self.target_size)
            x = keras.utils.img_to_array(img)
            if self.augment is not None:
                t = affine_params(1, self.rng, height=x.shape[0], width=x.shape[1], **self.augment)[0]
                x = apply_affine(x, t)
            if self.preprocessing_function is not None:
                x = self.preprocessing_function(x)
            xs.append(x)
            y = np.zeros(len(self.class_indices), np.float32)
            y[self.class_indices[cls]] = 1.0
            ys.append(y)
        return np.stack(xs), np.stack(ys)
