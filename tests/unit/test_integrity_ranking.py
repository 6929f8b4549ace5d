"""A class of real sample submissions with planted copies: every copy ranks above every honest pair."""

from __future__ import annotations

import json
from concurrent.futures.process import BrokenProcessPool

import pytest

from harness.integrity.detect import similarity
from harness.integrity.models import Settings, SimilarityReport, top_pairs
from harness.integrity import detect, view
from harness.integrity.corpus import read_submission
from harness.integrity.view import segments
from harness.report.dashboard import render_dashboard
from tests.unit.integrity_class import LAB, PLANTED, build_class, sample_cells, write_student


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("integrity-class")
    students = build_class(out)
    report = similarity(out, settings=Settings(top=10_000))  # keep every scored pair, not only the top 20
    return out, students, report


def _score(report: SimilarityReport, a: str, b: str):
    return next((p for p in report.pairs if {p.a, p.b} == {a, b}), None)


def test_every_planted_pair_ranks_above_every_honest_pair(graded_class):
    out, students, report = graded_class
    assert len(report.submissions) == len(students) == 17
    planted = [_score(report, a, b) for a, b in PLANTED]
    assert all(p is not None for p in planted)
    honest = [p for p in report.pairs if (p.a, p.b) not in PLANTED and (p.b, p.a) not in PLANTED]
    lowest_planted = min(p.combined for p in planted)
    highest_honest = max(p.combined for p in honest)
    assert lowest_planted - highest_honest > 0.3, (lowest_planted, highest_honest)
    ranked = [{p.a, p.b} for p in report.pairs]
    assert sorted(ranked.index(set(k)) for k in PLANTED) == [0, 1, 2, 3]


def test_the_default_threshold_flags_exactly_the_planted_pairs(graded_class):
    _, _, report = graded_class
    assert {frozenset((p.a, p.b)) for p in report.flagged} == {frozenset(k) for k in PLANTED}


def test_each_disguise_is_caught_by_its_own_channel(graded_class):
    _, _, report = graded_class
    renamed = _score(report, "c-renamed", "h-catsdogs-correct")
    assert renamed.code > 0.9 and renamed.prose < 0.1
    reordered = _score(report, "c-reordered", "h-optimizers-correct")
    assert reordered.code > 0.8 and reordered.prose > 0.95
    prose = _score(report, "c-prose", "h-transfer-correct")
    assert prose.prose > 0.8 and prose.code < 0.2
    korean = _score(report, "c-korean", "k-dropout-1")
    assert korean.prose > 0.7 and korean.code < 0.1
    honest_korean = _score(report, "k-dropout-1", "k-dropout-2")
    assert honest_korean is None or honest_korean.prose < 0.1  # same facts, own words


def test_passages_pair_each_reordered_cell_with_its_original(graded_class):
    out, _, report = graded_class
    pair = _score(report, "c-reordered", "h-optimizers-correct")
    a, b = read_submission(out / pair.a / "execution.json"), read_submission(out / pair.b / "execution.json")
    code = [p for p in pair.passages if p.channel == "code"]
    assert code and any(p.a_cell != p.b_cell for p in code)
    for p in pair.passages:
        assert a.cell(p.a_cell).source == b.cell(p.b_cell).source  # an exact copy, moved
        for (sa, ea), (sb, eb) in zip(p.a_spans, p.b_spans):
            assert a.cell(p.a_cell).source[sa:ea] == b.cell(p.b_cell).source[sb:eb]


def test_renamed_passages_cover_the_renamed_code(graded_class):
    out, _, report = graded_class
    pair = _score(report, "c-renamed", "h-catsdogs-correct")
    renamed = read_submission(out / "c-renamed" / "execution.json")
    side = "a" if pair.a == "c-renamed" else "b"
    shown = "".join(renamed.cell(getattr(p, f"{side}_cell")).source[s:e] for p in pair.passages
                    for s, e in getattr(p, f"{side}_spans"))
    assert "backbone" in shown and "MobileNetV2" in shown


def test_json_is_written_versioned_and_round_trips(graded_class):
    out, _, report = graded_class
    data = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["threshold"] == 0.5
    assert SimilarityReport.from_json((out / "similarity.json").read_text(encoding="utf-8")) == report


