"""The student's view in Korean: feedback.json, results.json, `labgrade check`'s text and feedback.html.

The report fixture's grade is given real message ids (what grading stores since messages have
ids); the English view stays as stored, the Korean view is Korean in every item, and the Korean
feedback page is compared with ``tests/golden/feedback_ko.html`` (``LABGRADE_UPDATE_GOLDEN=1``
rewrites it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.execute.diagnose import RULES, _diagnosis
from harness.i18n import msg, render
from harness.i18n.message import encode_args
from harness.models import Execution, Grade
from harness.report.feedback import check_report
from harness.report.gradescope import results_json, student_feedback
from harness.report.submission import render_submission, write_student_view
from tests.fixtures.report_data import SECRET_MESSAGE, SECRET_NAME, rubric, write_submission
from tests.unit.test_report_golden import check_golden

HANGUL = re.compile(r"[\uac00-\ud7a3]")

MESSAGES = {
    "runs": msg("{parts:; }.{note} Fix the first failing cell and run the whole notebook top to bottom.",
                parts=[msg("{ok} of {n} code cells ran cleanly", ok=5, n=6),
                       msg("cell {cell} failed ({error})", cell=5, error="KeyError: 'acc'")], note=""),
    "contract": msg("{names:, } defined as expected.", names=["`model`", "`history`"]),
    "accuracy": msg("`{model}`: {value:.1%} on held-out images, within the reference range.", model="model",
                    value=0.836),
    "figures": msg("{n} figure(s) with data.", n=1),
    "analysis": msg("{parts: }", parts=[
        msg("Your analysis addresses {addressed} of the {n} results of this run ({agree} in agreement with what the "
            "grader measured).", addressed=2, n=3, agree=2),
        msg("Not discussed with this run's results: {topics:; }.", topics=[msg("the training accuracy")])]),
    "timing": msg("Training: {seconds:.1f} s in fit, {rate:,.0f} samples/s.", seconds=9.0, rate=2000.0),
}


def _with_ids(folder: Path) -> tuple[Grade, Execution]:
    """Gives the fixture's visible items and its diagnosis real message ids (as grading stores them)."""
    grade = Grade.from_json((folder / "grade.json").read_text())
    for c in grade.lab_result.checks:
        if c.item in MESSAGES:
            m = MESSAGES[c.item]
            c.message, c.message_id, c.message_args = render(m, "en"), m.msgid, encode_args(m.args)
    exe = Execution.from_json((folder / "execution.json").read_text())
    rule = next(r for r in RULES if r.api == "history.history['acc']")
    exe.diagnoses = [_diagnosis(rule.api, rule.message, rule.replacement, cell_index=5, severity="error")]
    (folder / "grade.json").write_text(grade.to_json())
    (folder / "execution.json").write_text(exe.to_json())
    return grade, exe


@pytest.fixture()
def graded(tmp_path):
    folder = write_submission(tmp_path / "class", "bob", hidden=True, status="error", score_shift=-5,
                              wall_time_s=42.0)
    grade, exe = _with_ids(folder)
    return folder, grade, exe


def test_english_view_is_the_stored_text(graded):
    _, grade, exe = graded
    fb = student_feedback(grade, exe, lang="en")
    stored = {c.item: c.message for c in grade.lab_result.checks}
    assert all(item["message"] == stored[item["item"]] for item in fb["items"])
    assert fb["lang"] == "en" and fb["output"].startswith("Your submission ran, but some cells raised errors.")


def test_korean_feedback_json_and_results_json(graded):
    _, grade, exe = graded
    fb = student_feedback(grade, exe, lang="ko")
    assert fb["lang"] == "ko"
    for item in fb["items"]:
        assert HANGUL.search(item["name"]), item["name"]
        assert HANGUL.search(item["message"]), item["message"]
    assert fb["output"].splitlines()[0] == "제출물이 실행되었지만 일부 셀에서 오류가 발생했습니다."
    assert "Keras는 지표 이름을 `acc`가 아니라" in fb["output"]  # the Keras 2 diagnosis, in Korean
    assert "history.history['accuracy']" in fb["output"]  # code stays code
    assert "직접 채점된 항목 `analysis`: 20점 (자동 채점: 7.5점)" in fb["output"]
    text = json.dumps(fb, ensure_ascii=False)
    assert SECRET_NAME not in text and SECRET_MESSAGE not in text  # hidden items stay unnamed in Korean too
    gs = results_json(grade, exe, lang="ko")
    assert all(HANGUL.search(t["output"]) for t in gs["tests"] if t["visibility"] == "visible")
    assert gs["tests"][0]["name"] == "끝까지 실행됨"


