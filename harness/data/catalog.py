"""What data the labs need, where it lives in a data root, and where Keras gets it."""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import LabgradeError

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class DataFile:
    """One file the labs may need.

    Attributes:
        key: catalog key, e.g. ``"fashion-mnist/train-images"``.
        rel: path inside a data root (``keras-home/...`` for files Keras caches).
        url: where Keras downloads it from (None when it cannot be downloaded
            without an account, e.g. Kaggle's train.zip).
        md5: hash Keras checks, when it checks one.
        how: one sentence for the error message: how to get it when it is missing.
        size_hint: approximate size, for messages.
    """

    key: str
    rel: str
    url: str | None = None
    md5: str | None = None
    how: str = ""
    size_hint: str = ""

    @property
    def keras_rel(self) -> str | None:
        """Path inside a Keras home (``datasets/...``, ``models/...``), or None."""
        prefix = "keras-home/"
        return self.rel[len(prefix):] if self.rel.startswith(prefix) else None

    @property
    def filename(self) -> str:
        """The file's base name."""
        return self.rel.rsplit("/", 1)[-1]


def _fashion(key: str, fname: str) -> DataFile:
    return DataFile(
        key=f"fashion-mnist/{key}",
        rel=f"keras-home/datasets/fashion-mnist/{fname}",
        url=KERAS_DATASETS + fname,
        how="keras.datasets.fashion_mnist.load_data() downloads it when online",
        size_hint="up to 26 MB",
    )


def mobilenet_v2_name(alpha: float, rows: int = 224) -> str:
    """Keras' cache name of the no-top MobileNetV2 ImageNet weights."""
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}_no_top.h5"


def mobilenet_v1_name(alpha: float, rows: int = 224) -> str:
    """Keras' cache name of the no-top MobileNet (v1) ImageNet weights."""
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}[alpha]
    return f"mobilenet_{alpha_text}_{rows}_tf_no_top.h5"


def mobilenet_weights(version: int, alpha: float, rows: int = 224) -> DataFile:
    """Catalog entry for a no-top MobileNet (v1 or v2) backbone."""
    if version == 2:
        name = mobilenet_v2_name(alpha, rows)
        url = KERAS_APPS + "mobilenet_v2/" + name
        call = f"keras.applications.MobileNetV2(alpha={alpha:g}, include_top=False)"
    else:
        name = mobilenet_v1_name(alpha, rows)
        url = KERAS_APPS + "mobilenet/" + name
        call = f"keras.applications.MobileNet(alpha={alpha:g}, include_top=False)"
    return DataFile(
        key=f"mobilenet-v{version}-{alpha:g}",
        rel=f"keras-home/models/{name}",
        url=url,
        how=f"{call} downloads it when online",
        size_hint="2-17 MB",
    )


RESNET50 = DataFile(
    key="resnet50-weights",
    rel="keras-home/models/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
    url=KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
    md5="2cb95161c43110f7111970584f804107",
    how="keras.applications.ResNet50() downloads it when online (about 98 MB)",
    size_hint="98 MB",
)

CATALOG: dict[str, DataFile] = {
    f.key: f
    for f in (
        _fashion("train-images", "train-images-idx3-ubyte.gz"),
        _fashion("train-labels", "train-labels-idx1-ubyte.gz"),
        _fashion("test-images", "t10k-images-idx3-ubyte.gz"),
        _fashion("test-labels", "t10k-labels-idx1-ubyte.gz"),
        DataFile(
            key="imagenet-class-index",
            rel="keras-home/models/imagenet_class_index.json",
            url="https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
            md5="c2c37ea517e94d9795004a39431a14cb",
            how="keras.applications.imagenet_utils.decode_predictions downloads it when online",
            size_hint="35 kB",
        ),
        RESNET50,
        mobilenet_weights(2, 0.35),
        mobilenet_weights(2, 1.0),
        mobilenet_weights(1, 0.25),
        mobilenet_weights(1, 1.0),
        DataFile(
            key="catsdogs-zip",
            rel="dogs-vs-cats/train.zip",
            how=(
                "download train.zip from https://www.kaggle.com/c/dogs-vs-cats/data "
                "(needs a Kaggle account; a subset with the same layout works)"
            ),
            size_hint="25 MB to 545 MB",
        ),
        DataFile(
            key="sample-image:cat",
            rel="sample-images/cat.jpg",
            how="use the lecture's sample cat picture (any JPEG of a cat works)",
        ),
        DataFile(
            key="sample-image:dog",
            rel="sample-images/dog.jpg",
            how="use the lecture's sample dog picture (any JPEG of a dog works)",
        ),
    )
}

FASHION_KEYS = tuple(k for k in CATALOG if k.startswith("fashion-mnist/"))


class MissingDataError(LabgradeError, FileNotFoundError):
    """A file a lab needs is not available.

    The message names the file, every place it was looked for, and how to provide it.
    """

    def __init__(self, entry: DataFile, looked: list[str], *, reason: str = "") -> None:
        self.entry = entry
        self.looked = looked
        where = "\n".join(f"  - {p}" for p in looked)
        lines = [
            f"Missing data file {entry.filename!r} ({entry.key}).",
            f"Looked for it at:\n{where}",
        ]
        if reason:
            lines.append(f"Download failed: {reason}")
        lines.append(
            f"To provide it: {entry.how}; or put it at <data root>/{entry.rel} and pass "
            "--data-root <data root> (or set LABGRADE_DATA). `labgrade data status` lists what is present."
        )
        super().__init__("\n".join(lines))


class LabDataMissing(MissingDataError):
    """One or more files a lab needs are missing: raised before any submission code runs.

    Attributes:
        lab: the lab id.
        missing: one `MissingDataError` per missing file.
    """

    def __init__(self, lab: str, missing: list[MissingDataError]) -> None:
        self.lab = lab
        self.missing = missing
        self.entry = missing[0].entry
        self.looked = missing[0].looked
        body = "\n\n".join(str(m) for m in missing)
        FileNotFoundError.__init__(
            self, f"Lab {lab!r} cannot be graded here: {len(missing)} data file(s) missing; no submission code "
                  f"was run.\n\n{body}")
