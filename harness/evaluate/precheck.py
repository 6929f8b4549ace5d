"""Looking at an exported ``.keras`` archive before loading it: size, members, declared size of the model.

A 931-byte archive whose configuration declares a Dense layer of a billion units makes
Keras allocate gigabytes while *building* the model, before any weight is read. The
archive is a zip (``config.json``, ``model.weights.h5``, ``metadata.json``); its
configuration is parsed with caps and walked to estimate the parameters it declares,
which must stay under a bound derived from the lab's reference architecture. Loading
itself then happens in a memory- and time-limited worker process, so what this
estimate misses still cannot take the grader down.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.untrusted import UntrustedDataError, parse_json

MAX_ARCHIVE_BYTES = 2 << 30
MAX_CONFIG_BYTES = 8 << 20
MAX_MEMBERS = 64
MAX_DIMENSION = 1 << 20


@dataclass
class ArchiveCheck:
    """What the pre-load look found.

    Attributes:
        ok: True when the model may be loaded.
        reason: why not (student-safe).
        declared_params: the estimate of parameters the configuration declares.
        weights_bytes: size of the weights file in the archive.
    """

    ok: bool
    reason: str = ""
    declared_params: int = 0
    weights_bytes: int = 0


def check_archive(path: Path, *, max_params: int) -> ArchiveCheck:
    """Inspects a ``.keras`` file without building anything.

    Args:
        path: the exported file (a regular file the grader copied out of the sandbox).
        max_params: the largest parameter count accepted for this lab.
    """
    try:
        size = Path(path).stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            return ArchiveCheck(False, f"the exported model file is {size >> 20} MB")
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                return ArchiveCheck(False, f"the exported model archive has {len(infos)} members")
            total = sum(i.file_size for i in infos)
            if total > MAX_ARCHIVE_BYTES:
                return ArchiveCheck(False, f"the exported model archive unpacks to {total >> 20} MB")
            names = {i.filename: i for i in infos}
            config = names.get("config.json")
            if config is None:
                return ArchiveCheck(False, "the exported model archive has no config.json")
            if config.file_size > MAX_CONFIG_BYTES:
                return ArchiveCheck(False, f"the model configuration is {config.file_size >> 20} MB")
            with zf.open(config) as fh:
                raw = fh.read(MAX_CONFIG_BYTES + 1)
            weights = names.get("model.weights.h5")
            weights_bytes = weights.file_size if weights else 0
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError) as exc:
        return ArchiveCheck(False, f"the exported model file is not a readable .keras archive ({str(exc)[:100]})")
    try:
        cfg = parse_json(raw, what="model configuration")
    except UntrustedDataError as exc:
        return ArchiveCheck(False, str(exc))
    declared, biggest = declared_params(cfg)
    if biggest > MAX_DIMENSION:
        return ArchiveCheck(False, f"the model declares a layer dimension of {biggest:,}", declared, weights_bytes)
    if declared > max_params:
        return ArchiveCheck(False, f"the model declares about {declared:,} parameters, far more than this lab's "
                                   f"models need (at most {max_params:,} accepted)", declared, weights_bytes)
    return ArchiveCheck(True, "", declared, weights_bytes)


def declared_params(config: Any) -> tuple[int, int]:
    """(estimated parameters, largest dimension) declared by a Keras model configuration.

    Walks every layer configuration in order, tracking the last known feature size:
    Dense adds ``inputs * units + units``, convolutions ``k*k*channels*filters``,
    Embedding ``input_dim * output_dim``; input shapes set the running size. An
    estimate (nested functional graphs are walked in file order), deliberately on the
    generous side of real models and far below a hostile one.
    """
    total = 0
    biggest = 0
    channels = flat = 0  # running feature size: last axis, and the product of all axes
    stack = [config]
    nodes = 0
    while stack and nodes < 200_000:
        node = stack.pop()
        nodes += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        cls, conf = node.get("class_name"), node.get("config")
        if isinstance(cls, str) and isinstance(conf, dict):
            for key in ("batch_shape", "batch_input_shape", "input_shape", "shape"):
                shape = conf.get(key)
                if isinstance(shape, list):
                    dims = [d for d in shape if isinstance(d, int) and not isinstance(d, bool) and d > 0]
                    if dims:
                        biggest = max(biggest, *dims)
                        channels, flat = dims[-1], math.prod(dims)
            units = _int(conf.get("units"))
            filters = _int(conf.get("filters"))
            if units:
                biggest = max(biggest, units)
                total += max(channels, 1) * units + units
                channels = flat = units
            elif filters:
                biggest = max(biggest, filters)
                kernel = conf.get("kernel_size")
                k = math.prod(_int(v) or 1 for v in kernel) if isinstance(kernel, list) else (_int(kernel) or 1) ** 2
                total += k * max(channels, 1) * filters + filters
                channels = flat = filters
            elif cls == "Embedding":
                a, b = _int(conf.get("input_dim")) or 0, _int(conf.get("output_dim")) or 0
                biggest = max(biggest, a, b)
                total += a * b
                channels = flat = b
            elif cls == "Flatten":
                channels = flat
            for key in ("target_shape", "dims", "n"):
                value = conf.get(key)
                if isinstance(value, list):
                    biggest = max([biggest, *(_int(v) or 0 for v in value)])
                elif _int(value):
                    biggest = max(biggest, _int(value) or 0)
        stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
    return total, biggest


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
