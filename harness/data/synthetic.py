"""A small synthetic data root laid out like a real one: try labgrade, or test it, without the real data.

Fashion-MNIST files hold learnable class patterns plus noise (enough images for the
lecture's 5,000-image validation split and the grader's held-out half of the test set);
``train.zip`` holds small generated JPEGs of two colour-coded classes in Kaggle's layout;
the class index has 1,000 made-up classes. There are no ImageNet weights: use
``weights="none"`` (cats-dogs) or ``weights="random-seed-K"`` (resnet50-top3).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from harness.data import catsdogs
from harness.data.catalog import CATALOG
from harness.data.fashion import write_idx_gz

N_TRAIN = 9000
N_TEST = 6000
N_CATSDOGS = 2 * catsdogs.PER_SPLIT + catsdogs.QUICK_TEST


def fashion_arrays(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` 28x28 uint8 images with labels 0-9: a fixed random pattern per class plus noise."""
    patterns = np.random.default_rng(1234).uniform(0, 255, (10, 28, 28))
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = 0.6 * patterns[y] + rng.normal(0, 40, (n, 28, 28)) + 40
    return np.clip(x, 0, 255).astype(np.uint8), y


def _jpeg(color: tuple[int, int, int], rng: np.random.Generator, size=(64, 48)) -> bytes:
    noise = rng.integers(-40, 40, (size[1], size[0], 3))
    arr = np.clip(np.array(color)[None, None, :] + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=70)
    return buf.getvalue()


def make_data_root(root: Path, *, seed: int = 0, per_class: int = N_CATSDOGS) -> Path:
    """Writes the synthetic data root into `root` (created) and returns it."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    fm = root / "keras-home" / "datasets" / "fashion-mnist"
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        x, y = fashion_arrays(n, rng)
        write_idx_gz(fm / CATALOG[f"fashion-mnist/{split}-images"].filename, x)
        write_idx_gz(fm / CATALOG[f"fashion-mnist/{split}-labels"].filename, y)
    colors = {"cat": (200, 120, 60), "dog": (60, 120, 200)}
    zpath = root / "dogs-vs-cats" / "train.zip"
    zpath.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zpath, "w") as zf:
        for cls, color in colors.items():
            for i in range(per_class):
                zf.writestr(f"train/{cls}.{1000 + i}.jpg", _jpeg(color, rng))
    samples = root / "sample-images"
    samples.mkdir(parents=True, exist_ok=True)
    for cls, color in colors.items():
        (samples / f"{cls}.jpg").write_bytes(_jpeg(color, rng, size=(120, 90)))
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    models = root / "keras-home" / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "imagenet_class_index.json").write_text(json.dumps(index))
    return root
