"""Hostile markdown in, plain sentences out: the text the claim extractor reads.

The analysis is whatever the student wrote in markdown cells: it may be a megabyte,
contain HTML and scripts, zero-width characters, full-width digits (``８８％``), or
100,000 digits in a row. Everything here is linear in the input: inputs are cut to
`MAX_INPUT_CHARS` before any work and to `MAX_ANALYSED_CHARS` after cleaning; the
regexes have bounded repetitions and no nested quantifiers; scripts and comments are
removed with ``str.find`` loops, not backtracking patterns.

Markdown structure matters to meaning: a heading gives context to the sentences under
it (``## Adam`` then "final accuracy 89%"), a table row is a sentence whose cells take
their meaning from the header ("| SGD | 86.5% |" under "| optimizer | val accuracy |"),
a bullet is a sentence even without a full stop.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

MAX_INPUT_CHARS = 1_000_000     # raw characters looked at, at all
MAX_ANALYSED_CHARS = 30_000     # cleaned characters analysed (a long lab report is ~5,000-10,000)
MAX_SENTENCE_CHARS = 1_200      # longer "sentences" (no punctuation) are cut into pieces
MAX_SENTENCES = 2_000

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
                                     "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_PUNCT_MAP = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                            "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u3000": " ", "\u3002": ". ",
                            "\u00d7": "x", "\u2192": "→", "\t": " "})
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ue000-\uf8ff\ufff0-\uffff]")
_TAG = re.compile(r"<[A-Za-z/!?][^<>]{0,300}>")
_LINK = re.compile(r"!?\[([^\[\]\n]{0,200})\]\([^()\n]{0,500}\)")
_EMPHASIS = re.compile(r"[*`]+|(?<![A-Za-z0-9])_{1,2}(?=\S)|(?<=\S)_{1,2}(?![A-Za-z0-9])")
_SPACES = re.compile(r"[ \f\v\r]{2,}")
_HEADING = re.compile(r"#{1,6}[ \t]+")
_BULLET = re.compile(r"(?:[-+*]|\d{1,3}[.)])[ \t]+")
_TABLE_SEP = re.compile(r"\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*){0,30}\|?[ \t]*")
# A sentence ends at . ! ? followed by space, unless the dot belongs to a common abbreviation.
_SENT_END = re.compile(r"(?<![ (]e\.g)(?<![ (]i\.e)(?<!\bvs)(?<!\betc)(?<!\bcf)(?<!\bFig)(?<!\bapprox)(?<!\bca)"
                       r"[.!?](?=[ ]+\S)")


@dataclass(frozen=True)
class Sentence:
    """One sentence (or bullet, table row, heading) of the prepared text.

    Attributes:
        start: offset of its first character in `Prepared.text`.
        end: offset after its last character.
        heading: the text of the nearest heading above it ("" when none).
        kind: ``text``, ``bullet``, ``table`` (a row rewritten as "cell, header value, ..."),
            ``heading`` or ``code``.
        block: index of the paragraph/list/table it belongs to.
    """

    start: int
    end: int
    heading: str
    kind: str
    block: int


@dataclass
class Prepared:
    """The cleaned text and its sentences.

    Attributes:
        text: cleaned text; all claim spans are offsets into it.
        sentences: sentences in order.
        truncated: True when the input was cut (see the caps at the top of this module).
        input_chars: characters received.
    """

    text: str
    sentences: list[Sentence] = field(default_factory=list)
    truncated: bool = False
    input_chars: int = 0


def _drop_blocks(text: str, opener: str, closer: str) -> str:
    """Remove ``opener ... closer`` blocks (case-insensitive) in linear time; an unclosed one runs to the end."""
    low = text.lower()
    out, pos = [], 0
    while True:
        i = low.find(opener, pos)
        if i < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:i])
        j = low.find(closer, i + len(opener))
        if j < 0:
            return "".join(out)
        pos = j + len(closer)


def clean(text: str) -> tuple[str, bool]:
    """Plain, NFKC-normalised text without HTML, scripts, zero-width characters or markdown emphasis.

    Returns:
        (cleaned text, whether anything was cut by the caps).
    """
    if not isinstance(text, str):
        text = str(text or "")
    truncated = len(text) > MAX_INPUT_CHARS
    text = text[:MAX_INPUT_CHARS]
    for opener, closer in (("<script", "</script>"), ("<style", "</style>"), ("<!--", "-->")):
        text = _drop_blocks(text, opener, closer)
    text = _TAG.sub(" ", text)
    if len(text) > 2 * MAX_ANALYSED_CHARS:  # cut early: the steps below expand at most a little (NFKC, entities)
        text, truncated = text[:2 * MAX_ANALYSED_CHARS], True
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_PUNCT_MAP)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    if len(text) > MAX_ANALYSED_CHARS:
        text, truncated = text[:MAX_ANALYSED_CHARS], True
    return text, truncated


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")[:32]]


def _table_row(header: list[str], row: list[str]) -> str:
    """'SGD, final val accuracy 86.5%': the first cell, then each other cell after its column header."""
    parts = [row[0]] if row else []
    for i, cell in enumerate(row[1:], start=1):
        if cell:
            head = header[i] if i < len(header) else ""
            parts.append(f"{head} {cell}".strip())
    return ", ".join(parts)


def prepare(text: str) -> Prepared:
    """Clean `text` and split it into sentences with their heading context."""
    cleaned, truncated = clean(text)
    out: list[str] = []
    sentences: list[Sentence] = []
    pos = 0
    heading = ""
    block = 0
    para: list[str] = []
    header: list[str] | None = None
    in_code = False

    def emit(chunk: str, kind: str) -> None:
        nonlocal pos
        chunk = chunk.strip()
        if not chunk or len(sentences) >= MAX_SENTENCES:
            return
        pieces = [chunk] if kind != "text" and kind != "bullet" else _split_sentences(chunk)
        for piece in pieces:
            for k in range(0, len(piece), MAX_SENTENCE_CHARS):
                part = piece[k:k + MAX_SENTENCE_CHARS]
                out.append(part)
                sentences.append(Sentence(pos, pos + len(part), heading, kind, block))
                pos += len(part) + 1
                out.append("\n")

    def flush() -> None:
        nonlocal para, block
        if para:
            emit(" ".join(para), "text")
            para = []
            block += 1

    for raw in cleaned.split("\n"):
        line = raw.strip()
        if line.startswith("```") or line.startswith("~~~"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            emit(line, "code")
            continue
        if not line:
            flush()
            header = None
            continue
        if line.startswith("|") or (header is not None and "|" in line):
            flush()
            if _TABLE_SEP.fullmatch(line):
                continue
            cells = _cells(line)
            if header is None:
                header = cells
                emit(", ".join(c for c in cells if c), "table")
            else:
                emit(_table_row(header, cells), "table")
            continue
        header = None
        m = _HEADING.match(line)
        if m:
            flush()
            heading = line[m.end():].strip()
            emit(heading, "heading")
            block += 1
            continue
        m = _BULLET.match(line)
        if m:
            flush()
            para = [line[m.end():]]
            emit(" ".join(para), "bullet")
            para = []
            continue
        if line.startswith(">"):
            line = line.lstrip("> ")
        para.append(line)
    flush()
    return Prepared("".join(out), sentences, truncated, len(text) if isinstance(text, str) else 0)


def _split_sentences(chunk: str) -> list[str]:
    out, start = [], 0
    for m in _SENT_END.finditer(chunk):
        out.append(chunk[start:m.end()])
        start = m.end()
    out.append(chunk[start:])
    return [s.strip() for s in out if s.strip()]
