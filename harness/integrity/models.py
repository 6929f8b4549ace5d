"""The values of a similarity run and their JSON round-trip (``OUT/similarity.json``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harness.serialize import SchemaError, dumps, from_jsonable
from harness.untrusted import UntrustedDataError, read_bytes

SIMILARITY_SCHEMA = 1
REPORT_JSON = "similarity.json"
REPORT_HTML = "similarity.html"
MAX_REPORT_BYTES = 64 << 20


@dataclass
class Settings:
    """How texts are fingerprinted and pairs scored (the defaults are what the tests calibrate).

    Attributes:
        code_k: normalised code tokens per k-gram (noise threshold: shorter matches never count).
        code_w: winnowing window for code; any shared run of ``code_k + code_w - 1`` tokens is found.
        prose_k: words per k-gram of the written analysis.
        prose_w: winnowing window for prose.
        common_share: a fingerprint in more than this share of the class's submissions is
            boilerplate (the lecture's code everyone typed, the assignment's wording).
        common_min: ... and in at least this many submissions (a pair is never "the class").
        code_floor: smallest denominator of the code score, in fingerprints: a submission with
            almost no code of its own cannot score high on a few chance matches.
        prose_floor: the same for prose.
        output_floor: the same for identical outputs and figures (items).
        output_weight: weight of identical outputs/figures in the combined score (below 1:
            they corroborate, see `harness.integrity.evidence`).
        top: pairs kept in the report below the threshold too (highest first), for context.
        max_passages: shared passages kept per pair and channel for the side-by-side view.
    """

    code_k: int = 12
    code_w: int = 6
    prose_k: int = 5
    prose_w: int = 4
    common_share: float = 0.5
    common_min: int = 3
    code_floor: int = 40
    prose_floor: int = 20
    output_floor: int = 3
    output_weight: float = 0.3
    top: int = 20
    max_passages: int = 30


@dataclass
class Passage:
    """A passage two submissions share, located in each (character offsets into the cells' sources).

    Attributes:
        channel: ``"code"`` or ``"prose"``.
        a_cell: cell index in the first submission.
        b_cell: cell index in the second submission.
        a_spans: ``[start, end]`` ranges of the shared text in the first submission's cell.
        b_spans: the same in the second's.
        tokens: tokens of the first submission's cell that the passage covers.
    """

    channel: Literal["code", "prose"]
    a_cell: int
    b_cell: int
    a_spans: list[list[int]] = field(default_factory=list)
    b_spans: list[list[int]] = field(default_factory=list)
    tokens: int = 0


@dataclass
class SharedOutput:
    """A figure or substantial output both submissions' runs produced, identically.

    Attributes:
        kind: ``"figure"`` or ``"output"``.
        digest: the PNG's sha256, or the normalised output's.
        a_label: what it is in the first submission (``figure 2``, ``output of cell 7``).
        b_label: what it is in the second.
        excerpt: the start of the normalised output (empty for figures).
    """

    kind: Literal["figure", "output"]
    digest: str
    a_label: str
    b_label: str
    excerpt: str = ""


@dataclass
class PairScore:
    """How similar two submissions of the same lab are, per kind of evidence and combined.

    Scores are in [0, 1]: for code and prose, the weighted fingerprints the two share divided
    by the smaller submission's own fingerprints (boilerplate and class-common ones removed;
    at least the floor); for outputs, the shared items divided by the smaller count (at least
    the floor). `combined` is ``1 - (1 - code)(1 - prose)(1 - output_weight * outputs)``.

    Attributes:
        a: results folder of the first submission (the pair is ordered by folder name).
        b: results folder of the second.
        a_student: student id of the first (hostile text).
        b_student: student id of the second.
        lab: the lab both were graded against.
        code: code similarity.
        prose: similarity of the written analysis.
        outputs: identical substantial outputs and figures.
        combined: the ranking score.
        flagged: True when `combined` is at or above the run's threshold.
        shared_code: code fingerprints the two share (after boilerplate removal).
        shared_prose: prose fingerprints the two share.
        a_code: the first submission's own code fingerprints.
        b_code: the second's.
        a_prose: the first submission's own prose fingerprints.
        b_prose: the second's.
        shared_outputs: the identical figures and outputs.
        passages: the shared passages, largest first (flagged and top pairs only).
    """

    a: str
    b: str
    a_student: str
    b_student: str
    lab: str
    code: float
    prose: float
    outputs: float
    combined: float
    flagged: bool = False
    shared_code: int = 0
    shared_prose: int = 0
    a_code: int = 0
    b_code: int = 0
    a_prose: int = 0
    b_prose: int = 0
    shared_outputs: list[SharedOutput] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


@dataclass
class SubmissionSummary:
    """What was compared of one submission.

    Attributes:
        folder: results folder name.
        student_id: student id (hostile text).
        lab: lab id.
        file_name: the submitted file's name.
        code_tokens: normalised code tokens.
        prose_tokens: normalised words of the analysis.
        code_fingerprints: code fingerprints of its own (boilerplate and class-common removed).
        prose_fingerprints: prose fingerprints of its own.
        boilerplate_code: code fingerprints removed as the lecture's or the starter's.
        common_code: code fingerprints removed as common to the class.
        boilerplate_prose: prose fingerprints removed as the starter's.
        common_prose: prose fingerprints removed as common to the class.
        outputs: substantial outputs and figures that count as evidence.
        notes: what was capped while reading it.
    """

    folder: str
    student_id: str
    lab: str
    file_name: str
    code_tokens: int = 0
    prose_tokens: int = 0
    code_fingerprints: int = 0
    prose_fingerprints: int = 0
    boilerplate_code: int = 0
    common_code: int = 0
    boilerplate_prose: int = 0
    common_prose: int = 0
    outputs: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class SimilarityReport:
    """One similarity run over a results folder (``OUT/similarity.json``; instructor-only).

    Attributes:
        schema_version: version of this JSON layout.
        harness_version: version of labgrade that wrote it.
        created_at: ISO-8601 UTC time.
        out_name: the results folder's name.
        lab: the lab compared, or None for every lab in the folder (pairs never cross labs).
        threshold: combined score at and above which a pair is flagged.
        settings: fingerprinting and scoring parameters.
        boilerplate: where the excluded code and prose came from (lecture files, starter).
        submissions: every submission compared.
        pairs: flagged pairs, then the next highest up to `Settings.top`, highest first.
        problems: files that could not be read, and why (never fatal).
        candidate_pairs: pairs sharing at least one fingerprint or item (all were scored).
        seconds: wall time of the run.
    """

    harness_version: str
    created_at: str
    out_name: str
    threshold: float
    settings: Settings
    lab: str | None = None
    schema_version: int = SIMILARITY_SCHEMA
    boilerplate: list[str] = field(default_factory=list)
    submissions: list[SubmissionSummary] = field(default_factory=list)
    pairs: list[PairScore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    candidate_pairs: int = 0
    seconds: float = 0.0

    @property
    def flagged(self) -> list[PairScore]:
        """The pairs at or above the threshold, highest first."""
        return [p for p in self.pairs if p.flagged]

    def to_json(self) -> str:
        """Serialises to schema-versioned JSON."""
        return dumps(self)

    @classmethod
    def from_json(cls, text: str) -> "SimilarityReport":
        """Parses JSON written by `to_json`.

        Raises:
            SchemaError: not JSON, another schema version, or fields of the wrong type.
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise SchemaError(f"similarity.json is not JSON ({exc}); rerun `labgrade similarity OUT`.") from None
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != SIMILARITY_SCHEMA:
            raise SchemaError(f"similarity.json has schema_version={version!r}; this labgrade reads version "
                              f"{SIMILARITY_SCHEMA}. Rerun `labgrade similarity OUT`.")
        return from_jsonable(cls, data)


