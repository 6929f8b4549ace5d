"""Grading every sample submission gives the outcome its expected.toml states.

Reuses the session's runs (`tests.integration.samples_fixture`: each case executed and
graded in a worker, with the real rubric and real held-out data), and checks: items that must
pass, items that must fail (or be partial), score bounds, a message that names the
flaw on every failed item, and that nothing hidden leaks into the student views.
"""

from __future__ import annotations

import json
import re

import pytest

from harness import results
from harness.execute.sandbox import bwrap_path
from harness.report.feedback import check_report
from harness.report.gradescope import results_json, student_feedback
from tests.integration.samples_fixture import load_cases

CASES = load_cases()


@pytest.fixture(scope="session")
def sample_grades(sample_runs):
    """case key -> Grade (each case was graded in the worker that executed it)."""
    return {key: run.grade for key, run in sample_runs.items() if run.grade is not None}


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_sample_grade_matches_expected(case, sample_grades):
    if case.requires_bwrap and bwrap_path() is None:
        pytest.skip(f"{case.key}: its expected outcome holds only with bubblewrap isolation")
    grade = sample_grades.get(case.key)
    assert grade is not None, f"{case.key}: no execution to grade"
    by_item = {c.item: c for c in grade.lab_result.checks}
    report = "\n".join(f"  {c.item}: {c.status} {c.score:g}/{c.max_score:g} {c.message[:160]}"
                       for c in grade.lab_result.checks)
    exp = case.expected
    for item in exp.get("pass", []):
        assert by_item[item].status == "passed", f"{case.key}: {item} should pass\n{report}"
    for item in exp.get("fail", []):
        assert by_item[item].status in ("failed", "partial"), f"{case.key}: {item} should fail\n{report}"
        assert by_item[item].message, f"{case.key}: failed item {item} has no message"
    percent = 100 * grade.score / grade.max_score
    if "min_percent" in exp:
        assert percent >= exp["min_percent"], f"{case.key}: {percent:.1f}% < {exp['min_percent']}%\n{report}"
    if "max_percent" in exp:
        assert percent <= exp["max_percent"], f"{case.key}: {percent:.1f}% > {exp['max_percent']}%\n{report}"
    assert not [c for c in grade.lab_result.checks if c.status == "error"], f"{case.key}: check errors\n{report}"


def test_correct_samples_score_at_least_90_percent(sample_grades):
    low = {k: round(100 * g.score / g.max_score, 1) for k, g in sample_grades.items()
           if k.endswith("/correct") and g.score < 0.9 * g.max_score}
    assert not low, f"correct samples under 90%: {low}"


def test_nothing_hidden_reaches_student_views(sample_grades, sample_runs):
    """Hidden items: never named in feedback.json; band limits and held-out evidence never in any message."""
    checked = 0
    for key, grade in sample_grades.items():
        exe = sample_runs[key].execution
        hidden = [c for c in grade.lab_result.checks if c.visibility != "visible"]
        feedback = json.dumps(student_feedback(grade, exe))
        terminal = check_report(grade, exe).text  # what `labgrade check` prints
        for c in hidden:
            for view in (feedback, terminal):
                assert c.name not in view and c.message not in view and c.item not in view
            checked += 1
        for c in grade.lab_result.checks:
            band = c.evidence.get("band")
            if band:
                for limit in band:
                    assert f"{limit:.4f}" not in c.message and f"{100 * limit:.1f}%" not in c.message
        gs = results_json(grade, exe)
        assert all("evidence" not in t for t in gs["tests"])
        assert {t["visibility"] for t in gs["tests"]} <= {"visible", "hidden", "after_due_date"}
    assert checked > 0, "no hidden item was exercised"


def test_every_sample_gets_korean_feedback(sample_grades, sample_runs):
    """What `labgrade check --lang ko` prints, for every sample: the title, each visible item and each message
    of an item not passed are Korean."""
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for key, grade in sample_grades.items():
        lines = check_report(grade, sample_runs[key].execution, lang="ko").text.splitlines()
        items = [line for line in lines if line.startswith("  [")]
        messages = [line for line in lines if line.startswith("         ")]
        assert items and hangul.search(lines[0]), f"{key}: no Korean title or items:\n" + "\n".join(lines[:8])
        english = [line for line in items + messages if not hangul.search(line)]
        assert not english, f"{key}: lines not in Korean:\n" + "\n".join(english[:5])


COMPARED = [c for c in CASES if c.expected.get("compare_to")]


@pytest.mark.parametrize("case", COMPARED, ids=[c.key for c in COMPARED])
def test_a_valid_variant_scores_like_the_correct_sample(case, sample_grades, sample_runs):
    """A valid choice the lab leaves open (batch size, input scaling) is judged against bands calibrated for
    it: the run scores within `within_points` percentage points of the lab's correct sample."""
    other = f"{case.lab}/{case.expected['compare_to']}"
    grade, reference = sample_grades.get(case.key), sample_grades.get(other)
    assert grade is not None and reference is not None, f"{case.key} or {other} was not graded"
    ours, theirs = (100 * g.score / g.max_score for g in (grade, reference))
    assert ours >= theirs - case.expected["within_points"], \
        f"{case.key}: {ours:.1f}% vs {other}: {theirs:.1f}%\n" + "\n".join(
            f"  {c.item}: {c.status} {c.score:g}/{c.max_score:g} {c.message[:200]}" for c in grade.lab_result.checks)
    measured = results.read_measurements(sample_runs[case.key].artifacts)
    assert measured is not None and measured.config_allowed, f"{case.key}: {measured and measured.config}"
    assert measured.bands_source.startswith("calibrated for"), f"{case.key}: {measured.bands_source}"
