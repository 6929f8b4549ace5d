"""``make bench``: machine info for pytest-benchmark's JSON, and labgrade's own run JSON and table.

pytest-benchmark's saved JSON (``.benchmarks/``) gets labgrade's extended machine info
and fingerprint (backend, precision, Keras/TF/JAX versions, device name, driver). Each
benchmark test also adds a `harness.measure.results.Measurement` to a session `BenchRun`,
written at the end as ``reports/bench/pytest-<fingerprint>-<time>.json`` and
``reports/bench/latest.json`` (the schema ``labgrade bench --compare --input`` reads),
with the readable table printed in the terminal summary.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_RUN = pytest.StashKey()
_T0 = time.perf_counter()
OUT_DIR = REPO / "reports" / "bench"


def pytest_benchmark_update_machine_info(config, machine_info):
    from harness.machine import fingerprint
    from harness.machine import machine_info as labgrade_info

    info = labgrade_info()
    machine_info["labgrade"] = info
    machine_info["labgrade_fingerprint"] = fingerprint(info)


@pytest.fixture(scope="session")
def bench_run(request):
    """The session's `BenchRun`; benchmark tests add their measurements to it."""
    from harness.measure.results import BenchRun

    run = request.config.stash.get(_RUN, None)
    if run is None:
        run = BenchRun(suites=["pytest"], command="make bench")
        request.config.stash[_RUN] = run
    return run


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    run = config.stash.get(_RUN, None)
    if run is None or not run.measurements:
        return
    from harness.machine import fingerprint, machine_info
    from harness.measure.table import format_run

    run.machine = machine_info()
    run.fingerprint = fingerprint(run.machine)
    run.wall_s = round(time.perf_counter() - _T0, 2)
    stamp = run.started.replace(":", "").replace("-", "")[:15]
    path = run.save(OUT_DIR / f"pytest-{run.fingerprint}-{stamp}.json")
    run.save(OUT_DIR / "latest.json")
    table = format_run(run)
    path.with_suffix(".txt").write_text(table + "\n", encoding="utf-8")
    terminalreporter.write_sep("=", "labgrade benchmarks")
    terminalreporter.write_line(table)
    terminalreporter.write_line(f"wrote {path} (compare: labgrade bench --compare --input {OUT_DIR / 'latest.json'})")
