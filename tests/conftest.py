"""Shared fixtures: data roots (real when present, synthetic otherwise), isolated caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def real_data_root() -> Path | None:
    """The real, read-only data root, when this machine has it (see tests/fixtures/data.py)."""
    from tests.fixtures.data import shared_data_root

    return shared_data_root()


@pytest.fixture(scope="session", autouse=True)
def _isolated_caches(tmp_path_factory):
    """Keeps the tests' derived data and Keras cache out of the user's home."""
    cache = tmp_path_factory.mktemp("labgrade-cache")
    old = {k: os.environ.get(k) for k in ("LABGRADE_CACHE", "LABGRADE_DATA")}
    os.environ["LABGRADE_CACHE"] = str(cache)
    os.environ.pop("LABGRADE_DATA", None)
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """A generated data root (Fashion-MNIST-shaped, class index, cats/dogs zip, samples)."""
    from harness.data.synthetic import make_data_root

    return make_data_root(tmp_path_factory.mktemp("synthetic-data"))


@pytest.fixture(scope="session")
def data_root(synthetic_root) -> Path:
    """The real data root when present, else the synthetic one."""
    return real_data_root() or synthetic_root


@pytest.fixture(scope="session")
def real_root() -> Path:
    """The real data root; skips the test when this machine does not have it."""
    root = real_data_root()
    if root is None:
        pytest.skip("real data (shared/data) not on this machine; set LABGRADE_TEST_DATA to run this test")
    return root


@pytest.fixture(scope="session")
def random_resnet50_weights(tmp_path_factory) -> Path:
    """A fixed-seed (0) random-weight ResNet50 file, built once per session (see tests/fixtures/weights.py)."""
    from tests.fixtures.weights import random_resnet50_weights as build

    return build(tmp_path_factory.getbasetemp() / "resnet50-random-seed-0.weights.h5")
