"""Code cells as normalised token streams: what stays the same when a copier renames and reformats.

Python's own `tokenize` reads each cell; the stream keeps the program's shape and drops what a
copier changes cheaply:

- user-chosen identifiers (variables, functions, parameters, import aliases) become ``V``;
- literals become ``N`` (numbers) and ``S`` (strings, f-strings and docstrings; adjacent
  strings count once);
- comments, blank lines, indentation and line continuations disappear; a statement end
  (newline or ``;``) is one ``;`` token.

Names a copier cannot change without breaking the code stay as written, because they make a
shared passage specific instead of generic: keywords, builtins (``print``, ``range``), attribute
names after a dot (``.fit``, ``layers.Dense``), keyword-argument names inside a call
(``epochs=``, ``validation_data=``) and module paths in import statements.

Notebook cells are not pure Python: IPython line magics (``%matplotlib inline``), shell escapes
(``!pip install``, ``x = !ls``) and help lines (``obj?``) are blanked before tokenizing (same
length, so offsets into the cell stay exact); a cell magic other than ``%%time``/``%%timeit``/
``%%capture``/``%%writefile`` (``%%bash``, ``%%html``...) is not Python and gives no tokens.
A syntax error never loses the cell: tokenizing resumes on the line after the error (a bounded
number of times), so a notebook with a broken cell still has the rest of its tokens.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize

Token = tuple[str, int, int]
"""One normalised token: ``(text, start, end)``, with character offsets into the cell's source."""

MAX_RESTARTS = 200
"""How many times one cell may resume after a tokenize error before the rest of it is dropped."""

_BUILTINS = frozenset(dir(builtins)) - {"_"}
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "writefile", "prun", "debug"})
_MAGIC_LINE = re.compile(r"^[ \t]*(?:%|!|\?)[^\n]*$|^[^\n#'\"]*=[ \t]*(?:!|%)[^\n]*$|^[ \t]*[\w.]+\?\??[ \t]*$",
                         re.MULTILINE)
_SKIP = frozenset({tokenize.ENCODING, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT, tokenize.NL,
                   tokenize.COMMENT})
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python >= 3.12 splits f-strings into parts
_FSTRING_END = getattr(tokenize, "FSTRING_END", -2)


def blank_magics(source: str) -> str | None:
    """`source` with IPython magics, shell escapes and help lines replaced by spaces.

    Returns:
        The blanked text (same length as `source`), or None when the cell starts with a cell
        magic whose body is not Python (``%%bash``, ``%%html``, ``%%javascript``...).
    """
    head = source.lstrip()
    if head.startswith("%%"):
        name = head[2:].split(None, 1)[0] if head[2:].strip() else ""
        if name not in _PYTHON_CELL_MAGICS:
            return None
    return _MAGIC_LINE.sub(lambda m: " " * len(m.group(0)), source)


def code_tokens(source: str) -> list[Token]:
    """The normalised tokens of one code cell (see the module docstring), never raising.

    Args:
        source: the cell's text as the student wrote it.

    Returns:
        ``(text, start, end)`` tuples in source order; offsets index `source`.
    """
    text = blank_magics(source)
    if text is None or not text.strip():
        return []
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out: list[Token] = []
    first = 0  # index into `lines` where the current tokenize pass starts
    for _ in range(MAX_RESTARTS + 1):
        if first >= len(lines):
            break
        resume = _tokenize_from(lines, first, starts, out)
        if resume is None:
            break
        first = max(resume, first + 1)
    return out


