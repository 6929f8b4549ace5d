"""The GPU benchmark path on CPU: ``python -m harness.measure run`` under KERAS_BACKEND=jax with
TensorFlow blocked and mixed_bfloat16, as ``scripts/gpu_check.sh`` runs it on a GPU runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(find_spec("jax") is None, reason="jax is not installed (pip install jax)")
def test_gpu_suite_path_runs_under_jax_without_tensorflow(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "scripts/without_tf.py", "harness.measure", "run", "--gpu-suite", "--rounds", "1",
           "--warmup", "1", "--only", "mobilenetv2_infer_b1", "--only", "catsdogs_train_b64", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "TENSORFLOW_LOADED=False" in proc.stdout
    run = json.loads((tmp_path / "latest.json").read_text())
    assert run["machine"]["backend"] == "jax" and run["machine"]["tensorflow_loaded"] is False
    assert run["machine"]["precision"] == "mixed_bfloat16"
    m = run["measurements"]
    assert set(m) == {"mobilenetv2_infer_b1", "catsdogs_train_b64"} and not run["errors"]
    assert m["catsdogs_train_b64"]["precision"] == "mixed_bfloat16" and m["catsdogs_train_b64"]["value"] > 0
    assert m["mobilenetv2_infer_b1"]["info"]["flops_per_image"] == pytest.approx(1.2e8, rel=0.1)
    assert not (tmp_path / "partial.json").exists()
