"""Where a measurement was taken: backend, library versions, device, CPU/GPU, platform.

`machine_info` returns a plain dict (JSON- and TOML-ready once None values are dropped),
reused by calibration and by benchmarks. Like pytest-benchmark's machine-info hook, it can
be extended or overridden: `register_hook(fn)` in-process, or ``$LABGRADE_PROVENANCE_HOOK``
set to ``"module:function"``; each hook receives the dict and returns a dict (or mutates
it in place and returns None).
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from typing import Callable

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
    """The fingerprint of the machine and software a measurement ran on.

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
    for hook in [*_HOOKS, *_env_hooks(), *(hooks or [])]:
        out = hook(info)
        if out is not None:
            info = out
    return info


def _memory_gb() -> float | None:
    try:
        import psutil

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
