"""Numbers in a sentence, with what their unit says they are.

``88%``, ``88 %``, ``88퍼센트``, ``0.88``, ``1.45%p``, ``4.9x``, ``4배``, ``네 배``,
``a factor of four``, ``3.87 s``, ``1.12초``, ``1e-3``... Full-width digits were made
ASCII by NFKC before this runs. The scanner is linear: the digit runs have bounded
lengths and a run of 100,000 digits yields at most one (discarded) candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number: digits (or 1,234 groups), an optional decimal part, an optional exponent.
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,9})(?:\.\d{1,9})?(?:[eE][-+]?\d{1,3})?(?![\d])")
_UNIT = re.compile(
    r"\s?(?P<pp>%\s?p(?![a-z])|%\s?포인트|퍼센트\s?포인트|percentage\s+points?|pp(?![a-z])|points?(?![a-z])|포인트)"
    r"|\s?(?P<pct>%|퍼센트|percent|프로(?![가-힣]))"
    r"|\s?(?P<ratio>x(?![A-Za-z0-9])|배|times(?![a-z])|-?fold(?![a-z]))"
    r"|\s?(?P<ms>ms(?![a-z])|밀리초)"
    r"|\s?(?P<sec>s(?![a-z])|secs?(?![a-z])|seconds?(?![a-z])|초(?!반|기|과))"
    r"|\s?(?P<min>min(?:utes?)?(?![a-z])|분(?=\s|$|[.,)]|이|가|정도))"
    r"|\s?(?P<epoch>(?:st|nd|rd|th)?\s?(?:번째\s?)?(?:epochs?|에포크|에폭))"
    r"|(?P<rank>위|순위|등(?!급|분)|번째|st(?![a-z])|nd(?![a-z])|rd(?![a-z])|th(?![a-z]))"
    r"|\s?(?P<count>images?|장|개|samples?|classes|클래스|layers?|층|units?|neurons?|px|pixels?|"
    r"명|번(?!째)|회|steps?|스텝|batch(?:es)?|배치|seeds?|시드)",
    re.IGNORECASE)
_PREFIX_RATIO = re.compile(r"(?:factor\s+of|x|×)\s?(?:about|around|roughly|approximately|nearly|almost|~)?\s?$",
                           re.IGNORECASE)
_WORD_RATIO = re.compile(
    r"(?<![A-Za-z])(?:(?:a\s+)?factor\s+of\s+(?P<w1>two|three|four|five|six|seven|eight|nine|ten)|"
    r"(?P<w2>two|three|four|five|six|seven|eight|nine|ten)[\s-](?:times|fold)|(?P<twice>twice))(?![A-Za-z])"
    r"|(?P<k>두|세|네|다섯|여섯|일곱|여덟|아홉|열)\s?배",
    re.IGNORECASE)
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
_FORMULA = set("/^*+=<>")


@dataclass(frozen=True)
class Number:
    """One number found in a sentence.

    Attributes:
        value: the number as written, unit applied: percent and percentage points divided
            by 100, milliseconds and minutes converted to seconds.
        unit: ``pct``, ``pp`` (percentage points), ``ratio``, ``sec``, ``epoch``, ``count``, ``rank`` (1위, 2nd),
            ``sci`` (1e-3), ``fraction`` (0 < x < 1 written as a decimal), ``plain``.
        start: offset in the sentence.
        end: offset after the number and its unit.
        formula: True when it sits between math operators (a constant in a formula, not a result).
    """

    value: float
    unit: str
    start: int
    end: int
    formula: bool = False


def scan(sentence: str) -> list[Number]:
    """Every number in `sentence` with its unit (epoch numbers and counts included, marked as such)."""
    out: list[Number] = []
    for m in _NUMBER.finditer(sentence):
        raw = m.group(0)
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        start, end = m.start(), m.end()
        if start > 0 and sentence[start - 1].isalpha() and not "\uac00" <= sentence[start - 1] <= "\ud7a3":
            continue  # "η0", "x1": an index of a symbol (Hangul before a number is a word: "정확도88%")
        if start > 0 and sentence[start - 1] == "-" and (start < 2 or not sentence[start - 2].isalnum()):
            value, start = -value, start - 1
        unit = "sci" if "e" in raw.lower() else ("fraction" if "." in raw and abs(value) < 1 else "plain")
        u = _UNIT.match(sentence, end)
        if u and u.end() > end:
            kind = u.lastgroup
            end = u.end()
            if kind in ("pct", "pp"):
                value, unit = value / 100, kind
            elif kind == "ms":
                value, unit = value / 1000, "sec"
            elif kind == "min":
                value, unit = value * 60, "sec"
            else:
                unit = kind
        elif end < len(sentence) and sentence[end].isascii() and sentence[end].isalpha():
            continue  # "1cycle", "3rd-party": a number glued to a word is part of the word
        if unit not in ("ratio",) and _PREFIX_RATIO.search(sentence, max(0, start - 26), start):
            unit = "ratio"
        before = sentence[max(0, start - 2):start].strip()
        after = sentence[end:end + 2].strip()
        # "val_accuracy = 0.912" assigns a value; "η0 / (1 + t/s)" and "0.1^(t/s)" are formulas
        formula = bool((before and before[-1] in _FORMULA and before[-1] != "=") or (after and after[0] in _FORMULA))
        out.append(Number(value, unit, start, end, formula))
    for m in _WORD_RATIO.finditer(sentence):
        word = m.group("w1") or m.group("w2") or m.group("k")
        value = 2.0 if m.group("twice") else float(_WORDS[word.lower()])
        out.append(Number(value, "ratio", m.start(), m.end()))
    out.sort(key=lambda n: n.start)
    return out
