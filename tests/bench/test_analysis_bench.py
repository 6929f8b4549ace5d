"""Written-analysis judging speed (``make bench``): claim extraction + judging per submission.

Target from labgrade issue 14: well under 1 s per submission. Measured over every
labelled analysis in tests/data/analysis (English and Korean, 100-400 words each):
the whole set is judged per round, the per-submission time is the round time divided
by the number of analyses; the slowest single analysis is reported too. Facts are built
outside the timing (the grader builds them once from its measurements). Nothing
asserts a time: the numbers go to pytest-benchmark's JSON and the labgrade run JSON.
"""

from __future__ import annotations

import time

import pytest

from harness.analysis import facts_for, judge
from tests.fixtures.analysis_cases import load_cases

pytestmark = pytest.mark.bench


def test_analysis_judge_speed(benchmark, bench_run):
    from harness.measure.results import Measurement

    work = [(c.text, facts_for(c.lab, c.measured)) for c in load_cases()]

    def judge_all():
        for text, facts in work:
            judge(text, facts)

    benchmark.pedantic(judge_all, rounds=5, iterations=1, warmup_rounds=1)
    per_submission = [t / len(work) for t in benchmark.stats.stats.data]
    slowest = 0.0
    for text, facts in work:
        t0 = time.perf_counter()
        judge(text, facts)
        slowest = max(slowest, time.perf_counter() - t0)
    m = bench_run.add(Measurement.from_times("analysis_judge_per_submission", per_submission, items=1, unit="s",
                                             precision="float32",
                                             info={"submissions": len(work), "slowest_single_s": round(slowest, 5),
                                                   "definition": "claim extraction + judging of one written analysis"}))
    benchmark.extra_info.update(per_submission_best_s=round(m.value, 5), per_submission_median_s=round(m.median, 5),
                                slowest_single_s=round(slowest, 5), submissions=len(work))
