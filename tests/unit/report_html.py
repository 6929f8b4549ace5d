"""Reading rendered pages back for assertions: elements, attributes, scripts, CSP (stdlib HTML parser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    """What a browser would build from a page, as far as the security tests care."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    text: str = ""

    def attrs(self, name: str) -> list[str]:
        """Every value of attribute `name`, on any element."""
        return [a[name] or "" for _, a in self.tags if name in a]

    def elements(self, tag: str) -> list[dict[str, str | None]]:
        """Attributes of every `tag` element."""
        return [a for t, a in self.tags if t == tag]

    def csp(self) -> str:
        """The Content-Security-Policy of the page's first meta tag that sets one."""
        for a in self.elements("meta"):
            if (a.get("http-equiv") or "").lower() == "content-security-policy":
                return a.get("content") or ""
        return ""


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in_script = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.page.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.page.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.page.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.page.scripts[-1] += data
        else:
            self._text.append(data)


def parse(html: str) -> Page:
    """Parses `html` as a browser's tokenizer would see it."""
    p = _Parser()
    p.feed(html)
    p.close()
    p.page.text = "".join(p._text)
    return p.page


def assert_inert(html: str, *, allowed_scripts: tuple[str, ...] = ()) -> Page:
    """Fails unless the page can run no script but `allowed_scripts` (exact bodies).

    Checks: every ``<script>`` body is one of `allowed_scripts`; no ``on*`` event
    attribute anywhere; no ``javascript:``/``vbscript:``/``data:text`` URL in any
    ``href``/``src``/``action``/``formaction``/``xlink:href``; images only from ``data:image/``;
    no ``<iframe>``, ``<object>``, ``<embed>``, ``<base>``, ``<form>``; a CSP meta tag
    with ``default-src 'none'``.
    """
    page = assert_no_active_content(html, allowed_scripts=allowed_scripts)
    assert "default-src 'none'" in page.csp(), f"missing or weak CSP: {page.csp()!r}"
    return page


def assert_no_active_content(html: str, *, allowed_scripts: tuple[str, ...] = ()) -> Page:
    """`assert_inert` without the CSP requirement (for HTML fragments)."""
    page = parse(html)
    for body in page.scripts:
        assert body in allowed_scripts, f"unexpected script: {body[:200]!r}"
    for tag, attrs in page.tags:
        handlers = [k for k in attrs if k.lower().startswith("on")]
        assert not handlers, f"event handler on <{tag}>: {handlers} {attrs}"
        assert tag not in ("iframe", "object", "embed", "base", "form", "frame"), f"<{tag}> element present: {attrs}"
        for key in ("href", "src", "action", "formaction", "xlink:href"):
            value = "".join((attrs.get(key) or "").split()).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text")), f"<{tag} {key}={value!r}>"
        if tag == "img":
            assert (attrs.get("src") or "data:image/").startswith("data:image/"), f"remote image: {attrs}"
        assert "style" not in attrs or tag in ("svg",), f"inline style attribute on <{tag}>"
    return page