def load_similarity(out: Path, *, max_bytes: int = MAX_REPORT_BYTES) -> SimilarityReport | None:
    """The stored ``OUT/similarity.json``, or None when there is none (or it cannot be read).

    Args:
        out: the results folder.
        max_bytes: largest file read (never through a link).
    """
    path = Path(out) / REPORT_JSON
    if not os.path.lexists(path):
        return None
    try:
        return SimilarityReport.from_json(read_bytes(path, max_bytes=max_bytes).decode("utf-8"))
    except (OSError, UntrustedDataError, SchemaError, UnicodeDecodeError, ValueError):
        return None


def top_pairs(source: Path | SimilarityReport, *, n: int = 10, flagged_only: bool = False) -> list[PairScore]:
    """The most similar pairs, highest combined score first, for the class dashboard.

    Args:
        source: a results folder (its stored ``similarity.json`` is read) or a report.
        n: how many pairs at most.
        flagged_only: only the pairs at or above the run's threshold.

    Returns:
        Up to `n` pairs; empty when the folder has no similarity report.
    """
    report = source if isinstance(source, SimilarityReport) else load_similarity(Path(source))
    if report is None:
        return []
    pairs = sorted(report.pairs, key=lambda p: (-p.combined, p.a, p.b))
    if flagged_only:
        pairs = [p for p in pairs if p.flagged]
    return pairs[:max(0, n)]
