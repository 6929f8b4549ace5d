"""One submission's fingerprints: code, prose and run evidence, each a set independent of order.

k-grams never span two units (a code cell; a sentence of the analysis), and a submission's
fingerprints are a set (hash -> where it occurs), so moving, splitting off or reordering cells
or sentences leaves every other fingerprint intact. The positions are kept only to draw the
shared passages in the side-by-side view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from harness.integrity.codetokens import code_tokens
from harness.integrity.corpus import SubmissionText
from harness.integrity.evidence import OutputItem, run_evidence
from harness.integrity.models import Settings
from harness.integrity.prosetokens import prose_tokens, sentences
from harness.integrity.winnow import kgram_hashes, winnow

Token = tuple[str, int, int]
Unit = tuple[int, list[Token]]
"""A fingerprinted unit: the notebook cell it sits in, and its tokens (offsets into that cell)."""


@dataclass
class Channel:
    """One kind of text of one submission (its code or its prose), tokenized and winnowed.

    Attributes:
        units: the notebook cell index of each fingerprinted unit (a code cell, a sentence).
        spans: per unit, the ``(start, end)`` characters of each of its tokens in the cell's source.
        prints: fingerprint hash -> every ``(unit, token position)`` where it was selected.
        tokens: tokens in all units, fingerprinted or not.
    """

    units: list[int] = field(default_factory=list)
    spans: list[list[tuple[int, int]]] = field(default_factory=list)
    prints: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    tokens: int = 0


@dataclass
class SubmissionPrint:
    """Everything compared about one submission.

    Attributes:
        text: the submission as read (cells, figures, notes), for the side-by-side view.
        code: its code cells' fingerprints.
        prose: its markdown cells' fingerprints.
        outputs: its non-trivial outputs and non-blank figures (eligibility against
            boilerplate is decided later, with the whole class).
    """

    text: SubmissionText
    code: Channel
    prose: Channel
    outputs: list[OutputItem]


def code_units(cells: Iterable[tuple[int, str]]) -> Iterator[Unit]:
    """One unit per code cell."""
    for index, source in cells:
        yield index, code_tokens(source)


def prose_units(cells: Iterable[tuple[int, str]]) -> Iterator[Unit]:
    """One unit per sentence of each markdown cell."""
    for index, source in cells:
        for sentence in sentences(source, prose_tokens(source)):
            yield index, sentence


def fingerprint_channel(units: Iterable[Unit], *, k: int, w: int) -> Channel:
    """Winnows each unit on its own.

    Args:
        units: ``(cell index, tokens)`` of one kind of text.
        k: tokens per k-gram.
        w: winnowing window.
    """
    ch = Channel()
    for index, toks in units:
        ch.tokens += len(toks)
        if len(toks) < k:
            continue
        unit = len(ch.units)
        ch.units.append(index)
        ch.spans.append([(s, e) for _, s, e in toks])
        for h, pos in winnow(kgram_hashes([t for t, _, _ in toks], k), w):
            ch.prints.setdefault(h, []).append((unit, pos))
    return ch


def all_kgrams(units: Iterable[Unit], *, k: int) -> set[int]:
    """Every k-gram hash of `units` (not winnowed): what boilerplate removes from submissions.

    Removing only the boilerplate's winnowed fingerprints would miss the k-grams that winnowing
    happened to select in a student's context but not in the boilerplate's.
    """
    hashes: set[int] = set()
    for _, toks in units:
        hashes.update(kgram_hashes([t for t, _, _ in toks], k))
    return hashes


def fingerprint_submission(text: SubmissionText, settings: Settings) -> SubmissionPrint:
    """Fingerprints one submission's code, prose and run evidence."""
    code = fingerprint_channel(code_units((c.index, c.source) for c in text.cells if c.kind == "code"),
                               k=settings.code_k, w=settings.code_w)
    prose = fingerprint_channel(prose_units((c.index, c.source) for c in text.cells if c.kind == "markdown"),
                                k=settings.prose_k, w=settings.prose_w)
    return SubmissionPrint(text=text, code=code, prose=prose, outputs=run_evidence(text))
