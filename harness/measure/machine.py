"""Machine info for benchmarks, and the fingerprint that keys a baseline.

`machine_info` is `harness.measure.provenance.machine_info` extended (through its hook
mechanism) with what a throughput number depends on: the Keras backend and dtype
policy, library versions (Keras, TensorFlow, JAX/jaxlib, PyTorch and its CUDA), the
device's name, the NVIDIA driver and CUDA version, and whether TensorFlow is loaded in
this process. `fingerprint` hashes the fields that decide which baseline applies:
backend, precision, device, CPU model and count, GPU names. Library versions are
recorded but deliberately left out of the fingerprint, so that a library upgrade that
slows things down is caught by the comparison instead of silently starting a new
baseline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata

from harness.measure import provenance

FINGERPRINT_FIELDS = ("backend", "precision", "device", "cpu", "cpu_count", "gpu_names")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


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


def machine_info() -> dict:
    """`harness.measure.provenance.machine_info` extended by `extend` (other registered hooks still apply)."""
    return provenance.machine_info(hooks=[extend])


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
