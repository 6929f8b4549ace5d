"""Model throughput (``make bench``): ResNet50 and MobileNetV2 inference at batch 1 and 32,
the cats-dogs training step, one Fashion-MNIST MLP epoch.

Each workload is built and warmed up outside the timing (compilation, autotuning);
every timed round ends with a device synchronisation. Runs under the backend of
``$KERAS_BACKEND``; ``LABGRADE_BENCH_PRECISION=mixed_bfloat16`` applies mixed precision
where the lab allows it. Nothing here asserts a speed: numbers go to the JSON.
"""

from __future__ import annotations

import os

import pytest

from harness.measure import workloads as wl

pytestmark = pytest.mark.bench

WORKLOADS = {
    "resnet50_infer_b1": lambda: wl.resnet50_infer(1, warmup=3, rounds=10),
    "resnet50_infer_b32": lambda: wl.resnet50_infer(32, warmup=1, rounds=3),
    "mobilenetv2_infer_b1": lambda: wl.mobilenetv2_infer(1, warmup=3, rounds=10),
    "mobilenetv2_infer_b32": lambda: wl.mobilenetv2_infer(32, warmup=1, rounds=5),
    "catsdogs_train_b64": lambda: wl.catsdogs_train(64, warmup=2, rounds=5),
    "fashion_mlp_epoch": lambda: wl.fashion_mlp_epoch(),
}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_model_throughput(benchmark, bench_run, name):
    import keras

    from harness.measure.results import Measurement

    w = WORKLOADS[name]()
    precision = os.environ.get("LABGRADE_BENCH_PRECISION", "float32")
    policy = precision if w.mixed_ok else "float32"
    keras.mixed_precision.set_global_policy(policy)
    try:
        step = w.setup(w)
        for _ in range(w.warmup):
            wl.block(step())
        benchmark.pedantic(lambda: wl.block(step()), rounds=w.rounds, iterations=1)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    times = list(benchmark.stats.stats.data)
    m = bench_run.add(Measurement.from_times(w.name, times, items=w.items, unit=w.unit, precision=policy,
                                             info={**w.info, "warmup": w.warmup, "rounds": len(times)}))
    benchmark.extra_info.update(unit=m.unit, value_best=m.value, value_median=m.median, precision=policy,
                                backend=keras.backend.backend(), **{k: v for k, v in w.info.items()
                                                                    if isinstance(v, (int, float, str))})
    keras.backend.clear_session()
