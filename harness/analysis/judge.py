"""Judge a written analysis against the facts of the run, and turn the judgement into points.

`judge(text, facts)` extracts the claims once and checks every fact (`rules.RULES`):
agrees, contradicts or not addressed, with the claims used (clause text and offsets in
`Judgement.text`, for showing an instructor next to the student's words).

`score(judgement, mode)` is the policy:

- Coverage earns the points: each fact has a weight (results 1.0, explanations 0.5);
  addressing `FULL_AT` (85%) of the weight with agreeing statements earns the whole item.
- Full mode: a contradicted fact earns nothing and costs `PENALTY` (half) of its weight:
  saying something false about the run is worse than saying nothing.
- Quick mode (the grader re-ran on smaller data, so its numbers and even the fit state can
  differ from the student's full run): a contradicted fact counts as addressed, is
  reported, and costs nothing, unless the fact is decisive (``params["decisive"]``: a fit
  state far from every threshold, which no re-run on less data overturns): then it is
  judged as in full mode.
- Text copied from the lecture earns nothing for result facts: definitions and general
  rules are not claims about this run (`Claim.grounded`), and numbers the text attributes
  to the lecture or gives as examples are not checked or credited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.analysis.claims import Claim, Extraction, extract_claims
from harness.analysis.facts import Fact
from harness.analysis.rules import AGREES, CONTRADICTS, NOT_ADDRESSED, RULES
from harness.i18n import Msg, msg

FULL_AT = 0.85
PENALTY = 0.5
MODES = ("full", "quick")


@dataclass
class FactVerdict:
    """The verdict on one fact.

    Attributes:
        fact: the fact.
        verdict: ``agrees``, ``contradicts`` or ``not_addressed``.
        claims: the claims the verdict rests on (contradicting ones first).
        reason: what was checked, in a few words.
    """

    fact: Fact
    verdict: str
    claims: list[Claim] = field(default_factory=list)
    reason: str = ""

    @property
    def addressed(self) -> bool:
        """The text says something about the fact (agreeing or not)."""
        return self.verdict != NOT_ADDRESSED


@dataclass
class Judgement:
    """Every fact's verdict for one analysis.

    Attributes:
        verdicts: one per fact, in the facts' order.
        coverage: weighted share of the facts the text addresses (agreeing or contradicting).
        agreement: share of the addressed facts it agrees with (None when none is addressed).
        lang: ``ko`` or ``en``.
        text: the cleaned text the claim offsets refer to.
        truncated: the text was longer than the analysed cap.
        claims: how many claims were found.
    """

    verdicts: list[FactVerdict]
    coverage: float
    agreement: float | None
    lang: str
    text: str = ""
    truncated: bool = False
    claims: int = 0

    def by_id(self) -> dict[str, FactVerdict]:
        """Fact id -> verdict."""
        return {v.fact.id: v for v in self.verdicts}

    def to_dict(self) -> dict:
        """JSON-ready summary for the evidence of a check result (instructor-only)."""
        return {"lang": self.lang, "coverage": round(self.coverage, 4),
                "agreement": None if self.agreement is None else round(self.agreement, 4),
                "truncated": self.truncated, "claims": self.claims,
                "facts": [{"id": v.fact.id, "kind": v.fact.kind, "verdict": v.verdict, "measured": v.fact.sentence,
                           "reason": v.reason, "quotes": [c.text[:240] for c in v.claims[:4]],
                           "spans": [[c.start, c.end] for c in v.claims[:4]]} for v in self.verdicts]}


@dataclass
class Score:
    """Points for the analysis item.

    Attributes:
        fraction: share of the item's points, 0..1.
        message: student-facing (a `harness.i18n.Msg`): what was covered, what is missing, what disagrees
            with the run.
        earned: weight earned (before the `FULL_AT` scaling).
        possible: total weight of the facts.
        contradicted: ids of contradicted facts.
        missing: ids of facts not addressed.
        mode: ``full`` or ``quick``.
    """

    fraction: float
    message: Msg
    earned: float
    possible: float
    contradicted: list[str]
    missing: list[str]
    mode: str


def judge(text: str, facts: list[Fact], *, lang: str | None = None) -> Judgement:
    """Check a written analysis against the facts of its run.

    Args:
        text: the analysis as the student wrote it (markdown; hostile input is capped and cleaned).
        facts: from `facts.facts_for`; all of one lab.
        lang: ``ko`` / ``en``; None detects it.

    Returns:
        A verdict per fact, coverage and agreement.
    """
    lab = facts[0].lab if facts else None
    labels = tuple(next((f.value for f in facts if f.kind == "labels"), ()))
    extraction: Extraction = extract_claims(text, lab=lab, labels=labels, lang=lang)
    verdicts = []
    for fact in facts:
        verdict, used, reason = RULES[fact.kind](fact, extraction.claims)
        verdicts.append(FactVerdict(fact, verdict, used, reason))
    total = sum(f.weight for f in facts)
    addressed = [v for v in verdicts if v.addressed]
    coverage = sum(v.fact.weight for v in addressed) / total if total else 0.0
    agreement = (sum(v.verdict == AGREES for v in addressed) / len(addressed)) if addressed else None
    return Judgement(verdicts, coverage, agreement, extraction.lang, extraction.text, extraction.truncated,
                     len(extraction.claims))


def score(judgement: Judgement, mode: str = "full") -> Score:
    """Points for a judged analysis (policy in the module docstring).

    Raises:
        ValueError: `mode` is not ``full`` or ``quick``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; received {mode!r}")
    possible = sum(v.fact.weight for v in judgement.verdicts)
    agree = sum(v.fact.weight for v in judgement.verdicts if v.verdict == AGREES)
    decisive = sum(v.fact.weight for v in judgement.verdicts if v.verdict == CONTRADICTS and _decisive(v))
    contra = sum(v.fact.weight for v in judgement.verdicts if v.verdict == CONTRADICTS) - decisive
    earned = (agree + contra - PENALTY * decisive) if mode == "quick" else agree - PENALTY * (contra + decisive)
    fraction = max(0.0, min(1.0, earned / (FULL_AT * possible))) if possible else 0.0
    contradicted = [v.fact.id for v in judgement.verdicts if v.verdict == CONTRADICTS]
    missing = [v.fact.id for v in judgement.verdicts if v.verdict == NOT_ADDRESSED]
    return Score(round(fraction, 4), _message(judgement, mode), round(earned, 4), possible, contradicted, missing, mode)


