"""Student markdown: readable, and never live HTML, script or unsafe links."""

from __future__ import annotations

import pytest

from harness.report.markdown import readable_latex, render_inline, render_markdown, safe_url
from tests.unit.report_html import assert_no_active_content, parse


@pytest.mark.parametrize("url, ok", [
    ("https://keras.io", True), ("http://x", True), ("mailto:a@b.c", True), ("notebook.html", True),
    ("#cell-3", True), ("a/b:c", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), ("java\tscript:alert(1)", False),
    ("java%09script:alert(1)", False), ("%6A%61vascript:alert(1)", False), ("&#106;avascript:alert(1)", False),
    ("vbscript:x", False), ("data:text/html,<script>", False), ("file:///etc/passwd", False),
    ("//evil.example", False), ("\\\\evil", False),
])
def test_safe_url(url, ok):
    assert safe_url(url) is ok


def test_structure_rendered_headings_shifted():
    html = render_markdown("# Title\n\n## Sub\n\nSome *text* and `x<y`.\n\n- a\n- b\n\n"
                           "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                           "```python\nprint(1)\n```\n\n~~old~~")
    for part in ("<h3>Title</h3>", "<h4>Sub</h4>", "<em>text</em>", "<code>x&lt;y</code>", "<li>a</li>",
                 "<table>", "<pre><code class=\"language-python\">print(1)", "<s>old</s>"):
        assert part in html


def test_raw_html_is_text():
    html = render_markdown("<script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:x'>a</a>")
    page = assert_no_active_content(html)
    assert "<script>alert(1)</script>" in page.text and not page.tags[1:]


def test_links_and_images():
    html = render_markdown("[ok](https://keras.io) [bad](javascript:alert(1)) ![pixel](https://evil.example/p.png)")
    page = parse(html)
    assert page.attrs("href") == ["https://keras.io"]
    assert page.elements("a")[0]["rel"] == "nofollow noopener noreferrer"
    assert not page.elements("img") and "[image: pixel]" in page.text
    assert "[bad](javascript:alert(1))" in page.text


def test_math_kept_intact_and_readable():
    html = render_markdown(r"Power: $\eta_0 / (1 + t/s)^c$ and $x_1 * y_2 * z$; price $5 and $10."
                           "\n\n$$\\frac{a}{b}$$")
    page = parse(html)
    assert "η₀ / (1 + t/s)^c" in page.text
    assert "x₁ * y₂ * z" in page.text  # the asterisks did not become emphasis
    assert "$5 and $10" in page.text
    assert "(a)/(b)" in page.text
    assert [a["class"] for a in page.elements("span")] == ["math", "math", "math display"]
    hostile = render_markdown("$</span><script>alert(1)</script>$")
    assert not assert_no_active_content(hostile).scripts


@pytest.mark.parametrize("tex, text", [
    (r"\alpha + \beta \leq \gamma", "α + β ≤ γ"),
    (r"e^{-\lambda t}", "e^(-λ t)"),
    (r"x^2 + y_{10}", "x² + y₁₀"),
    (r"\frac{\eta_0}{1 + t/s}", "(η₀)/(1 + t/s)"),
    (r"\text{lr} \times 0.1^{t/s}", "lr × 0.1^(t/s)"),
    (r"\unknown{x}", r"\unknownx"),
])
def test_readable_latex(tex, text):
    assert readable_latex(tex) == text


def test_inline_for_messages():
    html = render_inline("`model` is <b>missing</b>")
    assert html == "<code>model</code> is &lt;b&gt;missing&lt;/b&gt;"
