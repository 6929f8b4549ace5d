"""Published reference points, to put measured throughputs in context (never used to fail).

Each anchor says what was measured, on what, and where it was published. Ratios
against anchors measured on other hardware compare machines, not code: they are for
the closing note of a GPU run, next to the device's own peak.
"""

from __future__ import annotations

ANCHORS = {
    "keras_resnet50_a100_b32": {
        "workload": "resnet50_infer_b32",
        "images_per_s": 32 / 4.6e-3,
        "what": "Keras applications table: ResNet50, 4.6 ms per inference step, batch 32, Tesla A100 (TensorFlow)",
        "source": "keras.io/api/applications (table: 'Time (ms) per inference step (GPU)')",
    },
    "keras_resnet50_cpu_b32": {
        "workload": "resnet50_infer_b32",
        "images_per_s": 32 / 58.2e-3,
        "what": "Keras applications table: ResNet50, 58.2 ms per inference step, batch 32, 92-core AMD EPYC CPU",
        "source": "keras.io/api/applications (table: 'Time (ms) per inference step (CPU)')",
    },
    "nvidia_tf_resnet50v15_a100_b32_tf32": {
        "workload": "resnet50_infer_b32",
        "images_per_s": 1602.0,
        "what": "NVIDIA Deep Learning Examples, TensorFlow ResNet-50 v1.5 inference, batch 32, TF32, A100",
        "source": "NVIDIA DeepLearningExamples, TensorFlow/Classification/ConvNets/resnet50v1.5 README",
    },
}

PEAK_TFLOPS = {
    "H100": {"bf16": 800.0, "what": "about 800 TFLOP/s dense bf16 (798 measured on an 8192^3 matmul on this "
                                     "workplace's H100; datasheet 989 for SXM)"},
    "H200": {"bf16": 790.0, "what": "about 790 TFLOP/s dense bf16 (788 measured on an 8192^3 matmul on this "
                                     "workplace's H200)"},
    "A100": {"bf16": 312.0, "what": "312 TFLOP/s dense bf16 (datasheet)"},
}

TARGETS = {
    "resnet50_infer_b256": {"images_per_s": 10_000.0, "on": "H100, JAX backend, mixed_bfloat16"},
    "catsdogs_train_b64": {"images_per_s": 2_000.0, "on": "H100, JAX backend, mixed_bfloat16"},
}


def peak_for(device_name: str) -> dict | None:
    """The bf16 peak entry for a GPU name (``"NVIDIA H100 80GB HBM3"`` -> H100), or None."""
    for key, entry in PEAK_TFLOPS.items():
        if key in (device_name or "").upper():
            return {"gpu": key, **entry}
    return None


def context(measurements: dict, device_name: str) -> list[dict]:
    """Rows relating measurements to anchors, targets and the device peak.

    Args:
        measurements: name -> `harness.measure.results.Measurement`.
        device_name: the machine's device name (for the peak).

    Returns:
        Dicts with ``name``, ``against``, ``value``, ``reference``, ``ratio``, ``note``.
    """
    rows = []
    for key, anchor in ANCHORS.items():
        m = measurements.get(anchor["workload"])
        if m is not None and m.unit == "images/s":
            value = m.median or m.value
            rows.append({"name": anchor["workload"], "against": key, "value": value,
                         "reference": anchor["images_per_s"], "ratio": value / anchor["images_per_s"],
                         "note": anchor["what"]})
    for name, target in TARGETS.items():
        m = measurements.get(name)
        if m is not None:
            value = m.median or m.value
            rows.append({"name": name, "against": "target", "value": value, "reference": target["images_per_s"],
                         "ratio": value / target["images_per_s"], "note": f"issue 7 target on {target['on']}"})
    peak = peak_for(device_name)
    for name, m in measurements.items():
        flops = m.info.get("flops_per_image")
        if flops and m.unit == "images/s":
            achieved = (m.median or m.value) * flops / 1e12
            m.info["achieved_tflops"] = achieved
            if peak and name.startswith("resnet50_infer"):
                rows.append({"name": name, "against": f"{peak['gpu']} bf16 peak", "value": achieved,
                             "reference": peak["bf16"], "ratio": achieved / peak["bf16"],
                             "note": f"achieved TFLOP/s ({flops / 1e9:.2f} GFLOP per image, 2 x MACs); {peak['what']}"})
    return rows