def test_top_pairs_for_the_dashboard(graded_class):
    out, _, report = graded_class
    top = top_pairs(out, n=3)
    assert [(p.a, p.b) for p in top] == [(p.a, p.b) for p in report.pairs[:3]]
    assert len(top_pairs(report, n=100, flagged_only=True)) == len(PLANTED)
    assert top_pairs(out / "nowhere") == []


def test_the_dashboard_shows_the_top_pairs_and_links_the_page(tmp_path):
    out = tmp_path / "class"
    build_class(out)
    render_dashboard(out)  # the class was graded: its dashboard exists before the similarity run
    assert 'id="similarity"' not in (out / "index.html").read_text(encoding="utf-8")
    report = similarity(out)
    html = (out / "index.html").read_text(encoding="utf-8")
    section = html[html.index('id="similarity"'):html.index("</section>", html.index('id="similarity"'))]
    assert 'href="similarity.html"' in section
    first = report.pairs[0]
    assert f"{first.a_student} &amp; {first.b_student}" in section and section.count("<tr>") >= 2
    assert section.count("flagged</span>") == min(len(PLANTED), 5)


def test_the_page_lists_the_pairs_and_marks_shared_text(graded_class):
    out, _, _ = graded_class
    html = (out / "similarity.html").read_text(encoding="utf-8")
    assert html.count('<span class="badge failed">flagged</span>') == len(PLANTED)
    assert '<mark class="shared">' in html and "c-korean" in html and "Instructor only" in html


def test_worker_processes_give_the_same_pairs(graded_class):
    out, _, report = graded_class
    parallel = similarity(out, jobs=2, settings=Settings(top=10_000), write=False)
    assert [(p.a, p.b, p.combined) for p in parallel.pairs] == [(p.a, p.b, p.combined) for p in report.pairs]


def test_pairs_never_cross_labs_and_lab_selects(tmp_path):
    cells = sample_cells("cats-dogs/correct.ipynb")
    write_student(tmp_path, "d1", cells)
    write_student(tmp_path, "d2", sample_cells("dropout/lecture-verbatim.ipynb"))
    write_student(tmp_path, "c1", cells, lab="cats-dogs")
    write_student(tmp_path, "c2", cells, lab="cats-dogs")
    everyone = similarity(tmp_path, write=False)
    assert {(p.a, p.b) for p in everyone.flagged} == {("c1", "c2")}
    assert all(p.lab == "cats-dogs" or {p.a, p.b} == {"d1", "d2"} for p in everyone.pairs)
    only = similarity(tmp_path, lab=LAB, write=False)
    assert {s.folder for s in only.submissions} == {"d1", "d2"} and only.lab == LAB


def test_long_cells_are_elided_around_the_shared_text():
    source = "a" * 10_000 + "SHARED" + "b" * 10_000
    pieces = segments(source, [[10_000, 10_006], [15_000, 30_000]], limit=1000, context=100)
    assert pieces[0] == ("…", False) and pieces[-1] == ("…", False)
    assert ("SHARED", True) in pieces and sum(len(t) for t, _ in pieces[1:-1]) == 1000
    assert segments("abc", [[1, 2]]) == [("a", False), ("b", True), ("c", False)]


def test_the_page_has_a_size_budget(graded_class, monkeypatch):
    out, _, report = graded_class
    texts = {f: read_submission(out / f / "execution.json") for p in report.flagged for f in (p.a, p.b)}
    monkeypatch.setattr(view, "PAGE_BUDGET", 3000)
    html = view.render_similarity(report, texts)
    assert "more passage(s) not shown" in html and len(html) < len(view.static_text("report.css")) + 200_000


def test_a_dying_worker_does_not_stop_the_class(graded_class, monkeypatch):
    out, _, report = graded_class

    class DyingPool:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, *args, **kwargs):
            raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(detect, "ProcessPoolExecutor", DyingPool)
    again = similarity(out, jobs=2, settings=Settings(top=10_000), write=False)
    assert [(p.a, p.b, p.combined) for p in again.pairs] == [(p.a, p.b, p.combined) for p in report.pairs]
