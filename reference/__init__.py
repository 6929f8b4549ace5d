"""Reference implementations of the six labs (modern, backend-agnostic Keras 3).

Each lab module exposes ``run(*, seed, quick, source, config=None, out_dir=None)``
returning a `reference.result.ReferenceResult`. They use only ``keras`` APIs plus
numpy/PIL data pipelines, so they run under ``KERAS_BACKEND=tensorflow``, ``jax`` or
``torch``.
"""
