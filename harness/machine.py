"""Where a measurement was taken, and the one rule for "the same machine".

`machine_info` returns a plain dict (JSON- and TOML-ready once None values are dropped)
with what a number depends on: backend and dtype policy, library versions, the device
and its name, CPU, GPUs, driver and CUDA. It is used by calibration, time limits,
timing checks, the reference gate and benchmarks. Like pytest-benchmark's machine-info
hook, it can be extended or overridden: `register_hook(fn)` in-process, or
``$LABGRADE_PROVENANCE_HOOK`` set to ``"module:function"``; each hook receives the dict and
returns a dict (or mutates it in place and returns None).

`fingerprint` hashes the fields that decide which baseline applies (backend, precision,
device class, CPU model and count, GPU names); `same_machine` compares two infos by those
fields. Library versions are recorded but deliberately left out, so that a library upgrade
that slows things down is caught by a comparison instead of silently starting a new baseline.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata
from typing import Callable

import psutil

HOOK_ENV = "LABGRADE_PROVENANCE_HOOK"

Hook = Callable[[dict], "dict | None"]
_HOOKS: list[Hook] = []


def register_hook(fn: Hook) -> Hook:
    """Adds `fn` to the hooks `machine_info` applies (usable as a decorator)."""
    _HOOKS.append(fn)
    return fn


def clear_hooks() -> None:
    """Removes every hook added with `register_hook`."""
    _HOOKS.clear()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _tensorflow_version() -> str | None:
    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow_cpu", "tf-nightly"):
        v = _version(dist)
        if v:
            return v
    return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, `platform.processor` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_models() -> list[str]:
    """NVIDIA GPU names and driver (via ``nvidia-smi``), empty when there is none."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def backend_name() -> str:
    """The Keras backend in use (without importing Keras when it is not imported yet)."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def device_description(backend: str) -> str:
    """The device the backend computes on, e.g. ``"CPU"``, ``"GPU (NVIDIA H100)"``.

    Only inspects frameworks that are already imported, so asking never imports
    TensorFlow into a JAX process.
    """
    try:
        if backend == "jax" and "jax" in sys.modules:
            dev = sys.modules["jax"].devices()[0]
            return f"{dev.platform.upper()} ({getattr(dev, 'device_kind', dev.platform)})"
        if backend == "tensorflow" and "tensorflow" in sys.modules:
            gpus = sys.modules["tensorflow"].config.list_physical_devices("GPU")
            return f"GPU x{len(gpus)}" if gpus else "CPU"
        if backend == "torch" and "torch" in sys.modules:
            torch = sys.modules["torch"]
            return f"GPU ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "CPU"
    except Exception as exc:  # a broken driver must not break provenance
        return f"unknown ({type(exc).__name__})"
    return "CPU" if not gpu_models() else "unknown"


def machine_info(*, hooks: list[Hook] | None = None) -> dict:
    """The machine and software a measurement ran on (extended with `extend`, then the hooks).

    Args:
        hooks: extra hooks applied after the registered and environment ones.

    Returns:
        ``backend``, ``keras``, ``tensorflow``, ``jax``, ``torch``, ``numpy``, ``python``,
        ``device``, ``cpu``, ``cpu_count``, ``memory_gb``, ``gpus``, ``platform``;
        libraries that are not installed are None.
    """
    backend = backend_name()
    info = {
        "backend": backend,
        "keras": _version("keras"),
        "tensorflow": _tensorflow_version(),
        "jax": _version("jax"),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "python": platform.python_version(),
        "device": device_description(backend),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "gpus": gpu_models(),
        "platform": platform.platform(),
    }
    for hook in [extend, *_HOOKS, *_env_hooks(), *(hooks or [])]:
        out = hook(info)
        if out is not None:
            info = out
    return info


def _memory_gb() -> float | None:
    try:
        return round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:
        return None


def _env_hooks() -> list[Hook]:
    spec = os.environ.get(HOOK_ENV)
    if not spec:
        return []
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"${HOOK_ENV} must be 'module:function'; received {spec!r}.")
    return [getattr(importlib.import_module(module), name)]


FINGERPRINT_FIELDS = ("backend", "precision", "device", "cpu", "cpu_count", "gpu_names")


def nvidia_smi() -> dict:
    """``gpu_names``, ``driver`` and ``cuda`` (the driver's CUDA version) from ``nvidia-smi``; empty without one."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return {}
    out: dict = {}
    try:
        rows = subprocess.run([exe, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=10, check=True).stdout
        parsed = [[c.strip() for c in row.split(",")] for row in rows.splitlines() if row.strip()]
        out["gpu_names"] = [p[0] for p in parsed]
        out["driver"] = parsed[0][1] if parsed and len(parsed[0]) > 1 else None
        out["gpu_memory"] = parsed[0][2] if parsed and len(parsed[0]) > 2 else None
        header = subprocess.run([exe], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"CUDA Version:\s*([\d.]+)", header)
        out["cuda"] = m.group(1) if m else None
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return out


def precision_policy() -> str:
    """The Keras global dtype policy's name (``float32`` unless Keras is loaded with another)."""
    keras = sys.modules.get("keras")
    if keras is None:
        return "float32"
    try:
        return keras.mixed_precision.global_policy().name
    except Exception:  # an old or partial Keras
        return "float32"


def extend(info: dict) -> dict:
    """Provenance hook: adds precision, versions, device name, driver and CUDA to `info`."""
    smi = nvidia_smi()
    info = dict(info)
    info["precision"] = precision_policy()
    info["jaxlib"] = _version("jaxlib")
    info["tensorflow_loaded"] = "tensorflow" in sys.modules
    torch = sys.modules.get("torch")
    info["torch_cuda"] = getattr(getattr(torch, "version", None), "cuda", None) if torch else None
    info["gpu_names"] = smi.get("gpu_names", [])
    info["driver"] = smi.get("driver")
    info["cuda"] = smi.get("cuda")
    info["gpu_memory"] = smi.get("gpu_memory")
    info["device_name"] = device_name(info)
    try:
        info["load_avg_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine (ours included)
    except OSError:
        info["load_avg_1m"] = None
    return info


def device_name(info: dict) -> str:
    """A human name for what computes: the GPU's name when the backend uses one, else the CPU's."""
    device = str(info.get("device", ""))
    if device.upper().startswith(("GPU", "CUDA")) and info.get("gpu_names"):
        return info["gpu_names"][0]
    if device.upper().startswith(("GPU", "CUDA")):
        return device
    return f"CPU: {info.get('cpu', 'unknown')} x{info.get('cpu_count', '?')}"


def fingerprint_fields(info: dict) -> dict:
    """The fields of `info` that decide which baseline applies.

    Also accepts a rubric's ``[calibration.<mode>]`` table (which stores ``gpus`` as
    ``"name, driver"`` strings and has no precision: float32).
    """
    names = info.get("gpu_names")
    if names is None:
        names = [str(g).split(",")[0].strip() for g in info.get("gpus") or []]
    device = str(info.get("device", ""))
    return {
        "backend": info.get("backend"),
        "precision": info.get("precision") or "float32",
        # "GPU (NVIDIA H100 80GB HBM3)" and "CUDA (NVIDIA H100...)" describe the same device class.
        "device": "CPU" if device.upper().startswith("CPU") else device,
        "cpu": info.get("cpu"),
        "cpu_count": info.get("cpu_count"),
        "gpu_names": sorted(names),
    }


def fingerprint(info: dict) -> str:
    """A short, readable key for `info`: ``<backend>-<precision>-<device>-<hash>``, file-name safe."""
    fields = fingerprint_fields(info)
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:10]
    what = fields["gpu_names"][0] if fields["gpu_names"] and fields["device"] != "CPU" else \
        f"cpu-{fields['cpu']}-x{fields['cpu_count']}"
    slug = re.sub(r"[^a-z0-9]+", "-", f"{fields['backend']}-{fields['precision']}-{what}".lower()).strip("-")
    return f"{slug[:60]}-{digest}"


def same_machine(a: dict, b: dict) -> bool:
    """The one rule for "measured on the same machine": equal fingerprint fields (backend, precision,
    device class, CPU model and count, GPU names). Used by timing checks, time limits, verify, bench."""
    return fingerprint_fields(a) == fingerprint_fields(b)
