"""Every sample submission runs under the harness and its Execution matches expected.toml.

All cases run once per session, in parallel (2 worker processes, quick mode, real data:
see `tests.integration.samples_fixture`); each test then checks one case: status,
contract names exported and missing, Keras 2 diagnoses, and for a few cases what a cell
printed. Grading expectations (``pass``/``fail``/percent) are checked by the grading
tests, on the same executions.
"""

from __future__ import annotations

import pytest

from harness.execute.sandbox import bwrap_path
from tests.integration.samples_fixture import load_cases

CASES = load_cases()


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_sample_execution_matches_expected(case, sample_runs):
    if case.requires_bwrap and bwrap_path() is None:
        pytest.skip(f"{case.key}: its expected outcome holds only with bubblewrap isolation, not usable here")
    run = sample_runs[case.key]
    assert not run.guard_fired, f"{case.key}: the run hung past the sample guard"
    exe = run.execution
    assert exe is not None, f"{case.key}: the worker failed outside the harness:\n{run.worker_error}"
    exp = case.expected
    failed = [f"{c.index}: {c.error.ename}: {c.error.evalue[:200]}" for c in exe.cells if c.error]
    assert exe.status == exp["status"], (
        f"{case.key}: status {exe.status!r} ({exe.status_detail}), expected {exp['status']!r}; "
        f"failed cells: {failed}")
    for name in exp.get("exports", []):
        export = exe.exports.get(name)
        assert export is not None and export.found and not export.error, (
            f"{case.key}: {name!r} should be exported; got "
            f"{'nothing' if export is None else (export.error or 'not found')}")
    for name in exp.get("missing", []):
        export = exe.exports.get(name)
        assert export is not None and not export.found, f"{case.key}: {name!r} should be missing, it was exported"
    found = {d.api for d in exe.diagnoses}
    for api in exp.get("diagnoses", []):
        assert api in found, f"{case.key}: Keras 2 API {api!r} not diagnosed; diagnoses: {sorted(found)}"
    printed = "\n".join(c.output for c in exe.cells if c.output)
    for text in exp.get("stdout_contains", []):
        assert text in printed, f"{case.key}: no cell printed {text!r}"


def test_samples_run_in_quick_mode(sample_runs):
    """Keeps the sample set CI-sized: every case ran on the quick-mode data (timings are printed, not asserted)."""
    full = [k for k, r in sample_runs.items() if r.execution is not None and not r.execution.quick]
    assert not full, f"sample cases not run in quick mode: {full}"


CORRECT = [c for c in CASES if c.id == "correct"]


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
@pytest.mark.parametrize("case", CORRECT, ids=[c.key for c in CORRECT])
def test_correct_sample_full_size(case, tmp_path):
    """The correct samples on the full data (no quick mode): same status and exports as in quick mode."""
    from harness.api import run
    from tests.fixtures.weights import random_resnet50_weights
    from tests.integration.samples_fixture import data_root

    data = data_root()
    if data is None:
        pytest.skip("the real offline data is not next to the checkout")
    if case.requires_bwrap and bwrap_path() is None:
        pytest.skip("needs bubblewrap")
    weights = None
    if case.lab == "resnet50-top3":
        weights = {"resnet50": random_resnet50_weights(tmp_path / "resnet50-random-seed-0.weights.h5")}
    exe = run(case.path, lab=case.lab, out=tmp_path / "out", quick=False, data_root=data, weights=weights)
    assert exe.status == case.expected["status"], exe.status_detail
    for name in case.expected.get("exports", []):
        assert exe.exports[name].found and not exe.exports[name].error, (name, exe.exports[name].error)
