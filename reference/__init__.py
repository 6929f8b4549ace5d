"""Reference implementations of the six labs (modern, backend-agnostic Keras 3).

Each lab module exposes ``run(*, seed, quick, source, config=None, out_dir=None)``
returning a `harness.reference_result.ReferenceResult`. They use only ``keras`` APIs plus
numpy/PIL data pipelines, so they run under ``KERAS_BACKEND=tensorflow``, ``jax`` or
``torch``.

Lab modules: `resnet50_top3`, `fashion_transfer`, `cats_dogs`, `optimizers`,
`lr_schedules`, `dropout`. Shared pieces: `result` (the result type), `config`
(defaults + overrides), `timing` (clock with excluded measurement), `training`
(measured fits, held-out curves, learning-rate trace), `fashion_data` /
`fashion_models` (Fashion-MNIST splits and the lecture's MLPs), `images` /
`catsdogs_data` / `backbones` (decode-once image arrays, batch augmentation, frozen
MobileNet features), `figures`, `synthetic` (a small fake data root for tests), `speed`
(reference vs `lecture` recipe, each in a fresh process). `lecture/` holds the lecture's
own recipes ported to Keras 3, for the speed comparison only.
"""
