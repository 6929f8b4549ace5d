"""Safe rendering of a student's markdown (the written analysis) into report HTML.

Everything in a markdown cell is controlled by the submission, so the renderer is
closed by default: raw HTML is shown as text (markdown-it-py with ``html=False``),
links keep only ``http(s)``, ``mailto``, relative and ``#anchor`` targets, images
become their alt text (a report never fetches anything), and headings are shifted
two levels down so a student's ``# Title`` cannot outrank the report's own headings.
LaTeX between ``$...$`` or ``$$...$$`` is kept intact (no markdown inside it) and
made readable with Unicode (``\\alpha`` -> α, ``x^2`` -> x², ``\\frac{a}{b}`` -> (a)/(b));
the exact source stays in the element's ``title``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

_ALLOWED_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str) -> bool:
    """True for ``http(s):``/``mailto:`` URLs, relative paths and ``#anchors``; False otherwise.

    Browsers ignore whitespace and control characters inside a scheme
    (``java\\tscript:``), so they are removed before the scheme is read, in the URL
    as written and once more after decoding entities and percent-escapes.

    Args:
        url: the URL as written (or as normalised by markdown-it).
    """
    for candidate in (str(url), unquote(html.unescape(str(url)))):
        compact = _CONTROL.sub("", candidate)
        if compact.startswith(("//", "\\\\", "/\\", "\\/")):  # protocol-relative: another host
            return False
        match = _SCHEME.match(compact)
        if match is not None and match.group(1).lower() not in _ALLOWED_SCHEMES:
            return False
    return True


# --- LaTeX made readable -----------------------------------------------------------------------

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω", "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "infty": "∞", "sum": "∑", "prod": "∏", "int": "∫",
    "partial": "∂", "nabla": "∇", "sqrt": "√", "pm": "±", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "in": "∈", "propto": "∝", "ldots": "…", "cdots": "⋯", "log": "log", "exp": "exp",
    "min": "min", "max": "max", "%": "%", "{": "{", "}": "}", "_": "_", "$": "$",
}
_SUP = str.maketrans("0123456789+-=()nit", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗ")
_SUB = str.maketrans("0123456789+-=()aeoxt", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₜ")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_WRAPPERS = re.compile(r"\\(?:mathrm|text|mathbf|mathit|operatorname|textbf|mathcal)\s*\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|([A-Za-z0-9+\-]))")
_COMMAND = re.compile(r"\\([A-Za-z]+|[%{}_$])")


def readable_latex(tex: str) -> str:
    """A plain-Unicode approximation of a LaTeX formula, for reading without a math renderer."""
    text = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)\b", "", tex)
    text = re.sub(r"\\[,;:! ]", " ", text)
    for _ in range(3):  # nested simple fractions and wrappers, a few levels deep
        text = _WRAPPERS.sub(r"\1", text)
        text = _FRAC.sub(r"(\1)/(\2)", text)

    def script(m: re.Match) -> str:
        body = m.group(2) if m.group(2) is not None else m.group(3)
        table = _SUP if m.group(1) == "^" else _SUB
        converted = body.translate(table)
        if all(ch not in converted for ch in body if ch.isalnum() and ch not in "0123456789nitaeox"):
            return converted if converted != body else f"{m.group(1)}{body}"
        return f"{m.group(1)}({body})" if len(body) > 1 else f"{m.group(1)}{body}"

    text = _SCRIPT.sub(script, text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)
    return re.sub(r"[{}]", "", text).strip()


def _math_rule(state, silent: bool) -> bool:
    """Inline rule: ``$...$`` and ``$$...$$`` become one math token, untouched by markdown."""
    src, pos = state.src, state.pos
    if src[pos] != "$" or (pos > 0 and src[pos - 1] == "\\"):
        return False
    display = src.startswith("$$", pos)
    delim = "$$" if display else "$"
    start = pos + len(delim)
    if start >= state.posMax or (not display and src[start] in " \t\n"):
        return False
    end = start
    while True:
        end = src.find(delim, end)
        if end == -1 or end >= state.posMax:
            return False
        if src[end - 1] != "\\" and (display or src[end - 1] not in " \t\n"):
            break
        end += 1
    if end == start:
        return False
    if not silent:
        token = state.push("math_inline", "span", 0)
        token.content = src[start:end]
        token.markup = delim
    state.pos = end + len(delim)
    return True


def _render_math(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    cls = "math display" if token.markup == "$$" else "math"
    return (f'<span class="{cls}" title="{escapeHtml(token.content.strip())}">'
            f"{escapeHtml(readable_latex(token.content))}</span>")


def _render_image(self, tokens, idx, options, env) -> str:
    alt = self.renderInlineAsText(tokens[idx].children or [], options, env)
    return f'<span class="muted">[image: {escapeHtml(alt or "no description")}]</span>'


def _heading(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + 2)
    return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"


def _link_open(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    token.attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = safe_url
    md.inline.ruler.before("escape", "math_inline", _math_rule)
    md.add_render_rule("math_inline", _render_math)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    md.add_render_rule("link_open", _link_open)
    return md


_CONTAINER = re.compile(r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")


def markdown_depth(text: str, *, stop: int = 64) -> int:
    """How deeply block containers (quotes, lists) nest in markdown `text`: a linear estimate.

    Per line: each ``>`` or list marker at its start opens a level, and so does every
    two columns of indentation before or between them. Stops counting past `stop`.
    """
    deepest = 0
    for line in str(text).splitlines():
        depth, i, n = 0, 0, len(line)
        while i < n and depth <= stop:
            ch = line[i]
            if ch == " ":
                j = i
                while j < n and line[j] == " ":
                    j += 1
                depth += (j - i) // 2
                i = j
            elif ch == "\t":
                depth += 2
                i += 1
            else:
                match = _CONTAINER.match(line, i)
                if match is None:
                    break
                depth += 1
                i = match.end()
        deepest = max(deepest, depth)
        if deepest > stop:
            break
    return deepest


def render_markdown(text: str) -> Markup:
    """Renders untrusted markdown to HTML that is safe to embed in a report.

    Args:
        text: the markdown source of one cell.

    Returns:
        HTML as `Markup` (Jinja will not escape it again). Raw HTML in the source is
        shown as text; unsafe links are left as plain text.
    """
    return Markup(_parser().render(str(text or "")))


def render_inline(text: str) -> Markup:
    """Renders one line of untrusted text with inline markdown only (``code``, *emphasis*, links).

    Used for check messages, which quote names in backticks. Same safety rules as
    `render_markdown`; no paragraphs or headings.
    """
    return Markup(_parser().renderInline(str(text or "")))
