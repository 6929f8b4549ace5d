"""Quick-mode run of the cats-dogs reference (real data and MobileNetV2 0.35 weights when
present, else synthetic images and a random-weight backbone)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.fixtures.data import test_source


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return test_source(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def result(data, tmp_path_factory):
    from reference import cats_dogs

    source, real = data
    config = None if real and source.has("mobilenet-v2-0.35") else {"weights": "none"}
    return cats_dogs.run(seed=0, quick=True, source=source, config=config, out_dir=tmp_path_factory.mktemp("figs"))


def test_cats_dogs_quick_result(result, data):
    from harness.data import catsdogs

    source, real = data
    res = result
    assert set(res.metrics) == {"accuracy", "perturb_drop.accuracy", "heldout_minus_valid.accuracy"}
    assert 0 <= res.metrics["accuracy"] <= 1
    assert res.config["data"] == {"train": 2 * catsdogs.QUICK_TRAIN, "val": 2 * catsdogs.QUICK_VAL,
                                  "heldout": 2 * catsdogs.QUICK_TEST}
    hist = res.histories["history"]
    assert set(hist) == {"accuracy", "loss", "val_accuracy", "val_loss"} and all(len(v) == 10 for v in hist.values())
    assert len(res.curves["accuracy"]) == 10
    assert res.outputs["class_indices"] == {"cat": 0, "dog": 1}
    assert res.timings["peak_rss_mb"] < 4096
    assert "history" in res.figures
    json.dumps(res.to_dict())
    if real and res.config["weights_id"].startswith("imagenet"):
        from harness.calibration import bands_for

        assert res.outputs["sample_dog"]["class"] == "dog"
        band = bands_for("cats-dogs", "quick").get("accuracy")
        if band:  # seed 0 was one of the calibration runs
            assert min(band["values"]) - 0.05 <= res.metrics["accuracy"] <= max(band["values"]) + 0.05


def test_full_model_matches_head_on_cached_features(result, data):
    """The deliverable model (224x224x3 preprocessed -> probabilities) scores the held-out images
    exactly as the head did on the cached backbone features."""
    from reference.catsdogs_data import load_split, split_paths
    from reference.training import accuracy_from_probs

    source, _ = data
    model = result.model
    assert model.layers[0].trainable is False  # the frozen backbone
    x, y = load_split(split_paths(source, quick=True)["heldout"], source)
    pre = model.layers[0]
    from keras.applications.mobilenet_v2 import preprocess_input

    probs = np.asarray(model.predict(preprocess_input(x.astype(np.float32)), batch_size=50, verbose=0))
    assert probs.shape == (len(x), 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert accuracy_from_probs(probs, y) == pytest.approx(result.metrics["accuracy"], abs=0.011)
    assert pre is model.layers[0]


def test_augmentation_is_a_batch_affine_warp():
    from reference.images import affine_params, augment_batch

    rng = np.random.default_rng(0)
    identity = affine_params(3, rng, height=8, width=8, rotation=0.0, shift=0.0, zoom=0.0)
    np.testing.assert_allclose(identity[:, [0, 4]], 1.0)
    np.testing.assert_allclose(identity[:, [1, 2, 3, 5, 6, 7]], 0.0, atol=1e-5)
    imgs = rng.integers(0, 255, (4, 16, 16, 3)).astype(np.uint8)
    same = augment_batch(imgs, rng, rotation=0.0, shift=0.0, zoom=0.0)
    np.testing.assert_allclose(same, imgs.astype(np.float32), atol=1e-3)
    moved = augment_batch(imgs, rng)
    assert moved.shape == imgs.shape and not np.allclose(moved, imgs)


def test_lecture_generator_matches_batch_warp():
    """The lecture's per-image warp and the reference's batch warp compute the same transform."""
    from reference.images import affine_params, augment_batch
    from reference.lecture.generator import apply_affine

    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (1, 32, 32, 3)).astype(np.uint8)
    t = affine_params(1, np.random.default_rng(5), height=32, width=32)
    one = apply_affine(img[0].astype(np.float32), t[0])
    batch = augment_batch(img, np.random.default_rng(5))
    np.testing.assert_allclose(one, batch[0], atol=1.0)
