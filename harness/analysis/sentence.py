"""One sentence while claims are read from it: its clauses, terms, numbers, and how they attach.

A number or stance is attributed to the nearest term of each kind in its clause,
preferring the term before it; subjects and splits may come from earlier in the
sentence, then from the list it belongs to, then from the heading above it. Clauses end
at , ; at conjunctions (and, but, while, 지만, 는데, 했고...) and at a colon followed by
an explanation (not at "label: value"); a clause that only names a subject joins the next one ("Nadam and Adam
converged fastest"). Every list of terms is capped at `MAX_HITS` per sentence, so the
work per sentence is bounded whatever the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from harness.analysis import lexicon as lx
from harness.analysis.claim import Claim
from harness.analysis.normalize import Sentence
from harness.analysis.numbers import Number, scan

_CLAUSE = re.compile(
    r"[,;]|\s-\s|" + lx.en(r"and|but|while|whilst|whereas|however|although|though|because|since|so|which|then|"
                           r"vs\.?|versus|compared\s+(?:to|with)|followed\s+by")
    + r"|(?<=[았었였했됐졌났왔갔렸켰섰쳤웠이되않없있높낮르리크작같렵하지나보내서다])고(?=\s)|(?<=[가-힣])며(?=\s)"
      r"|(?<=[가-힣])지만|(?<=[가-힣])는데(?=\s|,)|(?<=[가-힣])은데(?=\s|,)|반면(?:에)?|(?<=[가-힣])면서(?=\s)"
      r"|그리고|하지만|그러나|또한", re.IGNORECASE)
_COLON = re.compile(r":(?=\s)")
MAX_HITS = 32  # per sentence and kind of term: keeps every sentence's work bounded whatever the input
_OBJECT_AFTER = re.compile(r"\s?(?:보다|에\s?비해|대비|와\s?비교|과\s?비교)")
_OBJECT_BEFORE = re.compile(lx.en(r"than|compared\s+(?:to|with)|versus|vs\.?") + r"\s+(?:the\s+)?$", re.IGNORECASE)
_PARTICLE_ONLY = re.compile(r"^[\s(),:]*(?:은|는|이|가|의|을|를|와|과|도|만)?[\s(),:]*$")


def korean_past(text: str) -> bool:
    """A Hangul syllable ending in ㅆ (했/었/았/였/됐...) other than 있/없/겠: past tense."""
    return any("\uac00" <= c <= "\ud7a3" and (ord(c) - 0xAC00) % 28 == 20 and c not in "있없겠" for c in text)


@dataclass
class SentenceContext:
    """Everything known about one sentence while claims are read from it.

    Attributes:
        text: the sentence.
        base: its offset in the cleaned text (claim spans are absolute).
        clauses: clause spans, offsets in `text`.
        subjects: subject terms (models, optimizers, schedules, dropout runs, class labels).
        metrics: metric terms (accuracy, loss, error rate, learning rate, probability, gap...).
        splits: data-split terms (train, val, test).
        epochs: epoch references as ``(key, start, end)``: ``first``, ``last`` or ``n`` (a number).
        numbers: numbers, epoch numbers and counts included (marked by unit).
        grounded: the sentence is about this run (a value, past tense, a pointer to the run or plot, or a
            statement about "the model/network").
        run_evidence: grounded by a value, past tense or a pointer to the run (not only "the network"):
            what an effect of an intervention needs.
        generic: the sentence states a general rule ("usually", "일반적으로").
        heading: context from the heading above (subject, metric, split, epoch).
        inherited: metric and split of the list or paragraph the sentence belongs to.
        objects: start offsets of the subjects that are comparison objects ("B보다", "than B").
    """

    text: str
    base: int
    clauses: list[tuple[int, int]]
    subjects: list[lx.Hit]
    metrics: list[lx.Hit]
    splits: list[lx.Hit]
    epochs: list[tuple[str, int, int]]
    numbers: list[Number]
    grounded: bool
    run_evidence: bool
    generic: bool
    heading: dict
    inherited: dict = field(default_factory=dict)
    objects: frozenset = frozenset()
    _flags: dict = field(default_factory=dict)  # memo: clause span -> cited/example/hypothetical
    _hits: dict = field(default_factory=dict)   # memo: lexicon -> its hits in `text`

    def hits(self, lexicon: lx.Lexicon, a: int = 0, b: int | None = None) -> list[lx.Hit]:
        """`lexicon`'s hits in the sentence (searched once), those inside [a, b) when given."""
        key = id(lexicon)
        if key not in self._hits:
            self._hits[key] = lexicon.find(self.text)[:MAX_HITS]
        b = len(self.text) if b is None else b
        return [h for h in self._hits[key] if a <= h.start and h.end <= b]

    def clause_of(self, pos: int) -> tuple[int, int]:
        """The clause span containing `pos`."""
        for a, b in self.clauses:
            if a <= pos < b:
                return a, b
        return self.clauses[-1]

    def flags(self, pos: int) -> dict:
        """Whether the clause at `pos` is cited, an example or hypothetical (memoised per clause)."""
        span = self.clause_of(pos)
        if span not in self._flags:
            c = self.text[span[0]:span[1]]
            self._flags[span] = dict(cited=bool(lx.CITED.search(c)), example=bool(lx.EXAMPLE.search(c)),
                                     hypothetical=bool(lx.HYPOTHETICAL.search(c)), grounded=self.grounded,
                                     generic=self.generic)
        return self._flags[span]

    def claim(self, kind: str, key, pos: int, *, whole: bool = False, **kw) -> Claim:
        """A claim read at `pos`; its span is its clause (the whole sentence when `whole`)."""
        a, b = (0, len(self.text)) if whole else self.clause_of(pos)
        return Claim(kind, key, self.base + a, self.base + b, self.text[a:b].strip(), **{**self.flags(pos), **kw})


