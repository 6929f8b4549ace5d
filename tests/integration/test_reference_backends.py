"""The references run under KERAS_BACKEND=jax with TensorFlow unavailable (the GPU runners
carry JAX and PyTorch but not TensorFlow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.fixtures.data import test_source

ROOT = Path(__file__).resolve().parents[2]

BLOCK_TF = textwrap.dedent("""
    import importlib.abc, runpy, sys
    class BlockTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ImportError("TensorFlow is blocked in this test: " + name)
            return None
    sys.meta_path.insert(0, BlockTensorFlow())
    sys.argv = ["harness.measure.speed", *sys.argv[1:]]
    try:
        runpy.run_module("harness.measure.speed", run_name="__main__")
    finally:
        print("TENSORFLOW_LOADED=" + str("tensorflow" in sys.modules))
""")


@pytest.mark.skipif(find_spec("jax") is None, reason="jax is not installed (pip install jax); needed for the JAX-backend run")
def test_dropout_reference_quick_under_jax_without_tensorflow(tmp_path_factory, tmp_path):
    source, _ = test_source(tmp_path_factory.getbasetemp())
    out = tmp_path / "result.json"
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    if source.cache_dir:
        env["LABGRADE_CACHE"] = str(source.cache_dir)
    cmd = [sys.executable, "-c", BLOCK_TF, "--lab", "dropout", "--recipe", "reference", "--quick",
           "--data-root", str(source.root), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "TENSORFLOW_LOADED=False" in proc.stdout
    res = json.loads(out.read_text())
    assert res["backend"] == "jax"
    assert 0.1 < res["metrics"]["accuracy"] <= 1 and len(res["histories"]["history"]["loss"]) == 10
