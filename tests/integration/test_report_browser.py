"""A real browser opens the reports: key elements visible, no console error, hostile content runs nothing.

Drives the system's Debian ``chromium`` through Playwright (no browser download:
``executable_path`` points at ``/usr/bin/chromium``; ``playwright install`` is never
run). Skipped, with the reason, when Playwright or Chromium is missing. Screenshots
go to the test's temporary output (printed; ``LABGRADE_SCREENSHOTS=DIR`` copies them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.report.site import render_site
from tests.fixtures.report_data import write_submission

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LABGRADE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                                                   "(pip install playwright; no browser download)")
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); set LABGRADE_CHROMIUM to its path")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-class")
    write_submission(out, "alice", executed_notebook=True)
    write_submission(out, "bob", hidden=True, status="error", score_shift=-5, wall_time_s=42.0)
    write_submission(out, "hostile", hostile=True, executed_notebook=True)
    render_site(out)
    render_site(out, student_view=True)
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    target = os.environ.get("LABGRADE_SCREENSHOTS")
    if target:
        shutil.copytree(folder, target, dirs_exist_ok=True)
    print(f"\nscreenshots: {folder}")


class Visit:
    """A page opened in a fresh context, with every console message, page error and dialog recorded."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
        self.page = self.context.new_page()
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.add_init_script("window.__xss = 0; for (const f of ['alert','confirm','prompt']) "
                                  "{ const o = window[f]; window[f] = function () { window.__xss++; } }")
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def assert_clean(self):
        errors = [t for kind, t in self.console if kind in ("error", "warning")]
        assert not errors, f"console: {errors}"
        assert not self.errors, f"page errors: {self.errors}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert self.page.evaluate("window.__xss") == 0, "a hostile payload called alert/confirm/prompt"

    def close(self):
        self.context.close()


def test_submission_report(browser, site, shots):
    v = Visit(browser, site / "alice" / "report.html")
    try:
        page = v.page
        assert page.locator("#total-score").is_visible()
        assert page.locator("#items tbody tr").count() == 6
        assert page.locator("#curves svg").first.is_visible()
        assert page.locator("#walkthrough img").first.is_visible()
        assert page.locator("#diagnoses").is_visible()
        assert page.locator("#timing table").is_visible()
        page.locator("#items details summary").first.click()
        assert page.locator("#items details dl").first.is_visible()
        page.screenshot(path=str(shots / "report.png"), full_page=True)
        v.assert_clean()
        page.locator("#notebook-link").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/alice/notebook.html")
        assert page.locator(".jp-Notebook").count() == 1
        v.assert_clean()
    finally:
        v.close()


def test_dashboard_sorts_and_filters(browser, site, shots):
    v = Visit(browser, site / "index.html")
    try:
        page = v.page
        assert page.locator("#distribution svg").is_visible()
        assert page.locator("#item-rates meter").first.is_visible()
        rows = page.locator("#submissions-table tbody tr")
        assert rows.count() == 3
        assert page.locator("#downloads a", has_text="grades.csv").is_visible()
        headers = page.locator("#submissions-table thead th").all_inner_texts()
        column = headers.index("%")  # found by its title: columns (sandbox, flags) come and go
        percent_header = page.locator("#submissions-table thead th").nth(column)
        cells = page.locator(f"#submissions-table tbody td:nth-child({column + 1})")
        percents = lambda: [float(t) for t in cells.all_inner_texts()]  # noqa: E731
        percent_header.click()
        assert percents() == sorted(percents()) and percent_header.get_attribute("aria-sort") == "ascending"
        percent_header.click()
        assert percents() == sorted(percents(), reverse=True)
        assert percent_header.get_attribute("aria-sort") == "descending"
        page.locator("#submissions-table th").first.click()
        students = page.locator("#submissions-table tbody td:first-child a").all_inner_texts()
        assert students == sorted(students, key=str.lower)
        page.locator("input[data-filter]").fill("alice")
        assert page.locator("#submissions-table tbody tr:visible").count() == 1
        page.locator("input[data-filter]").fill("")
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        v.assert_clean()
    finally:
        v.close()


@pytest.mark.parametrize("page_name", ["hostile/report.html", "hostile/feedback.html", "hostile/notebook.html",
                                       "index.html"])
def test_hostile_content_executes_nothing(browser, site, shots, page_name):
    v = Visit(browser, site / page_name)
    try:
        page = v.page
        # The hostile text is on the page, visibly, as text.
        assert page.get_by_text('alert("xss")').first.count() or page.get_by_text("alert(").first.count()
        # Hover and click everything a payload might have hooked.
        for el in page.locator("main a, main img, main b, main svg, main span").all()[:60]:
            try:
                el.hover(timeout=300)
            except Exception:  # noqa: BLE001 - hidden or detached elements are fine to skip
                pass
        assert page.locator("script").count() == (1 if page_name == "index.html" else 0)
        page.screenshot(path=str(shots / (page_name.replace("/", "-").replace(".html", ".png"))), full_page=True)
        v.assert_clean()
    finally:
        v.close()
