"""Scoring every pair of a class through an inverted index of fingerprints, never all pairs in full.

After boilerplate and class-common fingerprints are removed (`harness.integrity.boilerplate`),
each remaining fingerprint lists the submissions that have it; only pairs that appear together in
some list are ever looked at, and their shared counts are summed list by list. Cost: the number
of fingerprints plus the pairs that actually share something, instead of n^2 comparisons of whole
submissions; class-common fingerprints (the only long lists) are gone before pairs are formed.

A shared fingerprint counts with a rarity weight: 1 when only the pair has it, falling
logarithmically to 0 as more of the class has it (``log(n / df) / log(n / 2)``), so a passage
that a quarter of the class typed from the slides barely moves a pair's score, while one that
only these two wrote counts fully.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from harness.integrity.boilerplate import Boilerplate, common_hashes
from harness.integrity.evidence import OutputItem
from harness.integrity.fingerprint import Channel, SubmissionPrint
from harness.integrity.models import Passage, PairScore, Settings, SharedOutput, SubmissionSummary

MAX_OCCURRENCES = 16
"""Occurrences of one fingerprint per submission used to draw passages (repetitive code repeats them)."""


@dataclass
class ClassIndex:
    """One lab's submissions with their own fingerprints (boilerplate and class-common removed).

    Attributes:
        prints: the submissions, in folder order.
        own_code: per submission, its own code fingerprints.
        own_prose: per submission, its own prose fingerprints.
        own_outputs: per submission, its eligible outputs and figures by digest.
        df_code: fingerprint -> submissions that have it (own fingerprints only).
        df_prose: the same for prose.
        summaries: per submission, what was compared (for the report).
    """

    prints: list[SubmissionPrint]
    own_code: list[set[int]]
    own_prose: list[set[int]]
    own_outputs: list[dict[str, OutputItem]]
    df_code: dict[int, int]
    df_prose: dict[int, int]
    summaries: list[SubmissionSummary]


def rarity(df: int, n: int) -> float:
    """Weight of a fingerprint present in `df` of `n` submissions: 1 for a pair's own, 0 for everyone's."""
    if df <= 2 or n <= 2:
        return 1.0
    return max(0.0, min(1.0, math.log(n / df) / math.log(n / 2)))


def index_class(prints: list[SubmissionPrint], boiler: Boilerplate, settings: Settings) -> ClassIndex:
    """Removes boilerplate and class-common fingerprints and counts what is left.

    Args:
        prints: one lab's fingerprinted submissions.
        boiler: the known boilerplate (lecture, starter).
        settings: the class-common rule.
    """
    n = len(prints)
    code_sets = [set(p.code.prints) - boiler.code for p in prints]
    prose_sets = [set(p.prose.prints) - boiler.prose for p in prints]
    common_code = common_hashes(code_sets, n=n, settings=settings)
    common_prose = common_hashes(prose_sets, n=n, settings=settings)
    own_code = [s - common_code for s in code_sets]
    own_prose = [s - common_prose for s in prose_sets]

    eligible = []
    for p, own in zip(prints, own_code):
        cells = {p.code.units[unit] for h in own for unit, _ in p.code.prints[h]}
        eligible.append({item.digest: item for item in p.outputs if item.cell in cells})
    common_out = common_hashes(eligible, n=n, settings=settings)
    own_outputs = [{d: item for d, item in e.items() if d not in common_out} for e in eligible]

    summaries = []
    for p, cs, ps, oc, op, oo in zip(prints, code_sets, prose_sets, own_code, own_prose, own_outputs):
        t = p.text
        summaries.append(SubmissionSummary(
            folder=t.folder, student_id=t.student_id, lab=t.lab, file_name=t.file_name, code_tokens=p.code.tokens,
            prose_tokens=p.prose.tokens, code_fingerprints=len(oc), prose_fingerprints=len(op),
            boilerplate_code=len(p.code.prints) - len(cs), common_code=len(cs) - len(oc),
            boilerplate_prose=len(p.prose.prints) - len(ps), common_prose=len(ps) - len(op), outputs=len(oo),
            notes=list(t.notes)))
    return ClassIndex(prints=prints, own_code=own_code, own_prose=own_prose, own_outputs=own_outputs,
                      df_code=_df(own_code), df_prose=_df(own_prose), summaries=summaries)


def _df(sets: list[set]) -> dict:
    df: dict = defaultdict(int)
    for s in sets:
        for h in s:
            df[h] += 1
    return df


def _postings(sets: list[set], df: dict) -> dict:
    """Inverted index: fingerprint -> submissions, for fingerprints at least two submissions share."""
    index: dict = defaultdict(list)
    for i, s in enumerate(sets):
        for h in s:
            if df[h] >= 2:
                index[h].append(i)
    return index


def _accumulate(sets: list[set], df: dict, n: int, weighted: bool) -> dict[tuple[int, int], list[float]]:
    acc: dict[tuple[int, int], list[float]] = {}
    for h, subs in _postings(sets, df).items():
        w = rarity(len(subs), n) if weighted else 1.0
        for pair in combinations(subs, 2):
            slot = acc.get(pair)
            if slot is None:
                acc[pair] = [w, 1]
            else:
                slot[0] += w
                slot[1] += 1
    return acc


def score_pairs(index: ClassIndex, settings: Settings, threshold: float) -> tuple[list[PairScore], int]:
    """Scores every pair that shares at least one own fingerprint or item.

    Args:
        index: the class's own fingerprints.
        settings: floors, the outputs' weight, and how many unflagged pairs to keep (`Settings.top`).
        threshold: combined score at and above which a pair is flagged.

    Returns:
        The flagged pairs and the `Settings.top` highest others, highest first (passages not
        drawn yet), and how many pairs were scored.
    """
    n = len(index.prints)
    code = _accumulate(index.own_code, index.df_code, n, weighted=True)
    prose = _accumulate(index.own_prose, index.df_prose, n, weighted=True)
    out_sets = [set(o) for o in index.own_outputs]
    outputs = _accumulate(out_sets, _df(out_sets), n, weighted=False)
    own_code = [s.code_fingerprints for s in index.summaries]
    own_prose = [s.prose_fingerprints for s in index.summaries]
    own_out = [s.outputs for s in index.summaries]
    scored = []
    for i, j in set(code) | set(prose) | set(outputs):
        s_code = min(1.0, code.get((i, j), (0.0,))[0] / max(min(own_code[i], own_code[j]), settings.code_floor))
        s_prose = min(1.0, prose.get((i, j), (0.0,))[0] / max(min(own_prose[i], own_prose[j]),
                                                                settings.prose_floor))
        s_out = min(1.0, outputs.get((i, j), (0, 0))[1] / max(min(own_out[i], own_out[j]), settings.output_floor))
        combined = round(1.0 - (1.0 - s_code) * (1.0 - s_prose) * (1.0 - settings.output_weight * s_out), 4)
        scored.append((-combined, i, j, s_code, s_prose, s_out))
    scored.sort(key=lambda r: (r[0], index.summaries[r[1]].folder, index.summaries[r[2]].folder))
    flagged = [r for r in scored if -r[0] >= threshold]
    kept = flagged + [r for r in scored[len(flagged):len(flagged) + settings.top]]
    pairs = []
    for neg, i, j, s_code, s_prose, s_out in kept:
        a, b = index.summaries[i], index.summaries[j]
        shared = []
        if (i, j) in outputs:
            oa, ob = index.own_outputs[i], index.own_outputs[j]
            shared = [SharedOutput(kind=oa[d].kind, digest=d, a_label=oa[d].label, b_label=ob[d].label,
                                   excerpt=oa[d].excerpt) for d in sorted(set(oa) & set(ob))]
        pairs.append(PairScore(
            a=a.folder, b=b.folder, a_student=a.student_id, b_student=b.student_id, lab=a.lab,
            code=round(s_code, 4), prose=round(s_prose, 4), outputs=round(s_out, 4), combined=-neg,
            flagged=-neg >= threshold, shared_code=int(code.get((i, j), (0, 0))[1]),
            shared_prose=int(prose.get((i, j), (0, 0))[1]), a_code=a.code_fingerprints, b_code=b.code_fingerprints,
            a_prose=a.prose_fingerprints, b_prose=b.prose_fingerprints, shared_outputs=shared))
    return pairs, len(scored)


def passages(index: ClassIndex, i: int, j: int, settings: Settings) -> list[Passage]:
    """The passages submissions `i` and `j` share, code then prose, largest first within each.

    Passages are grouped by the pair of cells they sit in, so reordered cells (and sentences)
    are shown side by side with the cell they came from.
    """
    a, b = index.prints[i], index.prints[j]
    found = []
    for name, ch_a, ch_b, own_a, own_b, k in (
            ("code", a.code, b.code, index.own_code[i], index.own_code[j], settings.code_k),
            ("prose", a.prose, b.prose, index.own_prose[i], index.own_prose[j], settings.prose_k)):
        # (cell in a, cell in b) -> (unit -> k-gram starts) on each side
        groups: dict[tuple[int, int], tuple[dict, dict]] = defaultdict(lambda: (defaultdict(set), defaultdict(set)))
        for h in own_a & own_b:
            for ua, pa in ch_a.prints[h][:MAX_OCCURRENCES]:
                for ub, pb in ch_b.prints[h][:MAX_OCCURRENCES]:
                    starts_a, starts_b = groups[(ch_a.units[ua], ch_b.units[ub])]
                    starts_a[ua].add(pa)
                    starts_b[ub].add(pb)
        chosen = []
        for (cell_a, cell_b), (starts_a, starts_b) in groups.items():
            spans_a, covered = _cell_spans(ch_a, starts_a, k)
            spans_b, _ = _cell_spans(ch_b, starts_b, k)
            chosen.append(Passage(channel=name, a_cell=cell_a, b_cell=cell_b, a_spans=spans_a, b_spans=spans_b,
                                  tokens=covered))
        chosen.sort(key=lambda p: (-p.tokens, p.a_cell, p.b_cell))
        found += chosen[:settings.max_passages]
    return found


def _cell_spans(ch: Channel, starts: dict[int, set[int]], k: int) -> tuple[list[list[int]], int]:
    """Character ranges (merged, sorted) of the k-token runs at `starts` (unit -> positions) in one cell."""
    ranges: list[list[int]] = []
    covered = 0
    for unit, positions in starts.items():
        spans = ch.spans[unit]
        runs: list[list[int]] = []
        for s in sorted(positions):
            e = min(s + k, len(spans))
            if runs and s <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], e)
            else:
                runs.append([s, e])
        covered += sum(e - s for s, e in runs)
        ranges += [[spans[s][0], spans[e - 1][1]] for s, e in runs if e > s]
    merged: list[list[int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged, covered
