"""Benchmark workloads: the models the labs run, timed the same way on every backend.

A `Workload` builds its model and inputs once (``setup``) and returns a ``step``
callable that runs one unit of work and returns something to synchronise on. The
runner (`harness.measure.runner`) warms up, then times each step with a device
synchronisation before the clock stops (``block``), so asynchronous GPU backends are
measured honestly.

Inference runs on device-resident synthetic inputs (no host-to-device copy inside the
timed step, as in the published anchors): under JAX a ``jax.jit`` of
``model.stateless_call``, under PyTorch ``model(x)`` in ``torch.no_grad``, under
TensorFlow ``predict_on_batch``. Training uses ``train_on_batch`` on device-resident
batches. Weights are random (speed does not depend on their values), so nothing is
downloaded. Mixed precision (``mixed_bfloat16``) is applied only to workloads whose lab
allows it (`Workload.mixed_ok`); each result records the policy it ran under.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Step = Callable[[], Any]


@dataclass
class Workload:
    """One thing to time.

    Attributes:
        name: result key, e.g. ``"resnet50_infer_b32"``.
        setup: builds everything and returns the step (imports Keras; not timed).
        items: images per step (0 for workloads reported as time per step).
        unit: ``"images/s"`` (higher is better) or ``"s"`` (time per step, lower is better).
        warmup: untimed steps first (compilation, autotuning, caches).
        rounds: timed steps.
        mixed_ok: True when the lab tolerates mixed precision (``mixed_bfloat16``).
        info: what the workload is (model, batch, input, flops per image...).
    """

    name: str
    setup: Callable[["Workload"], Step]
    items: int
    unit: str = "images/s"
    warmup: int = 2
    rounds: int = 5
    mixed_ok: bool = True
    info: dict = field(default_factory=dict)

    @property
    def higher_is_better(self) -> bool:
        """True for throughputs, False for times."""
        return self.unit != "s"


def backend() -> str:
    """The Keras backend (imports Keras)."""
    import keras

    return keras.backend.backend()


def block(value: Any) -> Any:
    """Waits until `value` (a result of a step) is computed on its device.

    JAX: ``block_until_ready``; PyTorch: ``torch.cuda.synchronize`` when CUDA is used;
    TensorFlow and NumPy: results of ``predict_on_batch``/``train_on_batch`` are host
    values already.
    """
    if "jax" in sys.modules:
        jax = sys.modules["jax"]
        leaves = [v for v in jax.tree_util.tree_leaves(value) if isinstance(v, jax.Array)]
        if leaves:
            jax.block_until_ready(leaves)
            return value
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()
    return value


def device_array(x: np.ndarray):
    """`x` as a backend tensor on the default device (copied once, outside timing)."""
    import keras

    out = keras.ops.convert_to_tensor(x)
    return block(out)


def synthetic_images(n: int, size: int = 224, *, seed: int = 0) -> np.ndarray:
    """`n` random float32 images in the ``preprocess_input`` range [-1, 1] (never zeros)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n, size, size, 3)).astype(np.float32)


def compiled_inference(model, x_np: np.ndarray) -> Step:
    """A step running `model` on a device-resident batch, compiled where the backend allows."""
    import keras

    name = keras.backend.backend()
    if name == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        fn = jax.jit(lambda tv, ntv, x: model.stateless_call(tv, ntv, x, training=False)[0])
        x = jax.device_put(x_np)
        return lambda: fn(trainable, non_trainable, x)
    if name == "torch":
        import torch

        x = device_array(x_np)

        def step():
            with torch.no_grad():
                return model(x, training=False)
        return step
    x = x_np
    return lambda: model.predict_on_batch(x)


def model_flops(model) -> float:
    """Forward FLOPs per example (2 x multiply-accumulates) of Conv2D, DepthwiseConv2D and Dense layers.

    Batch norm, activations, pooling and additions are left out (under 1% for ResNet50).
    """
    import keras

    total = 0.0
    for layer in _leaf_layers(model):
        try:
            out_shape = layer.output.shape
            in_shape = layer.input.shape
        except (AttributeError, ValueError):
            continue
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            total += 2.0 * out_shape[1] * out_shape[2] * out_shape[3] * kh * kw
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            total += 2.0 * out_shape[1] * out_shape[2] * out_shape[3] * kh * kw * in_shape[-1] / layer.groups
        elif isinstance(layer, keras.layers.Dense):
            lead = float(np.prod([d for d in out_shape[1:-1]])) if len(out_shape) > 2 else 1.0
            total += 2.0 * lead * in_shape[-1] * out_shape[-1]
    return total


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            yield from _leaf_layers(layer)
        else:
            yield layer


# ---- the workloads ---------------------------------------------------------------------------

def _resnet50_infer(w: Workload) -> Step:
    import keras

    model = keras.applications.ResNet50(weights=None)
    w.info["flops_per_image"] = model_flops(model)
    return compiled_inference(model, synthetic_images(w.info["batch"]))


def _mobilenetv2_infer(w: Workload) -> Step:
    import keras

    model = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=w.info["alpha"], include_top=False,
                                           weights=None, pooling="avg")
    w.info["flops_per_image"] = model_flops(model)
    return compiled_inference(model, synthetic_images(w.info["batch"]))


