"""The data layer: catalog, data root resolution, offline errors, Fashion-MNIST, cats/dogs."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from harness.data import CATALOG, DataSource, MissingDataError
from harness.data import catsdogs, fashion, provision
from harness.data.catalog import mobilenet_v1_name, mobilenet_v2_name


def test_keras_cache_names_match_keras():
    assert mobilenet_v2_name(0.35) == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"
    assert mobilenet_v2_name(1.0) == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    assert mobilenet_v1_name(0.25) == "mobilenet_2_5_224_tf_no_top.h5"


def test_missing_file_offline_names_file_place_and_fix(tmp_path):
    source = DataSource.resolve(tmp_path)
    with pytest.raises(MissingDataError) as info:
        source.path("catsdogs-zip")
    text = str(info.value)
    assert "'train.zip'" in text and str(tmp_path / "dogs-vs-cats" / "train.zip") in text
    assert "kaggle.com" in text and "--data-root" in text


def test_data_root_must_be_a_directory(tmp_path):
    with pytest.raises(NotADirectoryError, match="keras-home/datasets/fashion-mnist"):
        DataSource.resolve(tmp_path / "nope")


def test_env_var_selects_the_data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("LABGRADE_DATA", str(tmp_path))
    assert DataSource.resolve().root == tmp_path.resolve()


def test_download_failure_is_a_missing_data_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    source = DataSource(root=None)

    def offline(entry):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(source, "_download", offline)
    with pytest.raises(MissingDataError, match="Download failed: OSError: URL fetch failure"):
        source.path("imagenet-class-index")


def test_idx_round_trip(tmp_path):
    arr = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    fashion.write_idx_gz(tmp_path / "x.gz", arr)
    assert np.array_equal(fashion.read_idx_gz(tmp_path / "x.gz"), arr)


def test_idx_header_mismatch_is_explained(tmp_path):
    import gzip
    import struct

    with gzip.open(tmp_path / "bad.gz", "wb") as fh:
        fh.write(struct.pack(">HBBI", 0, 8, 1, 10) + b"\x00" * 3)
    with pytest.raises(ValueError, match="header says"):
        fashion.read_idx_gz(tmp_path / "bad.gz")


def test_fashion_provisioning_keeps_the_heldout_half(synthetic_root, tmp_path):
    source = DataSource.resolve(synthetic_root)
    full = fashion.load_fashion_mnist(source)
    fashion.provision(tmp_path, source, quick=False)
    folder = tmp_path / "datasets" / "fashion-mnist"
    test = fashion.read_idx_gz(folder / "t10k-images-idx3-ubyte.gz")
    assert len(test) == fashion.PUBLIC_TEST
    assert np.array_equal(test, full.x_test[: fashion.PUBLIC_TEST])
    fashion.provision(tmp_path, source, quick=True)
    assert len(fashion.read_idx_gz(folder / "train-labels-idx1-ubyte.gz")) == fashion.QUICK_TRAIN


def test_keras_loader_reads_provisioned_files(synthetic_root, tmp_path, monkeypatch):
    from keras.src.datasets import fashion_mnist
    from keras.src.utils import file_utils

    source = DataSource.resolve(synthetic_root)
    fashion.provision(tmp_path, source, quick=True)
    monkeypatch.setattr(file_utils, "get_file",
                        lambda fname, origin, cache_subdir, **kw: str(tmp_path / cache_subdir / fname))
    monkeypatch.setattr(fashion_mnist, "get_file",
                        lambda fname, origin, cache_subdir, **kw: str(tmp_path / cache_subdir / fname))
    (x, y), (xt, yt) = fashion_mnist.load_data()
    assert x.shape == (fashion.QUICK_TRAIN, 28, 28) and xt.shape == (fashion.QUICK_TEST, 28, 28)


def _zip(path, per_class):
    with zipfile.ZipFile(path, "w") as zf:
        for cls in ("cat", "dog"):
            for kid in per_class:
                zf.writestr(f"train/{cls}.{kid}.jpg", b"jpeg")
    return path


def test_catsdogs_split_follows_kaggle_ids(tmp_path):
    ids = [7, 1000, 3, 12, 5, 999, 42, 8]
    layout = catsdogs.prepare_catsdogs(_zip(tmp_path / "t.zip", ids), tmp_path / "out", per_split=3)
    assert [p.name for p in layout.images("train", "cat")] == ["cat.3.jpg", "cat.5.jpg", "cat.7.jpg"]
    assert [p.name for p in layout.images("val", "dog")] == ["dog.8.jpg", "dog.12.jpg", "dog.42.jpg"]
    assert layout.counts["test"] == {"cat": 2, "dog": 2}
    again = catsdogs.prepare_catsdogs(tmp_path / "t.zip", tmp_path / "out", per_split=3)
    assert again.fingerprint == layout.fingerprint


def test_catsdogs_zip_too_small(tmp_path):
    with pytest.raises(ValueError, match="need at least 500"):
        catsdogs.prepare_catsdogs(_zip(tmp_path / "t.zip", range(10)), tmp_path / "out")


def test_provision_lays_out_the_lecture_folders_without_heldout(synthetic_root, tmp_path):
    source = DataSource.resolve(synthetic_root)
    work, kh = tmp_path / "work", tmp_path / "kh"
    out = provision.provision(("catsdogs", "sample-images", "mobilenet-weights", "imagenet-class-index"),
                              work_dir=work, keras_home=kh, source=source, quick=True)
    assert len(list((work / "data" / "train" / "cat").glob("*.jpg"))) == catsdogs.QUICK_TRAIN
    assert len(list((work / "data" / "val" / "dog").glob("*.jpg"))) == catsdogs.QUICK_VAL
    assert not (work / "data" / "test").exists()
    assert (work / "data" / "sample-images" / "dog.jpg").is_file()
    assert (kh / "models" / "imagenet_class_index.json").is_file()
    assert "mobilenet-weights" in out.missing  # the synthetic root has no backbone weights


def test_status_lists_every_catalog_entry(synthetic_root):
    rows = DataSource.resolve(synthetic_root).status()
    assert [r["key"] for r in rows] == list(CATALOG)
    present = {r["key"] for r in rows if r["present"]}
    assert "fashion-mnist/train-images" in present and "resnet50-weights" not in present
