"""Benchmarks and the reference gate's measuring side (issue 7).

Modules: `workloads` (model workloads and their suites), `overhead` (harness overhead
per submission, grader RSS), `batch` (jobs 1 vs 2, Dask), `runner` (suites -> `BenchRun`,
``labgrade bench``), `results` (`Measurement`, `BenchRun`, JSON), `machine` (machine
info extension and fingerprint), `baseline` (per-fingerprint baselines, comparison with
a stated tolerance), `anchors` (published numbers and GPU peaks), `table` (readable
output). ``python -m harness.measure`` is a headless entry for machines without the
Jupyter stack (GPU runners): it needs only Keras, NumPy and the backend.

Nothing is imported here: importing the package loads no framework.
"""
