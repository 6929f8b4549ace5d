"""What a written analysis asserts, in English or Korean: numbers, stances, rankings, effects.

`extract_claims(text, lab=...)` reads the cleaned sentences (`normalize.prepare`) and
returns `Claim` values: a number with its metric and what it refers to (model,
optimizer, schedule, split, epoch), a fit stance with its negation ("과대적합은
나타나지 않았다"), a ranking ("Nadam이 가장 빠르게 수렴했다"), a comparison ("SGD보다
느리다"), an effect ("transfer barely helped"), a learning-rate shape, a predicted
class, the cost of a call, an explanation. No morphology: lexicons and linear regexes
(see `lexicon`); Korean particles are handled by matching terms as word prefixes.

How a number is attributed (see `sentence`): to the nearest term of each kind in its
clause, preferring the term before it; failing that, for subjects and splits, the
nearest one before it in the sentence, then the list it belongs to, then the heading
above it. An epoch comes from the number's own clause, or from the previous clause when
that clause lists values at that epoch ("after epoch 1: Nadam 84.8% and Adam 84.5%").

Each claim also says whether it is about this run (`grounded`: the sentence has a
number, a past-tense verb, or points at this run/plot), whether it is the lecture's
(`cited`), an example (`example`), hypothetical, or a generic statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.analysis import lexicon as lx
from harness.analysis import readers as rd
from harness.analysis.claim import Claim
from harness.analysis.normalize import Prepared, prepare
from harness.analysis.sentence import build_context, heading_context

_LETTER = re.compile(r"[A-Za-z\uac00-\ud7a3]")

__all__ = ["Claim", "Extraction", "detect_language", "extract_claims"]


@dataclass
class Extraction:
    """Claims found in one analysis.

    Attributes:
        claims: every claim, in text order.
        text: the cleaned text the claim offsets refer to.
        lang: ``ko`` or ``en`` (given, or detected from the share of Hangul).
        truncated: the input was longer than the analysed cap.
        sentences: number of sentences read.
    """

    claims: list[Claim] = field(default_factory=list)
    text: str = ""
    lang: str = "en"
    truncated: bool = False
    sentences: int = 0


def detect_language(text: str) -> str:
    """``ko`` when at least a fifth of the letters are Hangul, else ``en``."""
    hangul = letters = 0
    for ch in text[:20_000]:
        if "\uac00" <= ch <= "\ud7a3":
            hangul += 1
            letters += 1
        elif ch.isalpha():
            letters += 1
    return "ko" if letters and hangul / letters >= 0.2 else "en"


def extract_claims(text: str, *, lab: str | None = None, labels: tuple[str, ...] | list[str] = (),
                   lang: str | None = None) -> Extraction:
    """Every claim in a written analysis.

    Args:
        text: the markdown the student wrote (hostile input: capped, cleaned, never executed).
        lab: lab id: which subjects to look for (models, optimizers, schedules...); None: all.
        labels: class labels to recognise as subjects (resnet50-top3's top-3 classes).
        lang: ``ko`` or ``en``; None detects it. Both lexicons are always used (students mix
            languages); this only labels the result.

    Returns:
        The claims with the cleaned text their offsets refer to.
    """
    prepared: Prepared = prepare(text)
    labels = tuple(labels)
    subject_lex = lx.subjects(lab, labels)
    out = Extraction(text=prepared.text, lang=lang or detect_language(prepared.text), truncated=prepared.truncated,
                     sentences=len(prepared.sentences))
    heading_cache: dict = {}
    block: dict = {"index": -1}
    for s in prepared.sentences:
        st = prepared.text[s.start:s.end]
        if s.block != block["index"]:
            block = {"index": s.block}
        if s.kind == "heading" or lx.QUESTION.search(st) or not _LETTER.search(st):
            continue
        ctx = build_context(st, s, subject_lex, heading_context(s.heading, lab, labels, heading_cache), block)
        nums = rd.numbers(ctx, lab)
        out.claims += nums
        out.claims += rd.stances(ctx, lab) + rd.ranks(ctx) + rd.compares(ctx) + rd.effects(ctx, lab)
        if lab in (None, "lr-schedules"):
            out.claims += rd.shapes(ctx) + rd.onecycle(ctx, block)
        if lab in (None, "cats-dogs"):
            out.claims += rd.predictions(ctx)
        if lab in (None, "resnet50-top3"):
            out.claims += rd.calls(ctx, nums)
            out.claims += [ctx.claim("label", h.key.split(":", 1)[1], h.start, subject=h.key)
                           for h in ctx.subjects if h.key.startswith("label:")]
        out.claims += rd.concepts(ctx, lab)
        for kind, hits in (("metric", ctx.metrics), ("split", ctx.splits)):  # a list's items share metric and split
            keys = {h.key for h in hits}
            if len(keys) == 1:
                block[kind] = keys.pop()
    out.claims = list(dict.fromkeys(out.claims))  # one statement read twice ("made overfitting worse") counts once
    return out
