"""Markdown analysis as normalised word streams, Korean included.

Each word is Unicode-normalised (NFKC: full-width letters, compatibility jamo and decomposed
Hangul become ordinary syllables) and case-folded; punctuation and markdown syntax are not
words, so neither counts. Numbers become one ``#`` token: a copier who pastes someone's analysis
and updates the accuracies to their own run still matches word for word.

Korean is written in eojeol (space-separated units) that glue a stem to particles (josa: 이/가,
은/는, 을/를, 의, 에서, 으로...) and to verb or adjective endings (-다, -했다, -합니다, -되었다...).
Changing those is the cheapest paraphrase of a copied Korean sentence (``정확도가 높았다`` ->
``정확도는 높다``, ``나타나는데`` -> ``나타났는데``), so each Hangul word is reduced to a light stem:
the longest particle or ending from the closed lists below is removed (one syllable is always
kept), then the word is cut to its first `HANGUL_STEM` syllables (prefix stemming, the usual
light stemmer for agglutinative languages: it also absorbs tense and honorific infixes and the
endings the lists miss). Hangul attached to a number or to Latin text (``0.91이었다``,
``val_accuracy가``) is a particle or an ending and is dropped when the lists cover all of it.

The choice, over character n-grams of Hangul: the result is still a word stream, so one
n-gram is n words in both languages and one window size serves mixed Korean/English text; a
wrong split costs nothing because both sides of a comparison are split the same way; two
different words sharing a stem prefix (정확도/정확성) merge, which only matters inside a whole
k-gram of merged words. A morphological analyser (Kiwi, KoNLPy) would split more precisely but
brings a model or a JVM to a grader that must stay light.

Prose is fingerprinted per sentence (`sentences`), as code is per cell: a copier who reorders
sentences or paragraphs keeps every sentence's fingerprints.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import lru_cache

Token = tuple[str, int, int]
"""One normalised word: ``(text, start, end)``, with character offsets into the markdown source."""

MAX_WORD = 40
"""Longer runs of letters (base64, hashes, junk) are cut to this many characters."""
HANGUL_STEM = 2
"""Syllables kept of a Hangul word once its particle or ending is removed."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PIECE = re.compile(r"[\uac00-\ud7a3]+|\d+(?:[.,]\d+)*|[^\W\d_\uac00-\ud7a3]+")
_HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")

# Josa (particles); the longest one that matches is removed.
_JOSA = (
    "에서부터", "으로부터", "이라고는", "에서는", "에서도", "에게서", "으로는", "으로도", "이라고", "이라는", "라고는",
    "까지는", "부터는", "에게는", "보다는", "처럼", "만큼", "에서", "에게", "한테", "으로", "이나", "이며", "이고",
    "라고", "라는", "까지", "부터", "보다", "마다", "조차", "밖에", "하고", "에는", "에도", "와는", "과는", "로는",
    "로도", "이랑", "이다", "이는", "이", "가", "은", "는", "을", "를", "의", "에", "로", "와", "과", "도", "만",
    "랑", "나", "며",
)
# Frequent verb/adjective endings of analysis prose (plain, polite and written registers).
_ENDINGS = (
    "하였습니다", "되었습니다", "하였으며", "되었으며", "했습니다", "됐습니다", "하였는데", "되었는데", "하였다",
    "되었다", "하였고", "되었고", "합니다", "됩니다", "입니다", "했으며", "됐으며", "하면서", "되면서", "했는데",
    "하는데", "되는데", "이었습니다", "이었으며", "이었는데", "이었지만", "이었다", "이었고", "였지만", "었지만",
    "였습니다", "었습니다", "았습니다", "습니다", "했다", "됐다", "한다", "된다",
    "했고", "됐고", "하고", "되고", "하며", "되며", "하여", "되어", "해서", "돼서", "하는", "되는", "했던", "되던",
    "하게", "되게", "하지", "되지", "였다", "었다", "았다", "였고", "었고", "았고", "였으며", "었으며", "았으며",
    "하였으므로", "되었으므로", "했으므로", "됐으므로", "하므로", "되므로", "으므로", "므로", "이므로",
    "는다", "니다", "지만", "으며", "면서", "는데", "다",
)
_SUFFIXES = frozenset(_JOSA + _ENDINGS)
_SUFFIX_LENGTHS = tuple(sorted({len(x) for x in _SUFFIXES}, reverse=True))


@lru_cache(maxsize=1 << 16)
def korean_stem(word: str, *, attached: bool = False) -> str:
    """The stem of one Hangul word: its longest known particle or ending removed, one syllable kept.

    Args:
        word: a run of Hangul syllables (``정확도가``, ``감소하였다``).
        attached: the word follows a number or Latin text without a space (``0.91이었다``,
            ``loss가``): it is all particle or ending, and may be removed entirely.

    Returns:
        ``정확``, ``감소``: the first `HANGUL_STEM` syllables of what is left; ``""`` for an
        attached word that is only a suffix.
    """
    for n in _SUFFIX_LENGTHS:  # longest first
        if (len(word) > n or (attached and len(word) == n)) and word[-n:] in _SUFFIXES:
            return word[:-n][:HANGUL_STEM]
    return word[:HANGUL_STEM]


def normalise_word(raw: str, *, glued: bool = False) -> list[str]:
    """One run of letters and digits as normalised words (split where the script changes).

    Args:
        raw: the run as written.
        glued: the run follows a non-space character (``20%가``, ```model`은``): a leading
            Hangul particle or ending belongs to what came before.
    """
    text = unicodedata.normalize("NFKC", raw).casefold()
    words = []
    for n, piece in enumerate(_PIECE.findall(text)):
        if piece[0].isdigit():
            words.append("#")
        elif _HANGUL.match(piece):
            stem = korean_stem(piece, attached=n > 0 or glued)
            if stem:
                words.append(stem)
        else:
            words.append(piece[:MAX_WORD])
    return words


def prose_tokens(source: str) -> list[Token]:
    """The normalised words of one markdown cell (see the module docstring).

    Args:
        source: the cell's markdown as written.

    Returns:
        ``(word, start, end)`` tuples in order; offsets index `source` (the run a word came
        from, so every piece of ``val_accuracy가`` points at its own characters' run).
    """
    out: list[Token] = []
    for match in _WORD.finditer(source):
        glued = match.start() > 0 and not source[match.start() - 1].isspace()
        for word in normalise_word(match.group(0), glued=glued):
            if out and word == "#" and out[-1][0] == "#":
                out[-1] = ("#", out[-1][1], match.end())  # "0.91 / 0.93" and "97 %" are one number slot
                continue
            out.append((word, match.start(), match.end()))
    return out


_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)|\n[ \t]*\n|\n[ \t]*(?:[-*+>#|]|\d+[.)])|^[ \t]*#[^\n]*(\n)",
                           re.MULTILINE)


def sentences(source: str, tokens: list[Token]) -> list[list[Token]]:
    """`tokens` of `source` grouped into sentences (ended by ``. ! ?``, a blank line, a list item or heading).

    Args:
        source: the markdown the tokens came from.
        tokens: its `prose_tokens`, in order.
    """
    ends = [m.start(1) if m.group(1) else m.start() for m in _SENTENCE_END.finditer(source)]
    groups: list[list[Token]] = []
    current: list[Token] = []
    for tok in tokens:
        if current:
            n = bisect_left(ends, current[-1][2])
            if n < len(ends) and ends[n] < tok[1]:  # a sentence end between the previous word and this one
                groups.append(current)
                current = []
        current.append(tok)
    if current:
        groups.append(current)
    return groups
