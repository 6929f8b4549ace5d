"""The value a claim extractor returns: one thing a written analysis asserts (see `claims`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One thing the text asserts.

    Attributes:
        kind: ``number``, ``stance``, ``rank``, ``compare``, ``effect``, ``shape``, ``label``,
            ``prediction``, ``call`` or ``concept``.
        key: the category: a metric for numbers (``accuracy``, ``error_rate``, ``lr``,
            ``probability``, ``ratio``, ``reduction``, ``time``... or None); ``overfit`` /
            ``underfit`` / ``good_fit`` for stances; ``speed_best`` ... for ranks; ``final_more``
            ... for comparisons; ``gain`` / ``no_gain`` / ``hurt`` for effects; the class label for
            labels/predictions; ``per_call`` / ``once`` / ``fast`` / ``slow`` / ``time`` for calls;
            the concept id for concepts; for shapes the descriptors joined by "+".
        start: offset of the sentence in `Extraction.text`.
        end: offset after the sentence.
        text: the clause the claim was read from (what an instructor is shown).
        value: the number (fraction for percentages, factor for ratios, seconds), when any.
        unit: the number's unit (see `numbers.Number`).
        subject: what it is about: ``A``/``B``/``B_on_A``/``transfer``, an optimizer or schedule,
            ``dropout``/``no_dropout``, ``label:<name>``, ``adaptive``/``others``; None: unnamed.
        other: a comparison's other side; a call claim's ordinal (``first``/``second``).
        split: ``train``, ``val`` or ``test``, when said.
        epoch: ``first``, ``last`` or an epoch number as text, when said.
        degree: ``slight`` or ``strong``, when qualified.
        negated: the clause negates it ("no overfitting", "과적합은 없었다").
        hedged: approximate ("about 88%", "약 88%", "~하는 것 같다").
        grounded: the sentence is about this run (a number, past tense, or "my run"/"그래프").
        cited: the clause attributes it to the lecture/book ("the lecture reports 4x").
        example: the clause gives an example ("e.g. 0.1 for 5 epochs").
        hypothetical: conditional or counterfactual ("would", "if", "~하면").
        generic: the sentence states a general rule ("usually", "일반적으로").
        descriptors: a shape claim's descriptors (``increase``, ``decrease``, ``up_down``, ``steps``,
            ``smooth``, ``plateau``, ``constant``).
    """

    kind: str
    key: str | None
    start: int
    end: int
    text: str
    value: float | None = None
    unit: str | None = None
    subject: str | None = None
    other: str | None = None
    split: str | None = None
    epoch: str | None = None
    degree: str | None = None
    negated: bool = False
    hedged: bool = False
    grounded: bool = False
    cited: bool = False
    example: bool = False
    hypothetical: bool = False
    generic: bool = False
    descriptors: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Not the lecture's, not an example, not hypothetical: the student's own statement."""
        return not (self.cited or self.example or self.hypothetical)