def nearest(hits, start: int, end: int, lo: int, hi: int, prefer_before: bool = True):
    """The hit nearest to [start, end) inside [lo, hi); a hit before wins unless the one after is twice as close."""
    before = [h for h in hits if lo <= _s(h) and _e(h) <= start]
    after = [h for h in hits if _s(h) >= end and _e(h) <= hi]
    b = before[-1] if before else None
    a = after[0] if after else None
    if b is None or a is None:
        return b or a
    db, da = start - _e(b), _s(a) - end
    if prefer_before:
        return a if 2 * da < db else b
    return a if da < db else b


def _s(h) -> int:
    return h.start if hasattr(h, "start") else h[1]


def _e(h) -> int:
    return h.end if hasattr(h, "end") else h[2]


def _key(h) -> str:
    return h.key if hasattr(h, "key") else h[0]


def clauses(text: str, subjects: list[lx.Hit], values: list[Number]) -> list[tuple[int, int]]:
    """Clause spans of `text` (see the module docstring)."""
    cuts = [m.end() for m in islice(_CLAUSE.finditer(text), MAX_HITS)]
    # "label: 90.0%" stays one clause; "88.0% (test): a gap of 6 points" splits
    for m in islice(_COLON.finditer(text), MAX_HITS):
        left_start = max([0] + [c for c in cuts if c <= m.start()])
        right = text[m.end():].split(",")[0]
        long_left = len(text[left_start:m.start()].split()) > 4  # "Epoch 1: val_accuracy = 0.912" is a label
        if any(left_start <= n.start < m.start() for n in values) or (long_left and len(right.split()) >= 3):
            cuts.append(m.end())
    cuts = [0] + sorted(set(cuts)) + [len(text)]
    spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # "Nadam and Adam converged fastest": a clause that only names a subject joins the next
        if merged and _subject_only(text, *merged[-1], subjects):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged or [(0, len(text))]


def _subject_only(text: str, a: int, b: int, subjects: list[lx.Hit]) -> bool:
    inside = [h for h in subjects if a <= h.start and h.end <= b]
    if not inside:
        return False
    rest, pos = [], a
    for h in inside:
        rest.append(text[pos:h.start])
        pos = h.end
    rest.append(text[pos:b])
    stripped = re.sub(_CLAUSE, " ", "".join(rest))
    return bool(_PARTICLE_ONLY.match(stripped))


def negated(text: str, start: int, end: int, lo: int, hi: int, masked: list[lx.Hit]) -> bool:
    """Negation around [start, end) in clause [lo, hi): English before it ("no", "not"), Korean after it
    ("않았다", "없었다", "아니다"), either "is not"; `masked` terms ("without dropout") are ignored."""
    before = mask(text, max(lo, start - 40), start, masked)
    after = mask(text, end, hi, masked)
    if lx.NEG_BEFORE.search(before[-40:]) and not re.search(r"not\s+only", before[-40:], re.IGNORECASE):
        return True
    return bool(lx.NEG_AFTER_EN.search(after[:30]) or lx.NEG_AFTER_KO.search(after))


def mask(text: str, a: int, b: int, masked: list[lx.Hit]) -> str:
    """text[a:b] with the `masked` terms blanked out."""
    chunk = list(text[a:b])
    for h in masked:
        for i in range(max(a, h.start), min(b, h.end)):
            chunk[i - a] = " "
    return "".join(chunk)


