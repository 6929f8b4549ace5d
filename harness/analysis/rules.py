"""How each kind of fact is checked against the claims: agrees, contradicts, or not addressed.

One function per `Fact.kind`, each ``(fact, claims) -> (verdict, claims used, reason)``.
Common rules: only the student's own statements count (not the lecture's numbers, not
examples, not hypotheticals: `Claim.usable`); result facts count only claims about this
run (`Claim.grounded`; numbers always are), so a definition copied from the lecture
addresses nothing; when a fact has both agreeing and contradicting claims, the
contradiction wins (the text says something false about the run), except for numbers,
where one quoted value within tolerance is enough (a student may quote several epochs).
"""

from __future__ import annotations

from typing import Callable

from harness.analysis.claims import Claim
from harness.analysis.facts import Fact

AGREES, CONTRADICTS, NOT_ADDRESSED = "agrees", "contradicts", "not_addressed"
Result = tuple[str, list[Claim], str]
ERROR_FACTOR = 2.0   # near 100%, error rates more than 2x apart are different results even within tolerance
_GROUPS = ("adaptive", "others")


def _result(agree: list[Claim], contra: list[Claim], what: str) -> Result:
    if contra:
        return CONTRADICTS, contra + agree, what
    if agree:
        return AGREES, agree, what
    return NOT_ADDRESSED, [], "no statement about " + what


def close_accuracy(claimed: float, measured: float, tol: float) -> bool:
    """Within `tol`, and (beyond half a point) error rates within a factor of `ERROR_FACTOR`."""
    diff = abs(claimed - measured)
    if diff > tol + 1e-9:
        return False
    if diff <= 0.005:
        return True
    e1, e2 = 1 - claimed, 1 - measured
    return e1 > 0 and e2 > 0 and max(e1, e2) / min(e1, e2) <= ERROR_FACTOR


def _accuracy_value(c: Claim) -> float | None:
    """A claim's accuracy: quoted directly, or as an error rate (1 - error)."""
    if c.value is None or c.unit in ("pp", "ratio", "derived", "sec"):
        return None
    if c.key == "accuracy" and 0 < c.value <= 1:
        return c.value
    if c.key == "error_rate" and 0 <= c.value < 0.5:
        return 1 - c.value
    return None


def _epoch_ok(fact: Fact, c: Claim) -> bool:
    n = fact.params.get("epochs")
    if fact.epoch == "first":
        return c.epoch in ("first", "1")
    if c.epoch in (None, "last"):
        return True
    return n is not None and c.epoch == str(n)


def _own_number(c: Claim) -> bool:
    """A number the student states about this run (not the lecture's, an example, or a general rule)."""
    return c.kind == "number" and c.usable and not c.generic


def _subject_ok(fact: Fact, c: Claim) -> bool:
    if fact.subject is None:
        return c.subject in (None, "dropout")
    return c.subject == fact.subject


def _split_ok(fact: Fact, c: Claim) -> bool:
    if fact.splits == ("train",):
        return c.split == "train"
    return not fact.splits or c.split is None or c.split in fact.splits


def value(fact: Fact, claims: list[Claim]) -> Result:
    """One number (an accuracy of one model / epoch / split)."""
    measured = [fact.value] + list(fact.params.get("alternatives") or [])
    agree, off = [], []
    for c in claims:
        if not _own_number(c) or not _subject_ok(fact, c) or not _split_ok(fact, c) \
                or not _epoch_ok(fact, c):
            continue
        v = _accuracy_value(c) if fact.metric == "accuracy" else c.value
        if v is None:
            continue
        (agree if any(close_accuracy(v, m, fact.tolerance) for m in measured) else off).append(c)
    # Several epochs quoted for one split may include a right one; a split the student names
    # explicitly whose every number is wrong stays wrong, whatever another split's number says.
    agreeing_splits = {c.split for c in agree}
    wrong_split = [c for c in off if c.split is not None and c.split not in agreeing_splits]
    if wrong_split:
        return _result([], wrong_split, "the quoted value for that split")
    if agree:
        return AGREES, agree, "quoted value within tolerance"
    return _result([], off, "the quoted value")


