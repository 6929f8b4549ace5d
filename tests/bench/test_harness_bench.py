"""Harness costs (``make bench``): overhead per submission, grader RSS, batch throughput, Dask.

Numbers for issue 2 (overhead beyond a bare kernel start-up, target <= 0.5 s; grader
peak RSS, target < 300 MB) and issue 5 (submissions/minute at jobs 1 vs 2, target
>= 1.8x on 2 cores; Dask overhead per submission, target <= 1 s). Each is measured
once per session (its own medians inside) and recorded in ``extra_info`` and in the
labgrade run JSON; nothing asserts a target (a shared machine would make that flaky).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.bench


def test_harness_overhead(benchmark, bench_run, data_root):
    from harness.measure.grader_suites import harness_measurements

    ms = benchmark.pedantic(harness_measurements, kwargs={"repeats": 10, "data_root": data_root}, rounds=1,
                            iterations=1)
    for m in ms:
        bench_run.add(m)
        benchmark.extra_info[m.name] = round(m.value, 4)


def test_batch_throughput(benchmark, bench_run, data_root):
    from harness.measure.grader_suites import batch_measurements

    ms = benchmark.pedantic(batch_measurements, kwargs={"n": 20, "data_root": data_root}, rounds=1, iterations=1)
    for m in ms:
        bench_run.add(m)
        benchmark.extra_info[m.name] = round(m.value, 4)


def test_regrade_speed(benchmark, bench_run, data_root):
    """Issue 16: regrading a class of 20 real submissions after a rubric change, against executing them."""
    from harness.measure.grader_suites import regrade_measurements

    ms = benchmark.pedantic(regrade_measurements, kwargs={"n": 20, "data_root": data_root}, rounds=1, iterations=1)
    for m in ms:
        bench_run.add(m)
        benchmark.extra_info[m.name] = round(m.value, 4)
