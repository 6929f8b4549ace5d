"""What keeps submission-controlled content inert in every page labgrade writes.

Three layers, each enough on its own for the cases tested:

1. Escaping: our templates autoescape, markdown goes through `harness.report.markdown`
   (raw HTML off), charts escape their labels.
2. Sanitising the executed notebook (`clean_html`, used by nbconvert in place of its
   own filter): an allowlist of tags and attributes; ``on*`` handlers, ``style``,
   ``<script>``, ``<iframe>``, ``<svg>``, ``<form>`` are shown as text or dropped; links
   keep only safe schemes; images only ``data:image/png|jpeg|gif|webp``.
3. A Content-Security-Policy in a ``<meta>`` tag, first in ``<head>``: nothing is
   fetched from anywhere (``default-src 'none'``), images only from ``data:``; our
   pages allow exactly one stylesheet and one script, by SHA-256 hash; the notebook
   page allows no script at all.

Rendering is also bounded in time. HTML parsers and markdown renderers are fast on
ordinary text but slow (quadratic, or worse) on text nested thousands of levels deep,
which costs a submission nothing to write. So what is nested too deeply or too long to
render safely, and everything left once a page's time budget (`render_budget`) is
spent, is shown as plain escaped text instead (`plain_block`), with a note saying so.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Iterator

from bleach.sanitizer import Cleaner

from harness.report.markdown import safe_url

_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
_COMMON_ATTRS = frozenset({"class", "id", "title", "alt", "colspan", "rowspan", "align", "start", "open"})
_NUMERIC = re.compile(r"^\d{1,5}(px|%)?$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRS:
        return True
    if tag == "a" and name == "href":
        return safe_url(value)
    if tag == "img" and name == "src":
        return bool(_DATA_IMAGE.match(value))
    if tag in ("img", "td", "th", "col", "table") and name in ("width", "height"):
        return bool(_NUMERIC.match(value))
    return False


MAX_HTML_CHARS = 400_000  # HTML parsed per fragment; longer fragments are shown as text
MAX_HTML_DEPTH = 48  # element nesting parsed; deeper fragments are shown as text
MAX_PLAIN_CHARS = 20_000  # text kept when a fragment is shown as plain text
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
# Elements that never contain others, or whose end tag HTML lets authors leave out (a
# DataFrame's <td> or a hand-written <p> must not count as nesting).
_FLAT = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option"})
_PLAIN_OPEN = '<pre class="labgrade-plain">'
_DEADLINE: ContextVar[float | None] = ContextVar("labgrade_render_deadline", default=None)


@contextmanager
def render_budget(seconds: float) -> Iterator[None]:
    """Within the block, rendering shows fragments as plain text once `seconds` have passed."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def budget_spent() -> bool:
    """True inside a `render_budget` block whose time is up."""
    deadline = _DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


def html_depth(text: str, *, stop: int = MAX_HTML_DEPTH) -> int:
    """How deeply elements nest in `text` (a linear estimate; stops counting past `stop`)."""
    depth = deepest = 0
    for match in _TAG_RE.finditer(text):
        closing, name, self_closing = match.groups()
        if name.lower() in _FLAT or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


def plain_block(text: str, why: str) -> str:
    """`text` as escaped preformatted text (cut to `MAX_PLAIN_CHARS`), with a note saying why it is not rendered."""
    cut = len(text) > MAX_PLAIN_CHARS
    body = html.escape(text[:MAX_PLAIN_CHARS]) + ("\n…" if cut else "")
    note = html.escape(f"[labgrade: shown as plain text: {why}" + (f"; {len(text) - MAX_PLAIN_CHARS:,} characters "
                                                                     "not shown" if cut else "") + "]")
    return f"{_PLAIN_OPEN}{note}\n{body}</pre>"


def _is_plain_block(text: str) -> bool:
    return text.startswith(_PLAIN_OPEN) and text.endswith("</pre>") and "<" not in text[len(_PLAIN_OPEN):-6]


def render_problem(text: str, *, max_chars: int = MAX_HTML_CHARS) -> str | None:
    """Why an HTML fragment should not be parsed (too long, nested too deeply, no time left); None when it may."""
    if budget_spent():
        return "the page's rendering time budget was spent"
    if len(text) > max_chars:
        return f"{len(text):,} characters is more than this page renders"
    if html_depth(text) > MAX_HTML_DEPTH:
        return f"elements nested more than {MAX_HTML_DEPTH} levels deep"
    return None


def clean_html(fragment) -> str:
    """Sanitises untrusted HTML (notebook markdown and ``text/html`` outputs).

    Disallowed tags are kept as visible text (escaped), so a reader sees what the
    submission tried; disallowed attributes are dropped; comments are removed. A
    fragment that is too long or nested too deeply to parse in bounded time, or any
    fragment once the page's `render_budget` is spent, is shown as plain text instead.

    Args:
        fragment: HTML text (str or bytes).
    """
    text = fragment.decode("utf-8", "replace") if isinstance(fragment, bytes) else str(fragment)
    if _is_plain_block(text):
        return text
    problem = render_problem(text)
    if problem is not None:
        return plain_block(text, problem)
    return _cleaner().clean(text)


@lru_cache(maxsize=1)
def _cleaner():
    """One bleach Cleaner per process: building its HTML parser costs more than cleaning a cell."""
    return Cleaner(tags=_ALLOWED_TAGS, attributes=_allowed_attribute, protocols=["http", "https", "mailto", "data"],
                   strip=False, strip_comments=True)


def sha256_source(text: str) -> str:
    """The CSP hash source (``'sha256-...'``) of an inline ``<script>`` or ``<style>`` body."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page_csp(*, styles: list[str], scripts: list[str]) -> str:
    """The Content-Security-Policy of a labgrade page that inlines exactly `styles` and `scripts`."""
    script_src = " ".join(sha256_source(s) for s in scripts) or "'none'"
    style_src = " ".join(sha256_source(s) for s in styles) or "'none'"
    return (f"default-src 'none'; img-src data:; style-src {style_src}; script-src {script_src}; "
            "base-uri 'none'; form-action 'none'")


NOTEBOOK_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'; "
                "base-uri 'none'; form-action 'none'")
"""The executed notebook's page: nbconvert's inline CSS, no script of any kind."""