def _subject_of(c: Claim) -> str | None:
    return c.subject.split(":", 1)[1] if c.subject and c.subject.startswith("label:") else c.subject


def values(fact: Fact, claims: list[Claim]) -> Result:
    """A number per subject (final accuracy per optimizer, probability per class)."""
    targets = {k.lower(): k for k in fact.value}
    alts = fact.params.get("alternatives") or {}
    per: dict[str, tuple[list[Claim], list[Claim]]] = {}
    for c in claims:
        subject = _subject_of(c)
        if not _own_number(c) or subject is None or subject.lower() not in targets:
            continue
        if c.epoch not in (None, "last") and not (fact.params.get("epochs") and c.epoch == str(fact.params["epochs"])):
            continue
        name = targets[subject.lower()]
        if fact.metric == "probability":
            if c.key not in (None, "probability") or c.value is None or not 0 < c.value <= 1 \
                    or c.unit not in ("fraction", "pct"):
                continue
            v, ok = c.value, lambda v, m: abs(v - m) <= fact.tolerance + 1e-9
        else:
            if not _split_ok(fact, c):
                continue
            v, ok = _accuracy_value(c), lambda v, m: close_accuracy(v, m, fact.tolerance)
            if v is None:
                continue
        measured = [fact.value[name]] + list(alts.get(name, []))
        good, bad = per.setdefault(name, ([], []))
        (good if any(ok(v, m) for m in measured) else bad).append(c)
    agree = [c for good, _ in per.values() for c in good]
    off = [c for good, bad in per.values() if not good for c in bad]
    return _result(agree, off, "quoted values per run")


def _result_claims(claims: list[Claim], kind: str, fact: Fact) -> list[Claim]:
    return [c for c in claims if c.kind == kind and c.usable and (c.grounded or not fact.needs_grounding)]


def ranking(fact: Fact, claims: list[Claim]) -> Result:
    """Which subject was best (fastest / highest final accuracy); ties within the fact's tolerance."""
    dim, tied, scores = fact.params["dimension"], set(fact.value), fact.params["scores"]
    agree, contra = [], []
    for c in _result_claims(claims, "rank", fact):
        if c.negated or c.subject not in scores:
            continue
        if c.key == f"{dim}_best":
            (agree if c.subject in tied else contra).append(c)
        elif c.key == f"{dim}_worst" and c.subject in tied and len(scores) > 2:
            contra.append(c)
    return _result(agree, contra, f"which was best ({dim})")


def _direction(c: Claim, subject: str) -> str | None:
    """'better' / 'worse' for `subject` from a comparison claim that involves it."""
    more = c.key.endswith("_more")
    if c.unit in ("error_rate", "loss", "gap"):
        more = not more
    if c.other == subject:
        more = not more
    elif c.subject != subject:
        return None
    if c.negated:
        return "worse_or_similar" if more else "better_or_similar"
    return "better" if more else "worse"


def comparison(fact: Fact, claims: list[Claim]) -> Result:
    """Plain SGD against the adaptive optimizers (or 'the others')."""
    subject, group = fact.subject, set(fact.params["group"]) | set(_GROUPS)
    agree, contra = [], []
    for c in _result_claims(claims, "rank", fact):
        if c.subject == subject and not c.negated:
            said = "better" if c.key.endswith("_best") else "worse"
            (agree if said == fact.value else contra).append(c)
    for c in _result_claims(claims, "compare", fact):
        pair = {c.subject, c.other}
        if subject not in pair or not (pair - {subject}) & group:
            continue
        said = _direction(c, subject)
        if said is None:
            continue
        ok = said == fact.value or (said.endswith("_or_similar") and fact.value in (said.split("_")[0], "similar"))
        if fact.value == "similar" and said in ("better", "worse"):
            ok = c.degree != "strong"
        (agree if ok else contra).append(c)
    return _result(agree, contra, "SGD against the adaptive optimizers")