def _tokenize_from(lines: list[str], first: int, starts: list[int], out: list[Token]) -> int | None:
    """Tokenizes ``lines[first:]`` into `out`; returns the line index to resume at after an error, else None."""
    reader = io.StringIO("".join(lines[first:])).readline
    state = _State(out)
    last_row = 0
    base = starts[first - 1:] if first else [0] + starts  # base[row] = offset of the chunk's line `row` (1-based)
    end = starts[-1]
    try:
        for tok in tokenize.generate_tokens(reader):
            (row, col), (erow, ecol) = tok.start, tok.end
            last_row = row
            if erow >= len(base):  # ENDMARKER / the final NEWLINE sit one line past the text
                state.feed(tok, end, end)
                continue
            state.feed(tok, base[row] + col, base[erow] + ecol)
        return None
    except tokenize.TokenError as exc:
        # ("EOF in multi-line string", (row, col)) points at the string's start: resume after it.
        pos = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], tuple) else (last_row, 0)
        return first + max(int(pos[0]), 1)
    except IndentationError as exc:  # the offending line starts the next pass (its indent becomes the base)
        return first + max(int(exc.lineno or last_row or 1) - 1, 0)
    except (SyntaxError, ValueError, RecursionError) as exc:
        row = getattr(exc, "lineno", None) or last_row or 1
        return first + int(row)


class _State:
    """Normalisation context carried along one tokenize pass."""

    def __init__(self, out: list[Token]) -> None:
        self.out = out
        self.depth = 0            # bracket nesting: a name followed by '=' inside a call is a keyword argument
        self.in_import = False    # inside an import statement: module paths keep their names
        self.after_as = False
        self.prev = ""            # previous significant source token (raw text)
        self.last_name = ""       # raw text of the last NAME emitted as V
        self.fstring = 0          # nesting of Python 3.12 f-string parts
        self.fstart = 0

    def emit(self, text: str, start: int, end: int) -> None:
        if text == "S" and self.out and self.out[-1][0] == "S":
            self.out[-1] = ("S", self.out[-1][1], end)  # implicit concatenation counts once
            return
        if text == ";" and (not self.out or self.out[-1][0] == ";"):
            return
        self.out.append((text, start, end))

    def feed(self, tok: tokenize.TokenInfo, start: int, end: int) -> None:
        kind, raw = tok.type, tok.string
        if kind == _FSTRING_START:
            if self.fstring == 0:
                self.fstart = start
            self.fstring += 1
            return
        if self.fstring:
            if kind == _FSTRING_END:
                self.fstring -= 1
                if self.fstring == 0:
                    self.emit("S", self.fstart, end)
                    self.prev = "S"
            return
        if kind in _SKIP:
            return
        if kind == tokenize.NEWLINE or (kind == tokenize.OP and raw == ";"):
            self.in_import = self.after_as = False
            self.depth = 0
            self.emit(";", start, end)
            self.prev = ";"
            return
        if kind == tokenize.NAME:
            self._name(raw, start, end)
        elif kind == tokenize.NUMBER:
            self.emit("N", start, end)
        elif kind == tokenize.STRING:
            self.emit("S", start, end)
        elif kind == tokenize.OP:
            self._op(raw, start, end)
        elif kind == tokenize.ERRORTOKEN:
            if raw.strip():
                self.emit(raw.strip()[:1], start, end)
        else:
            return
        self.prev = raw if kind != tokenize.STRING else "S"

    def _name(self, raw: str, start: int, end: int) -> None:
        if self.prev in (";", "") and raw in ("import", "from"):
            self.in_import = True
        if keyword.iskeyword(raw):
            self.after_as = raw == "as"
            self.emit(raw, start, end)
            return
        keep = (self.prev == "." or raw in _BUILTINS or (self.in_import and not self.after_as))
        self.after_as = False
        if keep:
            self.emit(raw, start, end)
        else:
            self.last_name = raw
            self.emit("V", start, end)

    def _op(self, raw: str, start: int, end: int) -> None:
        if raw in "([{":
            self.depth += 1
        elif raw in ")]}":
            self.depth = max(self.depth - 1, 0)
        elif raw == "=" and self.depth > 0 and self.out and self.out[-1][0] == "V" and self.prev == self.last_name:
            # keyword argument: `epochs=` is the API's name, not the student's
            text, s, e = self.out[-1]
            self.out[-1] = (self.last_name, s, e)
        self.emit(raw, start, end)

