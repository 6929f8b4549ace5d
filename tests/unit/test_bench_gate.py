"""``labgrade bench`` end to end on the ``tiny`` suite: --save, then --compare fails on a
real slowdown (every timed round stretched by sleeping) and passes against a baseline that
was itself stretched. The margins (4x slower against a 1.5x tolerance; a 3x stretched
baseline) keep both outcomes certain on a busy shared machine."""

from __future__ import annotations

import json

from click.testing import CliRunner

from harness.cli import main
from harness.cli.bench import bench_command


def _invoke(*args):
    return CliRunner().invoke(bench_command, list(args), catch_exceptions=False)


def test_compare_fails_on_a_slowdown_and_passes_against_a_slower_baseline(tmp_path):
    common = ["--suite", "tiny", "--out", str(tmp_path / "out")]
    fast = ["--baselines", str(tmp_path / "fast")]
    saved = _invoke(*common, *fast, "--save")
    assert saved.exit_code == 0, saved.output
    [baseline] = (tmp_path / "fast").glob("*.json")
    assert set(json.loads(baseline.read_text())["benchmarks"]) == {"python_loop", "numpy_matmul"}

    slow = _invoke(*common, *fast, "--compare", "--slowdown", "4")
    assert slow.exit_code == 1, slow.output
    assert "REGRESSION" in slow.output and "regressed" in slow.output

    slower = ["--baselines", str(tmp_path / "slower")]
    assert _invoke(*common, *slower, "--save", "--slowdown", "3").exit_code == 0
    rerun = _invoke(*common, *slower, "--compare")
    assert rerun.exit_code == 0, rerun.output
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["kind"] == "labgrade-bench" and latest["machine"]["cpu_count"]


def test_compare_input_reads_a_saved_run(tmp_path):
    common = ["--suite", "tiny", "--baselines", str(tmp_path / "b"), "--out", str(tmp_path / "o")]
    assert _invoke(*common, "--save").exit_code == 0
    again = _invoke("--input", str(tmp_path / "o" / "latest.json"), "--compare", "--baselines", str(tmp_path / "b"))
    assert again.exit_code == 0 and "Compared with the baseline of this machine" in again.output


def test_unknown_precision_and_bad_input_are_usage_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    res = CliRunner().invoke(main, ["bench", "--input", str(bad), "--compare"])
    assert res.exit_code == 2 and "Not a labgrade benchmark run" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(bench_command, ["--precision", "float16"])
    assert res.exit_code == 2 and "float16" in res.output