def test_check_text_is_korean_on_every_item_line(graded):
    _, grade, exe = graded
    report = check_report(grade, exe, page=Path("out/bob/feedback.html"), lang="ko")
    lines = report.text.splitlines()
    assert lines[0] == "labgrade 점검: bob (dropout)" and report.lang == "ko"
    items = [line for line in lines if line.startswith("  [")]
    assert len(items) == 6 and all(HANGUL.search(line) for line in items)
    details = [line.strip() for line in lines if line.startswith("         ")]
    assert details and all(HANGUL.search(line) for line in details)
    assert "공개 항목: 64.17/70점." in lines
    assert any("항목 1개는 제출한 뒤에 채점됩니다" in line for line in lines)


def test_old_grades_without_ids_show_their_english_text(tmp_path):
    folder = write_submission(tmp_path / "class", "alice")
    grade = Grade.from_json((folder / "grade.json").read_text())
    exe = Execution.from_json((folder / "execution.json").read_text())
    fb = student_feedback(grade, exe, lang="ko")
    assert fb["items"][1]["message"] == "`model`, `history` defined."  # no id: as stored
    assert fb["items"][1]["name"] == "model과 history 정의"  # names come from the catalogue


def test_korean_feedback_page_golden(graded):
    folder, _, _ = graded
    path = render_submission(folder, student_view=True, rubric=rubric(hidden=True), calibration_dir=None,
                             notebook=False, lang="ko")
    html = path.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "채점 기준" in html and "Keras 3 환경에서 실행된 Keras 2 코드" in html
    assert SECRET_NAME not in html and SECRET_MESSAGE not in html
    for cell in re.findall(r'<tr class="(?:passed|partial|failed|error)[^"]*" id="item-\d+">(.*?)</tr>', html, re.S):
        assert HANGUL.search(cell), cell[:200]
    check_golden("feedback_ko.html", html, folder.parent)


def test_instructor_report_stays_english(graded):
    folder, _, _ = graded
    html = render_submission(folder, student_view=False, rubric=rubric(hidden=True), calibration_dir=None,
                             notebook=False, lang="ko").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and not HANGUL.search(html)


def test_write_student_view_rewrites_every_student_file(graded):
    folder, _, _ = graded
    page = write_student_view(folder, lang="ko", notebook=False)
    assert page.name == "feedback.html" and HANGUL.search(page.read_text(encoding="utf-8"))
    assert json.loads((folder / "feedback.json").read_text())["lang"] == "ko"
    assert HANGUL.search(json.loads((folder / "results.json").read_text())["tests"][0]["output"])
    write_student_view(folder, lang="en", notebook=False)
    assert json.loads((folder / "feedback.json").read_text())["lang"] == "en"


def test_report_student_view_in_korean(graded):
    from harness import api
    from harness.errors import InputError

    folder, _, _ = graded
    summary = api.report(folder.parent, student_view=True, notebook=False, lang="ko")
    assert folder / "feedback.html" in summary.reports and not summary.problems
    assert '<html lang="ko">' in (folder / "feedback.html").read_text(encoding="utf-8")
    assert summary.dashboard is not None and summary.dashboard.is_file()
    with pytest.raises(InputError, match="applies to the students' view"):
        api.report(folder.parent, lang="ko")


def test_languages_do_not_leak_between_environments():
    from harness.i18n.templates import environment as translated
    from harness.report.render import environment

    ko, en = translated(environment(), "ko"), translated(environment(), "en")
    source = '{{ _("Rubric") }} {{ page_lang }}'
    assert ko.from_string(source).render() == "채점 기준 ko" and en.from_string(source).render() == "Rubric en"
    assert "_" not in environment().globals and "page_lang" not in environment().globals