def _decisive(v: FactVerdict) -> bool:
    return bool(v.fact.params.get("decisive"))


def _message(j: Judgement, mode: str) -> Msg:
    if not j.verdicts:
        return msg("Nothing was measured for this run, so the analysis could not be checked against results.")
    n = len(j.verdicts)
    agree = [v for v in j.verdicts if v.verdict == AGREES]
    parts = [msg("Your analysis addresses {addressed} of the {n} results of this run ({agree} in agreement with what "
                 "the grader measured).", addressed=sum(v.addressed for v in j.verdicts), n=n, agree=len(agree))]
    contra = [v for v in j.verdicts if v.verdict == CONTRADICTS]
    firm = [v for v in contra if mode == "full" or _decisive(v)]
    soft = [v for v in contra if v not in firm]
    for head, group in ((msg("Does not match the grader's measurement"), firm),
                        (msg("Differs from the grader's quick re-run on smaller data (not penalised)"), soft)):
        quotes = [msg("\u201c{quote}\u201d ({topic}: measured {measured})", quote=v.claims[0].text[:120],
                      topic=v.fact.topic, measured=v.fact.measured) for v in group[:4] if v.claims]
        if quotes:
            parts.append(msg("{head}: {quotes:; }.", head=head, quotes=quotes))
    missing = [v.fact.topic for v in j.verdicts if not v.addressed]
    if missing:
        parts.append(msg("Not discussed with this run's results: {topics:; }.", topics=missing[:6]))
    if j.truncated:
        parts.append(msg("The text is very long; only its beginning was read."))
    return msg("{parts: }", parts=parts)
