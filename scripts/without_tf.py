"""Run a module with TensorFlow unimportable: ``python scripts/without_tf.py MODULE [ARGS...]``.

Proves that a code path (the references, the benchmarks) needs no TensorFlow, as on the
GPU runners, which carry JAX and PyTorch only. Any ``import tensorflow`` raises
ImportError; at exit, a line ``TENSORFLOW_LOADED=False`` confirms nothing loaded it.
"""

from __future__ import annotations

import atexit
import importlib.abc
import runpy
import sys


class BlockTensorFlow(importlib.abc.MetaPathFinder):
    """Refuses ``tensorflow`` and its submodules."""

    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError(f"TensorFlow is blocked (scripts/without_tf.py): import of {name!r}")
        return None


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python scripts/without_tf.py MODULE [ARGS...]; received no module name")
    sys.meta_path.insert(0, BlockTensorFlow())
    atexit.register(lambda: print(f"TENSORFLOW_LOADED={'tensorflow' in sys.modules}", flush=True))
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