def _fit_category(c: Claim) -> str | None:
    if c.key == "overfit":
        if c.negated:
            return "no_overfit"
        return {"slight": "overfit_slight", "strong": "overfit_strong"}.get(c.degree, "overfit")
    if c.key == "underfit":
        return "no_underfit" if c.negated else "underfit"
    if c.key == "good_fit" and not c.negated:
        return "good_fit"
    return None


def fit_state(fact: Fact, claims: list[Claim]) -> Result:
    """Over/underfitting of the main model: each stance must be one the measured gap accepts."""
    accept = set(fact.params["accept"])
    agree, contra = [], []
    for c in _result_claims(claims, "stance", fact):
        if c.subject == "no_dropout":
            continue
        cat = _fit_category(c)
        if cat is None:
            continue
        if cat == "overfit_slight" and "overfit_slight" not in accept and "overfit" in accept:
            cat = "overfit"
        (agree if cat in accept else contra).append(c)
    return _result(agree, contra, f"fit state ({fact.value})")


def _effect_category(c: Claim) -> str:
    if c.key == "gain":
        return {"strong": "gain_big", "slight": "gain_slight"}.get(c.degree, "gain")
    return c.key


def _accept_effect(cat: str, accept: set[str]) -> bool:
    if cat == "gain" and not ({"gain"} & accept) and "gain_big" in accept:
        return True
    return cat in accept


def effect(fact: Fact, claims: list[Claim]) -> Result:
    """Did transfer (or dropout) help: each stated effect must be one the measurement accepts."""
    accept = set(fact.params["accept"])
    intervention = fact.subject
    direct = [c for c in _result_claims(claims, "effect", fact) if c.subject == intervention
              and (intervention != "dropout" or c.other in ("overfit", None))]
    pairs = (("B_on_A", "B"),) if intervention == "transfer" else (("dropout", "no_dropout"),)
    derived: list[tuple[Claim, str]] = []
    for c in _result_claims(claims, "compare", fact):
        for treated, control in pairs:
            if {c.subject, c.other} == {treated, control} and (intervention != "dropout" or c.unit == "gap"):
                said = _direction(c, treated)
                if said in ("better", "worse"):
                    if intervention == "dropout":  # a larger gap with dropout is worse
                        said = "worse" if said == "better" else "better"
                    derived.append((c, "hurt" if said == "worse" else
                                    {"strong": "gain_big", "slight": "gain_slight"}.get(c.degree, "gain")))
    if intervention == "transfer":
        for c in claims:
            if _own_number(c) and c.key == "ratio" and c.value:
                r = c.value
                derived.append((c, "gain_big" if r >= 1.8 else "gain" if r >= 1.15 else "no_gain" if r >= 0.9
                                else "hurt"))
    else:
        for c in _result_claims(claims, "stance", fact):
            if c.subject == "no_dropout" and c.key == "overfit" and not c.negated:
                derived.append((c, "gain"))
    judged = [(c, _effect_category(c)) for c in direct] or derived
    agree = [c for c, cat in judged if _accept_effect(cat, accept)]
    contra = [c for c, cat in judged if not _accept_effect(cat, accept)]
    return _result(agree, contra, f"effect of {intervention} ({fact.value})")


def ratio(fact: Fact, claims: list[Claim]) -> Result:
    """The error-rate reduction factor ('1.5x fewer errors', '오차율이 1.7배 줄었다', '35% fewer errors')."""
    agree, contra = [], []
    for c in claims:
        if not _own_number(c) or c.value is None:
            continue
        if c.key == "ratio":
            r = c.value
        elif c.key == "reduction" and 0 < c.value < 1:
            r = 1 / (1 - c.value)
        else:
            continue
        (agree if abs(r - fact.value) <= fact.tolerance * fact.value else contra).append(c)
    if agree:
        return AGREES, agree, "reduction factor within tolerance"
    return _result([], contra, "the reduction factor")