def degree(text: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """``slight`` / ``strong`` when a qualifier sits next to [start, end)."""
    window = text[max(lo, start - 25):min(hi, end + 15)]
    hits = lx.DEGREE.find(window)
    return hits[-1].key if hits else None


def compared_to(text: str, h: lx.Hit) -> bool:
    """The subject is the object of a comparison ("B보다", "than B"): what the clause measures is the other one."""
    return bool(_OBJECT_AFTER.match(text, h.end) or _OBJECT_BEFORE.search(text, max(0, h.start - 12), h.start))


def subject_for(ctx: SentenceContext, start: int, end: int, kinds: tuple[str, ...] | None = None,
                exclude: tuple[str, ...] = (), objects: bool = True) -> str | None:
    """The subject of [start, end): in its clause, earlier in the sentence, or the heading's.

    With `objects` False, comparison objects ("B보다", "than B") are skipped (a number belongs to the other side).
    """
    subs = [h for h in ctx.subjects if (kinds is None or h.key in kinds or any(h.key.startswith(k) for k in kinds))
            and h.key not in exclude and (objects or h.start not in ctx.objects)]
    a, b = ctx.clause_of(start)
    hit = nearest(subs, start, end, a, b)
    if hit is None:
        before = [h for h in subs if h.end <= start]
        hit = before[-1] if before else (subs[0] if subs else None)
    if hit is not None:
        return hit.key
    head = ctx.heading.get("subject")
    return head if head and (kinds is None or head in kinds or any(head.startswith(k) for k in kinds)) else None


def metric_for(ctx: SentenceContext, start: int, end: int) -> str | None:
    """The metric of [start, end): in its clause, the sentence's only one, an earlier one, the list's or heading's."""
    a, b = ctx.clause_of(start)
    hit = nearest(ctx.metrics, start, end, a, b, prefer_before=False)
    if hit is not None:
        return hit.key
    keys = {h.key for h in ctx.metrics}
    if len(keys) == 1:
        return keys.pop()
    before = [h for h in ctx.metrics if h.end <= start]
    if before:
        return before[-1].key
    return ctx.inherited.get("metric") or ctx.heading.get("metric")


def epoch_key(hit, text: str) -> str:
    """``first`` / ``last`` / the epoch number as text, for an epoch reference."""
    key = _key(hit)
    if key != "n":
        return key
    m = re.search(r"\d{1,4}", text[_s(hit):_e(hit)])
    return m.group(0) if m else "n"


def heading_context(heading: str, lab: str | None, labels: tuple[str, ...], cache: dict) -> dict:
    """What a heading says about the sentences under it ("## Adam", "### 정확도"), memoised in `cache`."""
    if heading not in cache:
        subs = lx.subjects(lab, labels).find(heading)
        metrics = lx.METRICS.find(heading)
        splits = lx.SPLITS.find(heading)
        epochs = lx.EPOCHS.find(heading)
        cache[heading] = {"subject": subs[0].key if len(subs) == 1 else None,
                          "metric": metrics[0].key if len({m.key for m in metrics}) == 1 else None,
                          "split": splits[0].key if len({s.key for s in splits}) == 1 else None,
                          "epoch": epoch_key(epochs[0], heading) if len(epochs) == 1 else None}
    return cache[heading]


def build_context(st: str, s: Sentence, subject_lex: lx.Lexicon, heading: dict, block: dict) -> SentenceContext:
    """Find the terms and numbers of sentence `st` (at `s`) and decide whether it is about this run."""
    subjects = subject_lex.find(st)[:MAX_HITS]
    epochs_hits = lx.EPOCHS.find(st)[:MAX_HITS]
    numbers = scan(st)[:MAX_HITS]
    masked = [(h.start, h.end) for h in subjects + epochs_hits]
    epochs = [(h.key, h.start, h.end) for h in epochs_hits]
    kept = []
    for n in numbers:
        if any(a <= n.start < b for a, b in masked):
            continue
        if n.unit == "epoch":
            epochs.append(("n", n.start, n.end))
        kept.append(n)
    epochs.sort(key=lambda e: e[1])
    values = [n for n in kept if n.unit not in ("epoch", "count", "rank") and not n.formula]
    past = bool(lx.PAST_EN.search(st)) or korean_past(st)
    deixis = bool(lx.DEIXIS.search(st))
    generic = bool(lx.GENERIC.search(st))
    strong = bool(values or deixis or past) and not (generic and not deixis and not values)
    grounded = strong or bool(lx.DEFINITE_MODEL.search(st) and not generic)
    return SentenceContext(st, s.start, clauses(st, subjects, values), subjects, lx.METRICS.find(st)[:MAX_HITS],
                           lx.SPLITS.find(st)[:MAX_HITS], epochs, kept, grounded, strong, generic, heading,
                           {"metric": block.get("metric"), "split": block.get("split")},
                           frozenset(h.start for h in subjects if compared_to(st, h)))
