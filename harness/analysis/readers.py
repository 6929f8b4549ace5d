"""Claim readers: one function per kind of claim, each reading one sentence (`sentence.SentenceContext`).

Numbers (with metric, subject, split, epoch), fit stances and the effects that govern them
("dropout reduced overfitting" is an effect, not a stance), rankings, comparisons,
effects of an intervention, learning-rate shapes, the sample's predicted class, the cost
of a call, and explanations (concepts).
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import islice

from harness.analysis import lexicon as lx
from harness.analysis.claim import Claim
from harness.analysis.numbers import Number
from harness.analysis.sentence import (MAX_HITS, SentenceContext, degree, epoch_key, mask, metric_for, nearest,
                                       negated, subject_for)

_CLASSES = lx.Lexicon(lx.CLASSES)
_PROGRESS = re.compile(lx.en(r"reach\w*|rose|ris\w*|climb\w*|end\w*|finish\w*|improv\w*|increas\w*|went\s+up|got\s+to|"
                             r"final\w*") + r"|도달|올라|오르|증가|향상|기록|끝|최종", re.IGNORECASE)
_EPOCH_AFTER = re.compile(r"^\s*\(?\s*(?:(?:val(?:idation)?|training|train|test)\s+)?(?:accuracy|acc|loss)?\s*"
                          r"(?:after|at|in|by|on|during|for|of|from)?\s*(?:the\s+)?$", re.IGNORECASE)
_PREPROC_CUE = re.compile(r"255|" + lx.en(r"divid\w*|/\s?255|rescal\w*") + r"|나누|나눠", re.IGNORECASE)
_TRAIN_PREPROC_CUE = re.compile(lx.en(r"preprocess_input|preprocess\w*|as\s+(?:in|during)\s+training") + r"|전처리",
                                re.IGNORECASE)
DEFAULT_METRIC = {"fashion-transfer": "accuracy", "optimizers": "accuracy", "lr-schedules": "accuracy",
                  "dropout": "accuracy", "cats-dogs": "accuracy", "resnet50-top3": "probability"}
_NOT_FOR_NUMBERS = ("transfer", "adaptive", "others")
_COORD = re.compile(r"^\s*(?:and|or|&|,|/|와|과|및|,\s?and)?\s*$|^\s*(?:와|과|랑|이랑|하고)\s*$", re.IGNORECASE)
_GOVERN_BEFORE = re.compile(lx.en(r"reduc\w*|prevent\w*|mitigat\w*|avoid\w*|combat\w*|fight\w*|curb\w*|lessen\w*|"
                                  r"limit\w*|made|make|makes|worsen\w*|increas\w*|decreas\w*|caus\w*")
                            + r"[\s\w]{0,20}$", re.IGNORECASE)
_GOVERN_AFTER = re.compile(r"^[\s\w]{0,3}?(?:을|를|이|가|은|는|도)?\s?(?:줄|감소|완화|방지|막|억제|예방|해소|늘|증가|심해|악화)"
                           r"|^\s(?:is|was|were|got|gets)?\s?(?:reduc|decreas|prevent|mitigat|wors|increas)",
                           re.IGNORECASE)
_WORSE = re.compile(lx.en(r"worse|increas\w*|caus\w*|more") + r"|늘|증가|심해|악화", re.IGNORECASE)
_SPEED_CONTEXT = re.compile(lx.en(r"first\s+(?:few\s+|two\s+|couple\s+of\s+)?epochs|early|earl(?:y|ier)\s+epochs")
                            + r"|초반|처음", re.IGNORECASE)
_EARLIER_VERSION = re.compile(lx.en(r"at\s+first|initially|originally|my\s+first\s+version|before\s+(?:I\s+)?"
                                    r"(?:fixed|changed|moved|rewrote)") + r"|처음에는|원래는|수정\s?전|처음\s?코드",
                              re.IGNORECASE)
_SCHEDULE_KEYS = ("power", "exponential", "piecewise", "performance", "1cycle")
_SPEED_WORDS = re.compile(lx.en(r"fast\w*|quick\w*|slow\w*|converg\w*|speed") + r"|빠르|빨리|빨랐|느리|느렸|수렴|속도",
                          re.IGNORECASE)


def _epoch_for(ctx: SentenceContext, n: Number, a: int, b: int) -> str | None:
    """The epoch a number belongs to: one right after it with a preposition ("90% after the first epoch",
    "0.01 at epoch 13"), else the nearest one before it in its clause ("첫 에포크 후 88.4%", "25 에포크 후 약
    0.0019"), else the previous clause's in a list ("..., and RMSProp 84.0%") unless this clause moves on."""
    inside = [e for e in ctx.epochs if a <= e[1] and e[2] <= b]
    after = [e for e in inside if e[1] >= n.end]
    if after and _EPOCH_AFTER.match(ctx.text[n.end:after[0][1]]):
        return epoch_key(after[0], ctx.text)
    before = [e for e in inside if e[2] <= n.start]
    if before:
        return epoch_key(before[-1], ctx.text)
    clause = ctx.text[a:b]
    if lx.FINAL_WORD.search(clause):
        return "last"
    if _PROGRESS.search(clause):
        return None
    earlier = [e for e in ctx.epochs if e[2] <= a]
    if earlier:  # a list of values at one epoch: the epoch's clause itself holds a value
        e0, e1 = ctx.clause_of(earlier[-1][1])
        listed = any(e0 <= m.start < e1 and m.unit not in ("epoch", "count") for m in ctx.numbers)
        if listed and not any(lx.FINAL_WORD.search(ctx.text[c0:c1]) for c0, c1 in ctx.clauses if e1 <= c0 < a):
            return epoch_key(earlier[-1], ctx.text)
    return ctx.heading.get("epoch")


def numbers(ctx: SentenceContext, lab: str | None) -> list[Claim]:
    """Every value number with its metric, subject, split and epoch (epoch numbers, counts, ranks, formulas skipped)."""
    out = []
    for n in ctx.numbers:
        if n.unit in ("epoch", "count", "rank") or n.formula:
            continue
        a, b = ctx.clause_of(n.start)
        clause = ctx.text[a:b]
        metric = metric_for(ctx, n.start, n.end)
        subject = subject_for(ctx, n.start, n.end, exclude=_NOT_FOR_NUMBERS, objects=False)
        if metric == "lr" and n.unit in ("pct", "pp"):
            metric = None  # "SGD with lr=0.001 ended at 86.5%": a percentage is never the learning rate
        if n.unit == "ratio":
            metric = "ratio"
        elif n.unit == "sec":
            metric = "time"
        elif n.unit == "sci" and metric is None:
            metric = "lr"
        elif metric is None and lab == "lr-schedules" and subject and n.unit in ("fraction", "plain") and n.value < 0.5:
            metric = "lr"  # "0.01에서 0.00063까지 떨어졌다" under a schedule: a learning rate
        elif metric is None and n.unit == "pct" and (subject or lab in ("dropout", "cats-dogs")):
            metric = DEFAULT_METRIC.get(lab)  # "Model B: 97.85%": the lab's main metric
        elif metric is None and lab == "resnet50-top3" and subject and n.unit in ("fraction", "pct"):
            metric = "probability"  # "tabby: 0.568"
        if metric == "error_rate" and n.unit == "pct" and lx.REDUCTION.search(clause) and not lx.FROM_TO.search(clause):
            metric = "reduction"  # "35% fewer errors", "오차가 35% 감소"
        split = nearest([h for h in ctx.splits if not _compared_with(ctx, h)], n.start, n.end, a, b)
        split = split.key if split else (
            ([h.key for h in ctx.splits if h.end <= n.start] or [None])[-1] or ctx.inherited.get("split")
            or ctx.heading.get("split"))
        hedged = bool(lx.HEDGE.search(ctx.text[max(a, n.start - 14):min(b, n.end + 8)]))
        value = n.value
        if n.unit == "plain" and metric in ("accuracy", "error_rate", "probability"):
            if "." not in ctx.text[n.start:n.end] or not 1 < n.value <= 100:
                continue  # an integer next to "accuracy" is a count or an epoch, not a result
            value = n.value / 100
        out.append(ctx.claim("number", metric, n.start, value=value, unit=n.unit, subject=subject, split=split,
                             epoch=_epoch_for(ctx, n, a, b), hedged=hedged))
    out += _error_pairs(ctx, out)
    return out


def _compared_with(ctx: SentenceContext, hit) -> bool:
    """A split named as what something is compared with ("... than validation", "검증 정확도보다"): it is the
    object of the comparison, never the split of the number next to it."""
    return bool(lx.COMPARED_AFTER.match(ctx.text, hit.end) or lx.COMPARED_BEFORE.search(ctx.text[:hit.start]))


def _error_pairs(ctx: SentenceContext, nums: list[Claim]) -> list[Claim]:
    """'error rate from 2.7% to 1.75%' / '2.15% → 2.00%': the factor between the two levels."""
    out = []
    errs = [c for c in nums if c.key == "error_rate" and c.unit == "pct" and c.value and c.value > 0]
    for x, y in zip(errs, errs[1:]):
        if x.text == y.text and lx.FROM_TO.search(x.text) and x.value > y.value:
            out.append(replace(x, key="ratio", value=x.value / y.value, unit="derived"))
    return out


def stances(ctx: SentenceContext, lab: str | None) -> list[Claim]:
    """Over/underfitting and good-fit statements with negation and degree; "reduced overfitting" becomes an effect."""
    out = []
    for h in ctx.hits(lx.STANCE):
        a, b = ctx.clause_of(h.start)
        neg = negated(ctx.text, h.start, h.end, a, b, ctx.subjects)
        deg = degree(ctx.text, h.start, h.end, a, b)
        subject = subject_for(ctx, h.start, h.end, ("dropout", "no_dropout"))
        before, after = ctx.text[a:h.start], ctx.text[h.end:b]
        if h.key == "overfit" and (_GOVERN_BEFORE.search(before[-40:]) or _GOVERN_AFTER.search(after[:16])):
            worse = bool(_WORSE.search(before[-40:]) or _WORSE.search(after[:16]))
            key = ("no_gain" if neg else "hurt") if worse else ("no_gain" if neg else "gain")
            out.append(ctx.claim("effect", key, h.start, subject="dropout" if subject != "no_dropout" else subject,
                                 other="overfit", degree=deg, negated=neg, grounded=ctx.run_evidence))
            continue
        out.append(ctx.claim("stance", h.key, h.start, subject=subject, negated=neg, degree=deg))
    return out


def ranks(ctx: SentenceContext) -> list[Claim]:
    """Superlatives ("fastest", "가장 높았다") with their subject and the subjects coordinated with it."""
    out = []
    for h in ctx.hits(lx.RANK):
        a, b = ctx.clause_of(h.start)
        key = h.key
        if key.startswith("final") and _SPEED_CONTEXT.search(ctx.text[a:b]):
            key = key.replace("final", "speed")
        subs = [s for s in ctx.subjects if a <= s.start and s.end <= b]
        hit = nearest(subs, h.start, h.end, a, b, prefer_before=False)
        if hit is None:
            before = [s for s in ctx.subjects if s.end <= h.start]
            named = [before[-1].key] if before else ([ctx.heading["subject"]] if ctx.heading.get("subject") else [])
        else:
            named = [hit.key] + _coordinated(ctx.text, ctx.subjects, hit)
        neg = negated(ctx.text, h.start, h.end, a, b, ctx.subjects)
        for key_ in dict.fromkeys(named):
            out.append(ctx.claim("rank", key, h.start, subject=key_, negated=neg))
    return out


def _coordinated(text: str, subs: list[lx.Hit], hit: lx.Hit) -> list[str]:
    """Subjects joined to `hit` by and/,/와/과: 'Nadam and Adam converged fastest'."""
    out, i = [], subs.index(hit)
    for step in (-1, 1):
        j, cur = i + step, hit
        while 0 <= j < len(subs):
            left, right = (subs[j], cur) if step < 0 else (cur, subs[j])
            if not _COORD.match(text[left.end:right.start]) and not re.fullmatch(
                    r"\s*(?:이|가|은|는)?\s*(?:와|과|,|및|and)\s*", text[left.end:right.start], re.IGNORECASE):
                break
            out.append(subs[j].key)
            cur, j = subs[j], j + step
    return out


def compares(ctx: SentenceContext) -> list[Claim]:
    """Comparisons with "than"/"보다": which side, which way, speed or final result."""
    out = []
    for t in islice(lx.THAN.finditer(ctx.text), MAX_HITS):
        a, b = ctx.clause_of(t.start())
        clause_hits = [lx.Hit(h.key, h.start - a, h.end - a) for h in ctx.hits(lx.COMPARE, a, b)]
        if not clause_hits:
            continue
        subs = [s for s in ctx.subjects if a <= s.start and s.end <= b]
        korean = t.group(0)[0] in "보에대와과"
        if korean:  # "X보다": the subject just before
            right = ([s for s in subs if s.end <= t.start() and t.start() - s.end <= 12] or [None])[-1]
        else:       # "than X": the subject just after
            right = next((s for s in subs if s.start >= t.end() and s.start - t.end() <= 25), None)
        left = [s for s in subs if s is not right and s.key != (right.key if right else None)]
        cue = min(clause_hits, key=lambda h: abs(a + h.start - t.start()))
        if left:
            lk = min(left, key=lambda s: abs(s.start - (a + cue.start))).key
        else:
            before = [s for s in ctx.subjects if s.end <= a and (right is None or s.key != right.key)]
            lk = before[-1].key if before else None
        if lk is None and right is None:
            continue
        key = cue.key
        if key.startswith("final") and _SPEED_WORDS.search(ctx.text[a:b]):
            key = key.replace("final", "speed")
        gap = any(m.key == "gap" for m in ctx.metrics if a <= m.start < b)
        metric = "gap" if gap else metric_for(ctx, a + cue.start, a + cue.end)
        neg = negated(ctx.text, a + cue.start, a + cue.end, a, b, ctx.subjects)
        out.append(ctx.claim("compare", key, t.start(), subject=lk, other=right.key if right else None,
                             unit=metric, negated=neg, degree=degree(ctx.text, a + cue.start, a + cue.end, a, b)))
    return out


def effects(ctx: SentenceContext, lab: str | None) -> list[Claim]:
    """Whether an intervention (transfer, dropout) helped: effect words, or a metric moving the good/bad way."""
    out = []
    kinds = ("transfer", "B_on_A") if lab == "fashion-transfer" else ("dropout", "no_dropout") if lab == "dropout" \
        else ("transfer", "B_on_A", "dropout", "no_dropout")
    for h in ctx.hits(lx.EFFECT):
        a, b = ctx.clause_of(h.start)
        clause = ctx.text[a:b]
        if lx.RELATIVE.search(clause):
            continue  # "not that much of a difference" compares with another number, it does not deny the effect
        subject = subject_for(ctx, h.start, h.end, kinds)
        if subject is None:
            continue
        subject = {"B_on_A": "transfer"}.get(subject, subject)
        neg = h.key != "no_gain" and negated(ctx.text, h.start, h.end, a, b, ctx.subjects)
        key = "no_gain" if neg else h.key
        target = ("overfit" if ctx.hits(lx.STANCE, a, b) or any(m.key == "gap" for m in ctx.metrics if a <= m.start < b)
                  else "accuracy" if any(m.key == "accuracy" for m in ctx.metrics if a <= m.start < b) else None)
        out.append(ctx.claim("effect", key, h.start, subject=subject, other=target, negated=neg,
                             degree=degree(ctx.text, h.start, h.end, a, b), grounded=ctx.run_evidence))
    said = {ctx.clause_of(h.start) for h in ctx.hits(lx.EFFECT)}
    for a, b in ctx.clauses:  # "B_on_A의 오차율이 줄었다", "the gap shrank with dropout": a metric moved
        if (a, b) in said or lx.RELATIVE.search(ctx.text[a:b]):
            continue
        out += _moved(ctx, a, b, kinds)
    return out


def _moved(ctx: SentenceContext, a: int, b: int, kinds: tuple[str, ...]) -> list[Claim]:
    """An effect read from a metric's direction: accuracy up or error/loss/gap/overfitting down is a gain."""
    metrics = [m for m in ctx.metrics if a <= m.start < b and m.key in ("accuracy", "error_rate", "loss", "gap")]
    if ctx.hits(lx.STANCE, a, b):
        metrics.append(lx.Hit("gap", a, a))
    if not metrics or any(s.key == "train" for s in ctx.splits if a <= s.start < b):
        return []
    clause = mask(ctx.text, a, b, ctx.subjects)
    up, down = lx.UP.search(clause), lx.DOWN.search(clause)
    if bool(up) == bool(down):
        return []
    m = metrics[0]
    subject = subject_for(ctx, m.start, m.end, kinds)
    if subject is None:
        return []
    good = bool(up) == (m.key == "accuracy")
    hit = up or down
    neg = negated(ctx.text, a + hit.start(), a + hit.end(), a, b, ctx.subjects)
    key = "no_gain" if neg else "gain" if good else "hurt"
    return [ctx.claim("effect", key, a + hit.start(), subject={"B_on_A": "transfer"}.get(subject, subject),
                      other="overfit" if m.key == "gap" else "accuracy", negated=neg,
                      degree=degree(ctx.text, a + hit.start(), a + hit.end(), a, b), grounded=ctx.run_evidence)]


def shapes(ctx: SentenceContext) -> list[Claim]:
    """Learning-rate trajectory descriptors per schedule (words about other metrics are ignored)."""
    found: dict[str, list[tuple[int, str]]] = {}
    masked = mask(ctx.text, 0, len(ctx.text), ctx.subjects)  # "piecewise constant" names a schedule
    for a, b in ctx.clauses:
        clause = masked[a:b]
        metrics = {m.key for m in ctx.metrics if a <= m.start < b}
        about_lr = not metrics or "lr" in metrics
        hits = []
        for rx, name in ((lx.UP, "increase"), (lx.DOWN, "decrease")):
            for m in islice(rx.finditer(clause), MAX_HITS):
                if about_lr:
                    neg = negated(ctx.text, a + m.start(), a + m.end(), a, b, ctx.subjects)
                    hits.append((a + m.start(), "constant" if neg else name))
        for h in lx.SHAPE.find(clause)[:MAX_HITS]:
            if about_lr or h.key == "plateau":
                hits.append((a + h.start, h.key))
        for pos, name in hits:
            subject = subject_for(ctx, pos, pos + 1, _SCHEDULE_KEYS)
            if subject in _SCHEDULE_KEYS:
                found.setdefault(subject, []).append((pos, name))
    out = []
    for subject, hits in found.items():
        hits.sort()
        names = [n for _, n in hits]
        desc = set(names)
        if "increase" in desc and "decrease" in desc and names.index("increase") < len(names) - 1 - names[::-1].index(
                "decrease"):
            desc = (desc - {"increase", "decrease"}) | {"up_down"}
        out.append(ctx.claim("shape", "+".join(sorted(desc)), hits[0][0], whole=True, subject=subject,
                             descriptors=tuple(sorted(desc))))
    return out


def predictions(ctx: SentenceContext) -> list[Claim]:
    """The class predicted for the sample, and which preprocessing (training or /255) the sentence ties it to."""
    out = []
    classes = _CLASSES.find(ctx.text)[:MAX_HITS]
    for a, b in ctx.clauses:
        clause = ctx.text[a:b]
        inside = [h for h in classes if a <= h.start < b]
        if not inside or not (lx.PREDICT.search(clause) or lx.CORRECT.search(clause)):
            continue
        explicit = [h for h in inside if lx.AS_CLASS.search(ctx.text[max(a, h.start - 12):h.start])
                    or lx.AS_CLASS.search(ctx.text[h.end:min(b, h.end + 4)])]
        if explicit:
            predicted = explicit[-1].key
        elif len({h.key for h in inside}) == 1:
            predicted = inside[0].key
            if lx.WRONG.search(clause):
                predicted = "cat" if predicted == "dog" else "dog"
        else:
            continue
        neg = negated(ctx.text, inside[0].start, inside[-1].end, a, b, [])
        cues = [(m.start(), "div255") for m in _PREPROC_CUE.finditer(ctx.text)] + [
            (m.start(), "trained") for m in _TRAIN_PREPROC_CUE.finditer(ctx.text)]
        where = min(cues, key=lambda c: abs(c[0] - (a + b) / 2))[1] if cues else None
        out.append(ctx.claim("prediction", predicted, a, negated=neg, unit=where))
    return out


def calls(ctx: SentenceContext, nums: list[Claim]) -> list[Claim]:
    """Model built per call or once, second call fast or slow, and seconds tied to the first/second call."""
    if _EARLIER_VERSION.search(ctx.text):
        return []  # "처음에는 함수 안에서 만들었는데 ... 그래서 수정했다": the code before the student changed it
    out = []
    ords = lx.CALL_ORDINAL.find(ctx.text)[:MAX_HITS]
    for a, b in ctx.clauses:
        clause = ctx.text[a:b]
        for rx, key in ((lx.PER_CALL, "per_call"), (lx.ONCE, "once")):
            m = rx.search(clause)
            if m:
                neg = negated(ctx.text, a + m.start(), a + m.end(), a, b, [])
                flipped = {"per_call": "once", "once": "per_call"}[key] if neg else key
                out.append(ctx.claim("call", flipped, a + m.start()))
        if any(a <= o.start < b and o.key == "second" for o in ords):
            for rx, key in ((lx.FAST, "fast"), (lx.SLOW, "slow")):
                if rx.search(clause):
                    out.append(ctx.claim("call", key, a))
    for c in nums:
        if c.key == "time":
            a, b = c.start - ctx.base, c.end - ctx.base
            o = nearest([h for h in ords if a <= h.start < b], a, a, a, b) or nearest(ords, a, a, 0, len(ctx.text))
            out.append(replace(c, kind="call", key="time", other=o.key if o else None))
    return out


def concepts(ctx: SentenceContext, lab: str | None) -> list[Claim]:
    """Explanations: why preprocess_input matters, why prediction preprocessing must match training."""
    t, out = ctx.text, []
    if lab in (None, "resnet50-top3") and lx.PREPROCESS.search(t):
        if lx.NOT_MATTER.search(t):
            out.append(ctx.claim("concept", "preprocessing_resnet", 0, whole=True, negated=True))
        elif lx.REASON_RESNET.search(t):
            out.append(ctx.claim("concept", "preprocessing_resnet", 0, whole=True))
    if lab in (None, "cats-dogs") and (lx.PREPROCESS.search(t) or "255" in t) and lx.MATCH_TRAINING.search(t) and (
            re.search(r"train|학습|훈련|255|-1", t, re.IGNORECASE)):
        out.append(ctx.claim("concept", "preprocessing_match", 0, whole=True, negated=bool(lx.NOT_MATTER.search(t))))
    return out


def onecycle(ctx: SentenceContext, block: dict) -> list[Claim]:
    """1cycle explained (up, then down) anywhere in one paragraph or list that names it."""
    block["named"] = block.get("named") or any(h.key == "1cycle" for h in ctx.subjects) \
        or ctx.heading.get("subject") == "1cycle"
    block["up"] = block.get("up") or bool(lx.UP.search(ctx.text))
    block["down"] = block.get("down") or bool(lx.DOWN.search(ctx.text))
    if block["named"] and block["up"] and block["down"] and not block.get("done"):
        block["done"] = True
        return [ctx.claim("concept", "onecycle", 0, whole=True, subject="1cycle")]
    return []
