"""resnet50-top3 reference with a fixed-seed random-weight ResNet50 saved to a file at test time."""

from __future__ import annotations

import pytest

from tests.fixtures.data import test_source


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return test_source(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    from reference.resnet50_top3 import random_weights_file

    path = tmp_path_factory.getbasetemp() / "resnet50-random-seed-0.weights.h5"
    return random_weights_file(0, path=path)


def test_resnet50_reference_with_random_weights(data, weights):
    from reference import resnet50_top3

    source, _ = data
    res = resnet50_top3.run(seed=0, source=source, config={"weights": str(weights)})
    top3 = res.outputs["top3"]
    assert "cat.jpg" in top3 and sum(k.startswith("hidden/") for k in top3) == 4
    for items in top3.values():
        assert len(items) == 3
        wnid, label, prob = items[0]
        assert wnid.startswith("n") and isinstance(label, str) and 0 <= prob <= 1
        assert items[0][2] >= items[1][2] >= items[2][2]
    assert res.config["weights"].startswith("file:")
    assert res.metrics["latency_second_s"] > 0 and res.metrics["latency_first_s"] > 0


def test_lecture_classify_gives_the_same_top3_slower(data, weights):
    """The comparison logic: the lecture's classify (rebuilds per call) agrees with the
    reference, and its second call is slower than the reference's."""
    from reference import resnet50_top3
    from reference.lecture import resnet50_top3 as lecture

    source, _ = data
    cfg = {"weights": str(weights), "hidden_per_class": 1}
    ref = resnet50_top3.run(source=source, config=cfg)
    lec = lecture.run(source=source, config=cfg)
    for name, items in ref.outputs["top3"].items():
        assert [i[0] for i in items] == [i[0] for i in lec.outputs["top3"][name]]
        assert [i[2] for i in items] == pytest.approx([i[2] for i in lec.outputs["top3"][name]], abs=1e-4)
    assert lec.timings["latency_second_s"] > ref.timings["latency_second_s"]


def test_random_seed_weights_are_reproducible(tmp_path):
    from reference.resnet50_top3 import random_weights_file

    a = random_weights_file(3, path=tmp_path / "a.weights.h5")
    b = random_weights_file(3, path=tmp_path / "b.weights.h5")
    import h5py
    import numpy as np

    with h5py.File(a) as fa, h5py.File(b) as fb:
        names = []
        fa.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        assert names
        for n in names[:20]:
            np.testing.assert_array_equal(fa[n][()], fb[n][()])


def test_missing_imagenet_weights_say_what_to_do(tmp_path):
    from harness.data.catalog import MissingDataError
    from harness.data.source import DataSource
    from reference.resnet50_top3 import resolve_weights

    with pytest.raises(MissingDataError, match="random-seed-0"):
        resolve_weights("imagenet", DataSource(root=tmp_path, allow_download=False))
