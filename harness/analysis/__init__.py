"""Grade a written analysis on substance: what it claims about this run, checked against what was measured.

- `facts.facts_for(lab, measured)`: the facts an analysis of `lab` must address, from the
  grader's trusted measurements (keys per lab in `facts.MEASURED_KEYS`).
- `claims.extract_claims(text, lab=...)`: what an English or Korean analysis asserts.
- `judge.judge(text, facts)`: agrees / contradicts / not addressed per fact, with the claims used.
- `judge.score(judgement, mode)`: points (coverage earns, contradictions cost in full mode).

Nothing here imports Keras or touches files; it is pure text processing on capped input.
"""

from harness.analysis.claims import Claim, Extraction, extract_claims
from harness.analysis.facts import LABS, MEASURED_KEYS, Fact, facts_for
from harness.analysis.judge import FactVerdict, Judgement, Score, judge, score

__all__ = ["LABS", "MEASURED_KEYS", "Claim", "Extraction", "Fact", "FactVerdict", "Judgement", "Score",
           "extract_claims", "facts_for", "judge", "score"]
