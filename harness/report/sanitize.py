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
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

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


def clean_html(fragment) -> str:
    """Sanitises untrusted HTML (notebook markdown and ``text/html`` outputs).

    Disallowed tags are kept as visible text (escaped), so a reader sees what the
    submission tried; disallowed attributes are dropped; comments are removed.

    Args:
        fragment: HTML text (str or bytes).
    """
    text = fragment.decode("utf-8", "replace") if isinstance(fragment, bytes) else str(fragment)
    return _cleaner().clean(text)


@lru_cache(maxsize=1)
def _cleaner():
    """One bleach Cleaner per process: building its HTML parser costs more than cleaning a cell."""
    from bleach.sanitizer import Cleaner

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
