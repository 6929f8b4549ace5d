"""Reference for resnet50-top3 (exercise 19-1): ImageNet ResNet50, top-3 predictions.

The lecture's pipeline: load the image at 224x224 (``keras.utils.load_img``), expand to
a batch, ``resnet50.preprocess_input``, ``ResNet50`` predict, ``decode_predictions(top=3)``.
Unlike the lecture's ``classify``, which rebuilds the model on every call, the model is
built once; the latency of the first and the second call are measured.

Weights (``config["weights"]``): ``"imagenet"`` (the 98 MB Keras file, found through the
`DataSource`), a weights file path, or ``"random-seed-K"``: a fixed-seed random-weight
ResNet50 saved with ``save_weights`` into the data source's derived folder (offline
stand-in for tests; its outputs are not real classes, only reproducible ones).

Images: the sample cat and the hidden images (first 2 cat + first 2 dog of the cats-dogs
held-out split). Outputs: ``outputs["top3"][name]`` = ``[[wnid, label, prob], ...]``;
metrics ``top1_prob.<name>``, ``latency_first_s``, ``latency_second_s``, ``build_s``.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from pathlib import Path

import keras
import numpy as np

from harness.data import catsdogs
from harness.data.catalog import RESNET50, MissingDataError
from harness.data.source import DataSource, file_sha256
from harness.evaluate.resnet import Classifier, decode_top, load_class_index
from reference.config import merge_config
from harness.reference_result import ReferenceResult

LAB = "resnet50-top3"
PRIMARY = "top1_prob.cat.jpg"
DEFAULTS = {"weights": "imagenet", "top": 3, "hidden_per_class": 2}
BAND_PREFIXES = ("top1_prob.",)
_RANDOM = re.compile(r"^random-seed-(\d+)$")


def random_weights_file(seed: int, *, path: Path | None = None, source: DataSource | None = None) -> Path:
    """A fixed-seed random-weight ResNet50 saved with ``save_weights`` (built once, then reused).

    Args:
        seed: `keras.utils.set_random_seed` seed before building ``ResNet50(weights=None)``.
        path: file to write (``*.weights.h5``); default in the source's derived folder,
            named by seed and backend (random draws differ between backends).
        source: gives the default folder.
    """
    if path is None:
        base = source.derived_dir if source is not None else Path(".")
        path = Path(base) / f"resnet50-random-seed-{seed}-{keras.backend.backend()}.weights.h5"
    path = Path(path)
    if not path.is_file():
        keras.utils.set_random_seed(seed)
        model = keras.applications.ResNet50(weights=None)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{id(model)}.weights.h5")
        model.save_weights(tmp)
        tmp.replace(path)
    return path


def resolve_weights(weights: str, source: DataSource) -> tuple[Path, str]:
    """(weights file, what it holds: ``"imagenet"``, ``"random-seed-K"`` or ``"file:<sha>"``).

    Raises:
        MissingDataError: ``weights="imagenet"`` and the file is not available (the
            message names where it was looked for); pass ``weights=random-seed-0`` for
            an offline stand-in.
        FileNotFoundError: a path that does not exist.
    """
    m = _RANDOM.match(str(weights))
    if m:
        return random_weights_file(int(m.group(1)), source=source), str(weights)
    if weights == "imagenet":
        try:
            return source.path("resnet50-weights"), "imagenet"
        except MissingDataError as exc:
            exc.args = (f"{exc}\nOffline stand-in for testing the pipeline: config weights='random-seed-0' "
                        "(CLI: --config weights=random-seed-0).",)
            raise
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(
            f"ResNet50 weights file not found: received weights={weights!r}. Pass 'imagenet', "
            "'random-seed-<k>' or the path of a weights file.")
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    return path, "imagenet" if digest == RESNET50.md5 else f"file:{file_sha256(path)[:12]}"


def images(source: DataSource, *, quick: bool, per_class: int = 2) -> dict[str, Path]:
    """The sample cat and the hidden images (first cats and dogs of the held-out split)."""
    out = {"cat.jpg": source.path("sample-image:cat")}
    held = catsdogs.heldout(source, quick=quick)
    for cls in catsdogs.CLASSES:
        for p, _ in [pc for pc in held if pc[1] == cls][:per_class]:
            out[f"hidden/{p.name}"] = p
    return out


def run(*, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None, out_dir: Path | None = None) -> ReferenceResult:
    """Builds ResNet50 once and classifies the sample and hidden images.

    Args:
        seed: recorded (inference is deterministic; repeated runs measure latency spread).
        quick: same images (the first held-out ones are the same in both modes).
        source: where the images, class index and weights come from.
        config: overrides of `DEFAULTS`.
        out_dir: unused (no figures).
    """
    cfg = merge_config(LAB, DEFAULTS, config)
    keras.utils.set_random_seed(seed)
    t0 = time.perf_counter()
    weights_path, weights_id = resolve_weights(cfg["weights"], source)
    clf = Classifier(weights_path, load_class_index(source), top=cfg["top"])
    build_s = time.perf_counter() - t0
    res = ReferenceResult(lab=LAB, seed=seed, quick=quick, backend=keras.backend.backend())
    imgs = images(source, quick=quick, per_class=cfg["hidden_per_class"])
    latencies = []
    for _ in range(2):
        t = time.perf_counter()
        clf(imgs["cat.jpg"])
        latencies.append(time.perf_counter() - t)
    top3 = {}
    t = time.perf_counter()
    for name, path in imgs.items():
        top3[name] = [list(item) for item in clf(path)]
    per_image = (time.perf_counter() - t) / len(imgs)
    res.outputs = {"top3": top3, "images": {k: str(v) for k, v in imgs.items()}}
    res.metrics = {f"top1_prob.{k}": v[0][2] for k, v in top3.items()}
    res.metrics.update({"latency_first_s": latencies[0], "latency_second_s": latencies[1], "build_s": build_s})
    res.timings = {"wall_s": time.perf_counter() - t0, "build_s": build_s, "latency_first_s": latencies[0],
                   "latency_second_s": latencies[1], "infer_images_per_s": 1.0 / per_image if per_image else 0.0}
    from harness.measure.clock import peak_rss_mb

    res.timings["peak_rss_mb"] = peak_rss_mb()
    res.config = {**cfg, "weights": weights_id, "weights_file": weights_path.name,
                  "data": {"images": len(imgs)},
                  "data_fingerprint": source.fingerprint(("sample-image:cat", "catsdogs-zip", "imagenet-class-index"))
                  + f"+{weights_id if weights_id == 'imagenet' else file_sha256(weights_path)[:12]}"}
    return res


def calibration_extra(results: list[ReferenceResult]) -> dict:
    """The generated tables for this lab: weights held, reference top-3 per image, latencies."""
    first = results[0]
    per_image = {}
    for name, top in first.outputs["top3"].items():
        probs = [[r.outputs["top3"][name][k][2] for r in results] for k in range(len(top))]
        per_image[name] = {
            "wnids": [t[0] for t in top], "labels": [t[1] for t in top], "probs": [t[2] for t in top],
            "prob_spread": [max(p) - min(p) for p in probs],
            "same_top3_in_every_run": all([t[0] for t in r.outputs["top3"][name]] == [t[0] for t in top] for r in results),
        }
    weights = first.config["weights"]
    note = ("Holds ImageNet-weight reference outputs." if weights == "imagenet" else
            f"Holds outputs of a fixed-seed RANDOM-weight ResNet50 ({weights}, backend {first.backend}): it tests "
            "the pipeline and comparison logic only. Real-weight reference outputs come from running the same "
            "command (`labgrade reference calibrate resnet50-top3`) where the ImageNet ResNet50 weights are available.")
    return {
        "calibration": {"weights": weights, "note": note},
        "reference": {
            "images": per_image,
            "latency": {key: [round(r.timings[key], 4) for r in results] for key in ("build_s", "latency_first_s", "latency_second_s")}
            | {"median_second_call_s": statistics.median(r.timings["latency_second_s"] for r in results)},
        },
    }
