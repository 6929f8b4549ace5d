"""Identical run results as evidence: figures (PNG sha256) and non-trivial cell outputs.

The outputs and figures in ``execution.json`` come from the grader's own run of the submission,
not from the student's notebook, so two identical ones mean two runs that computed exactly the
same thing. Honest students share some of that (the same sample image, the shapes of the same
data set, a seeded run of the lecture's own code), so an item counts only when:

- it is substantial: a figure that is not blank, or an output that still has at least
  `MIN_MEASURED` measured numbers (decimals to three places or more: losses, accuracies,
  probabilities) after timings, progress bars, ANSI colours, memory addresses and framework log
  lines are removed (shapes, counts and messages are not evidence);
- its cell has code of the student's own (a code fingerprint left after boilerplate and
  class-common passages are removed; decided in `harness.integrity.compare`): a figure of
  the lecture's plotting cell run on the lecture's data is the same for everyone;
- it is not common to the class (the same rule as for code and prose).

Even then the channel is weighted down in the combined score (`Settings.output_weight`), so
identical results alone never reach the default threshold: they corroborate copied code or
prose, they do not accuse.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from harness.integrity.corpus import SubmissionText

MIN_MEASURED = 3
"""Measured numbers (three or more decimals) an output needs to count."""
MIN_CHARS = 40
"""Characters a normalised output needs to count."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_LOG_LINE = re.compile(r"^\s*(?:WARNING|INFO|DEBUG|[IWE]\d{4} |\S*Warning\b|warnings\.warn)|Warning:", re.IGNORECASE)
_VOLATILE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:ms|us|µs|ns|s)(?:/(?:step|sample|epoch))?\b"  # timings
    r"|\bETA:?\s*\S+"
    r"|\b0x[0-9a-fA-F]{4,}\b"                                             # object addresses
    r"|[━═=>.\-_]{4,}"                                                     # progress bars
    r"|(?:/tmp|/var|/home)/\S*"                                            # private paths
)
_MEASURED = re.compile(r"\d\.\d{3,}")
_SPACE = re.compile(r"\s+")


@dataclass
class OutputItem:
    """One figure or one substantial output of a submission's run.

    Attributes:
        kind: ``"figure"`` or ``"output"``.
        cell: index of the cell that produced it.
        digest: the figure's PNG sha256, or the sha256 of the normalised output text.
        label: how the reports name it (``figure 2``, ``output of cell 7``).
        excerpt: the start of the normalised output (empty for figures).
    """

    kind: Literal["figure", "output"]
    cell: int
    digest: str
    label: str
    excerpt: str = ""


def normalise_output(text: str) -> str:
    """A cell's output without what differs between identical runs (timings, bars, addresses, logs)."""
    lines = []
    for line in _ANSI.sub("", text).replace("\r\n", "\n").split("\n"):
        line = line.rsplit("\r", 1)[-1]  # a progress bar redrawn with \r: its final state
        if _LOG_LINE.search(line):
            continue
        line = _SPACE.sub(" ", _VOLATILE.sub(" ", line)).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def is_substantial(normalised: str) -> bool:
    """True when a normalised output carries enough measured values to be evidence."""
    return len(normalised) >= MIN_CHARS and len(_MEASURED.findall(normalised)) >= MIN_MEASURED


def run_evidence(text: SubmissionText) -> list[OutputItem]:
    """The submission's non-blank figures and substantial outputs, one item per distinct digest."""
    items: list[OutputItem] = []
    seen: set[str] = set()
    for fig in text.figures:
        if not fig.blank and fig.sha256 not in seen:
            seen.add(fig.sha256)
            items.append(OutputItem(kind="figure", cell=fig.cell, digest=fig.sha256, label=f"figure {fig.number}"))
    for cell in text.cells:
        if cell.kind != "code" or not cell.output:
            continue
        norm = normalise_output(cell.output)
        if not is_substantial(norm):
            continue
        digest = hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()
        if digest not in seen:
            seen.add(digest)
            items.append(OutputItem(kind="output", cell=cell.index, digest=digest, label=f"output of cell {cell.index}",
                                    excerpt=norm[:200]))
    return items
