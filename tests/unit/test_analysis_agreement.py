"""Agreement between the analysis judge and a careful instructor's labels (tests/data/analysis).

Prints agreement per fact kind, per lab, English vs Korean, seen vs unseen and per
category, every fact where the judge and the label differ, and the full-mode score of
every "correct" analysis (run with ``-s`` to see it). Asserts at least 90% agreement per
fact kind over the seen cases (the ones the extractor was built with) and over all cases
together, and, on the seen cases, that no analysis labelled "correct" scores below 80% of
the item and every contradicting or copied one scores below every correct one. The unseen
cases were written last and never used to change the extractor: their figures are the
honest generalisation and are printed, not asserted (asserting on them would invite
tuning to them).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from harness.analysis import facts_for, judge, score
from tests.fixtures.analysis_cases import CATEGORIES, LANGUAGES, VERDICTS, load_cases

CASES = load_cases()
MIN_AGREEMENT = 0.90
MIN_CORRECT_SCORE = 0.80


@pytest.fixture(scope="module")
def judged():
    """(case, judgement, full-mode score) for every labelled case."""
    out = []
    for case in CASES:
        j = judge(case.text, facts_for(case.lab, case.measured))
        out.append((case, j, score(j, "full")))
    return out


def _table(title: str, rows: dict[str, list[bool]]) -> str:
    lines = [title]
    for key in sorted(rows):
        hits = rows[key]
        lines.append(f"  {key:28s} {sum(hits):4d}/{len(hits):<4d} {sum(hits) / len(hits):6.1%}")
    return "\n".join(lines)


def test_the_labelled_set_is_what_the_readme_says():
    assert len(CASES) >= 48
    per_lab = defaultdict(int)
    for case in CASES:
        per_lab[case.lab] += 1
        assert case.language in LANGUAGES and case.category in CATEGORIES, case.id
        ids = [f.id for f in facts_for(case.lab, case.measured)]
        assert sorted(ids) == sorted(case.labels), f"{case.id}: labels {sorted(case.labels)} vs facts {sorted(ids)}"
        assert set(case.labels.values()) <= set(VERDICTS), case.id
    assert len(per_lab) == 6 and min(per_lab.values()) >= 8, dict(per_lab)
    assert sum(c.language == "ko" for c in CASES) >= len(CASES) / 3
    assert {c.category for c in CASES} == set(CATEGORIES)
    unseen = [c for c in CASES if c.subset == "unseen"]
    assert len(unseen) >= len(CASES) / 6


def test_agreement_with_the_instructor_labels(judged):
    by: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    diffs = []
    for case, j, _ in judged:
        for v in j.verdicts:
            ok = v.verdict == case.labels[v.fact.id]
            for table, key in (("fact kind (all)", v.fact.kind), ("lab", case.lab), ("language", case.language),
                               ("subset", case.subset), ("category", case.category),
                               (f"fact kind ({case.subset})", v.fact.kind), ("all", "all")):
                by[table][key].append(ok)
            if not ok:
                quote = v.claims[0].text[:100] if v.claims else ""
                diffs.append(f"  {case.id} [{case.subset}, {case.language}] {v.fact.id}: label "
                             f"{case.labels[v.fact.id]}, judge {v.verdict} {quote!r}")
    report = "\n".join(_table(t, by[t]) for t in ("all", "fact kind (all)", "fact kind (seen)", "fact kind (unseen)",
                                                  "lab", "language", "subset", "category") if by[t])
    print("\n" + report + "\nDisagreements:\n" + ("\n".join(diffs) or "  none"))
    for subset in ("seen", "all"):
        table = by["fact kind (all)" if subset == "all" else f"fact kind ({subset})"]
        low = {k: round(sum(v) / len(v), 3) for k, v in table.items() if sum(v) / len(v) < MIN_AGREEMENT}
        assert not low, f"agreement below {MIN_AGREEMENT:.0%} ({subset} cases) for fact kinds {low}"


def test_no_correct_analysis_scores_below_80_percent(judged):
    print("\nFull-mode score of the analyses labelled correct:")
    for case, _, s in judged:
        if case.category == "correct":
            print(f"  {case.id:24s} [{case.subset}, {case.language}] {s.fraction:.2f}")
    low = {case.id: s.fraction for case, _, s in judged
           if case.subset == "seen" and case.category == "correct" and s.fraction < MIN_CORRECT_SCORE}
    assert not low, low


def test_contradicting_analyses_score_below_correct_ones(judged):
    seen = [(c, s) for c, _, s in judged if c.subset == "seen"]
    correct = [s.fraction for c, s in seen if c.category == "correct"]
    wrong = [s.fraction for c, s in seen if c.category in ("contradicting", "copied-from-lecture")]
    assert max(wrong) < min(correct)