def catsdogs_model(alpha: float = 0.35):
    """The cats-dogs lab's model: frozen MobileNetV2 (no top) -> pooling -> Dense 64 relu ->
    Dropout 0.5 -> Dense 2 softmax (float32 output), compiled with Adam 1e-3."""
    import keras

    base = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=alpha, include_top=False, weights=None)
    base.trainable = False
    inputs = keras.Input((224, 224, 3))
    x = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    x = keras.layers.Dense(64, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(2, activation="softmax", dtype="float32")(x)
    model = keras.Model(inputs, outputs, name="cats_dogs")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _catsdogs_train(w: Workload) -> Step:
    model = catsdogs_model(w.info["alpha"])
    batch = w.info["batch"]
    w.info["flops_per_image"] = model_flops(model)
    x = device_array(synthetic_images(batch))
    y = device_array(np.random.default_rng(1).integers(0, 2, batch).astype(np.int32))
    return lambda: model.train_on_batch(x, y)


def _fashion_epoch(w: Workload) -> Step:
    import keras

    from reference.fashion_models import dropout_mlp

    n, batch = w.info["images"], w.info["batch"]
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (n, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, n).astype(np.int32)
    model = dropout_mlp(0.2, name="dropout_mlp")
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Nadam(1e-3),
                  metrics=["accuracy"], steps_per_execution=w.info["steps_per_execution"])
    return lambda: model.fit(x, y, epochs=1, batch_size=batch, verbose=0, shuffle=True).history["loss"][-1]


def _python_loop(w: Workload) -> Step:
    n = w.info["n"]
    return lambda: sum(i * i for i in range(n))


def _numpy_matmul(w: Workload) -> Step:
    a = np.random.default_rng(0).normal(size=(w.info["size"],) * 2)
    return lambda: a @ a


def resnet50_infer(batch: int, **kw) -> Workload:
    """ResNet50 (ImageNet-shaped, random weights) inference at `batch`."""
    return Workload(f"resnet50_infer_b{batch}", _resnet50_infer, batch,
                    info={"model": "keras.applications.ResNet50(weights=None)", "batch": batch,
                          "input": "224x224x3 float32, device-resident"}, **kw)


def mobilenetv2_infer(batch: int, alpha: float = 0.35, **kw) -> Workload:
    """The cats-dogs backbone (MobileNetV2, no top, average pooling) inference at `batch`."""
    return Workload(f"mobilenetv2_infer_b{batch}", _mobilenetv2_infer, batch,
                    info={"model": f"MobileNetV2(alpha={alpha}, include_top=False, pooling='avg')", "alpha": alpha,
                          "batch": batch, "input": "224x224x3 float32, device-resident"}, **kw)


def catsdogs_train(batch: int = 64, alpha: float = 0.35, **kw) -> Workload:
    """One ``train_on_batch`` of the cats-dogs model (frozen backbone, trainable head) at `batch`."""
    return Workload(f"catsdogs_train_b{batch}", _catsdogs_train, batch,
                    info={"model": f"frozen MobileNetV2(alpha={alpha}) + Dense 64 + Dropout + Dense 2", "alpha": alpha,
                          "batch": batch, "optimizer": "Adam 1e-3", "step": "train_on_batch, device-resident batch"},
                    **kw)


def fashion_mlp_epoch(images: int = 55_000, batch: int = 32, **kw) -> Workload:
    """One ``fit`` epoch of the dropout lab's MLP on `images` Fashion-MNIST-shaped inputs."""
    kw.setdefault("warmup", 1)
    kw.setdefault("rounds", 3)
    return Workload("fashion_mlp_epoch", _fashion_epoch, 0, unit="s", mixed_ok=False,
                    info={"model": "dropout MLP (Flatten, Dropout 0.2, Dense 300, Dropout, Dense 100, Dropout, Dense 10)",
                          "images": images, "batch": batch, "optimizer": "Nadam 1e-3", "steps_per_execution": 32}, **kw)


def python_loop(n: int = 300_000, **kw) -> Workload:
    """Pure-Python arithmetic (one core, no Keras): a machine-speed control for the runner's tests."""
    kw.setdefault("rounds", 7)
    return Workload("python_loop", _python_loop, 0, unit="s", mixed_ok=False, info={"n": n}, **kw)


def numpy_matmul(size: int = 768, **kw) -> Workload:
    """A float64 matrix product in NumPy (BLAS, no Keras): a second control."""
    kw.setdefault("rounds", 7)
    return Workload("numpy_matmul", _numpy_matmul, 0, unit="s", mixed_ok=False, info={"size": size}, **kw)


SUITES: dict[str, Callable[[], list[Workload]]] = {
    "tiny": lambda: [python_loop(), numpy_matmul()],
    "models": lambda: [resnet50_infer(1, warmup=3, rounds=10), resnet50_infer(32, warmup=1, rounds=3),
                       mobilenetv2_infer(1, warmup=3, rounds=10), mobilenetv2_infer(32, warmup=1, rounds=5),
                       catsdogs_train(64, warmup=2, rounds=5), fashion_mlp_epoch()],
    # Most important first: a run cut short by a time limit keeps what it measured.
    "gpu": lambda: [resnet50_infer(256, warmup=3, rounds=20), resnet50_infer(32, warmup=5, rounds=30),
                    catsdogs_train(64, warmup=5, rounds=30), resnet50_infer(1, warmup=5, rounds=50),
                    mobilenetv2_infer(32, warmup=5, rounds=30), mobilenetv2_infer(1, warmup=5, rounds=50),
                    catsdogs_train(256, warmup=3, rounds=20), fashion_mlp_epoch(rounds=2)],
}
"""Model suites by name. ``tiny`` needs no Keras (tests of the runner and comparison);
``models`` is the CPU suite of ``make bench``; ``gpu`` adds batch 256 and more rounds."""


def now() -> float:
    """The runner's clock (``time.perf_counter``)."""
    return time.perf_counter()
