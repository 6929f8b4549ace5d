"""Hostile submissions cannot put live script into any page: report, feedback, notebook, dashboard.

The hostile fixture carries script, event handlers and ``javascript:`` links in the
student id and file name, markdown, outputs, errors, history keys, model names,
check messages, evidence and override comments; its executed notebook attacks
nbconvert through markdown, HTML/SVG/JS outputs, image payloads, image metadata,
cell tags and notebook metadata.
"""

from __future__ import annotations

import pytest

from harness.report.dashboard import render_dashboard
from harness.report.render import static_text
from harness.report.sanitize import clean_html
from harness.report.submission import render_submission
from tests.fixtures.report_data import rubric, write_submission
from tests.unit.report_html import assert_inert, assert_no_active_content, parse

SORT_JS = static_text("sort.js")


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-class")
    folder = write_submission(out, "hostile", hostile=True, executed_notebook=True)
    write_submission(out, "alice")
    return out, folder


@pytest.mark.parametrize("student_view", [False, True], ids=["instructor", "student"])
def test_submission_page_runs_no_script(hostile_out, student_view):
    _, folder = hostile_out
    path = render_submission(folder, student_view=student_view, rubric=rubric(), calibration_dir=None)
    html = path.read_text()
    page = assert_inert(html)
    assert not page.scripts, "a submission page needs no script at all"
    assert "script-src 'none'" in page.csp()
    # The hostile text is there, as text: a reader sees what the submission tried.
    assert '<script>alert("xss")</script>' in page.text
    assert "&lt;script&gt;" in html
    # The markdown's links with unsafe schemes are plain text, the safe page links remain.
    assert all(not h.lower().startswith(("javascript", "data:")) for h in page.attrs("href"))


def test_figure_outside_the_folder_or_not_an_image_is_refused(hostile_out):
    _, folder = hostile_out
    html = render_submission(folder, rubric=rubric(), calibration_dir=None).read_text()
    assert "refused: the recorded path points outside the submission&#39;s folder" in html
    assert "refused: not a PNG or JPEG image" in html
    assert "root:" not in html  # /etc/passwd was not read
    srcs = [a["src"] for a in parse(html).elements("img")]
    assert len(srcs) == 1 and srcs[0].startswith("data:image/png;base64,")


def test_notebook_page_is_sanitised_and_script_free(hostile_out):
    _, folder = hostile_out
    render_submission(folder, rubric=rubric(), calibration_dir=None)
    html = (folder / "notebook.html").read_text()
    page = assert_inert(html)
    assert not page.scripts
    assert "script-src 'none'" in page.csp()
    assert html.index("Content-Security-Policy") < html.index("<title>"), "the CSP must come before any content"
    # nbconvert would otherwise have added require.js / MathJax from a CDN.
    assert "cdnjs" not in html and "mathjax" not in html.lower().split("</head>")[0]
    # The image whose payload tried to break out of its attribute is gone, its width too.
    assert "alert(13)" not in html and "alert(14)" not in html
    assert "alert(15)" not in html  # application/javascript output dropped


def test_dashboard_runs_only_its_own_sort_script(hostile_out):
    out, _ = hostile_out
    html = render_dashboard(out).read_text()
    page = assert_inert(html, allowed_scripts=(SORT_JS,))
    assert page.scripts == [SORT_JS]
    assert "'sha256-" in page.csp() and "'unsafe-inline'" not in page.csp()
    assert '<script>alert("xss")</script>' in page.text  # the hostile student id, shown as text
    hrefs = page.attrs("href")
    assert "hostile/report.html" in hrefs and "alice/report.html" in hrefs


@pytest.mark.parametrize("fragment", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='JaVa&#09;ScRiPt:alert(1)'>x</a>",
    "<svg><animate onbegin=alert(1)></svg>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<b style='background:url(javascript:alert(1))'>x</b>",
    "<form action='https://evil'><button>go</button></form>",
    "<img src='https://evil.example/pixel.png'>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<object data='x.swf'></object><embed src='x'><base href='https://evil/'>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
])
def test_clean_html_neutralises(fragment):
    page = assert_no_active_content(clean_html(fragment))
    assert not page.scripts
    assert not [t for t, _ in page.tags if t in ("svg", "math", "button", "animate")]


def test_clean_html_keeps_ordinary_markup():
    html = clean_html('<h2 id="t">Title</h2><p>text <code>x</code></p><table><thead><tr><th>a</th></tr></thead>'
                      '<tbody><tr><td>1</td></tr></tbody></table><a href="https://keras.io">k</a>'
                      '<img src="data:image/png;base64,iVBORw0KGgo=" width="10">')
    for kept in ("<h2", "<p>", "<thead>", "<tbody>", 'href="https://keras.io"', "data:image/png;base64,",
                 'width="10"'):
        assert kept in html