def shape(fact: Fact, claims: list[Claim]) -> Result:
    """A schedule's learning-rate trajectory: shape words and learning-rate values."""
    good, bad = set(fact.params["agree"]), set(fact.params["contradict"])
    lr = fact.params["lr"]
    agree, contra = [], []
    for c in _result_claims(claims, "shape", fact):
        if c.subject != fact.subject:
            continue
        desc = set(c.descriptors)
        if desc & bad:
            contra.append(c)
        elif desc & good:
            agree.append(c)
    for c in claims:
        if _own_number(c) and c.key == "lr" and c.subject == fact.subject and c.value \
                and 0 < c.value < 1 and c.unit in ("fraction", "sci", "plain"):
            at = [lr[0]] if c.epoch in ("first", "1") else [lr[-1]] if c.epoch in ("last", str(len(lr))) else lr
            hit = any(abs(c.value - x) <= fact.tolerance * x for x in at)
            (agree if hit else contra).append(c)
    return _result(agree, contra, f"learning-rate shape ({fact.value})")


def labels(fact: Fact, claims: list[Claim]) -> Result:
    """The top-3 classes: named (at least two of them), and no other class called the top one."""
    wanted = {x.lower(): x for x in fact.value}
    top = fact.value[0].lower() if fact.value else None
    named = [c for c in claims if c.kind == "label" and c.key and c.key.lower() in wanted]
    contra = [c for c in claims if c.kind == "rank" and c.usable and c.key == "final_best" and not c.negated
              and _subject_of(c) and _subject_of(c).lower() in wanted and _subject_of(c).lower() != top]
    if contra:
        return CONTRADICTS, contra, "another class called the top prediction"
    if len({c.key.lower() for c in named}) >= min(2, len(wanted)):
        return AGREES, named, "top-3 classes named"
    return NOT_ADDRESSED, [], "top-3 classes not named"


def prediction(fact: Fact, claims: list[Claim]) -> Result:
    """The sample's predicted class (claims about the /255 input are about another experiment)."""
    agree, contra = [], []
    for c in claims:
        if c.kind == "prediction" and c.usable and not c.negated and c.unit != "div255":
            (agree if c.key == fact.value else contra).append(c)
    return _result(agree, contra, "sample prediction")


def call_cost(fact: Fact, claims: list[Claim]) -> Result:
    """Model built per call or once; speed of the second call; quoted seconds within `TIME_FACTOR`."""
    per_call = fact.value == "per_call"
    traced = fact.params.get("traced", True)
    agree, contra = [], []
    for c in claims:
        if c.kind != "call" or not c.usable:
            continue
        if c.key in ("per_call", "once"):
            if traced:
                (agree if (c.key == "per_call") == per_call else contra).append(c)
        elif c.key in ("fast", "slow") and traced:
            (agree if (c.key == "slow") == per_call else contra).append(c)
        elif c.key == "time" and c.value:
            measured = fact.params.get("first_s") if c.other == "first" else fact.params.get("second_s")
            if measured:
                ratio_ = max(c.value, measured) / max(min(c.value, measured), 1e-6)
                (agree if ratio_ <= fact.tolerance else contra).append(c)
    return _result(agree, contra, "cost of a second call")


def concept(fact: Fact, claims: list[Claim]) -> Result:
    """An explanation: present, and not denied ('preprocessing does not matter')."""
    mine = [c for c in claims if c.kind == "concept" and c.key == fact.value]
    return _result([c for c in mine if not c.negated], [c for c in mine if c.negated], "explanation")


RULES: dict[str, Callable[[Fact, list[Claim]], Result]] = {
    "value": value, "values": values, "ranking": ranking, "comparison": comparison, "fit_state": fit_state,
    "effect": effect, "ratio": ratio, "shape": shape, "labels": labels, "prediction": prediction,
    "call_cost": call_cost, "concept": concept,
}
