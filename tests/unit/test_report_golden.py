"""Golden files: the rendered pages of fixed inputs, with the volatile parts masked.

Regenerate after an intended change with ``LABGRADE_UPDATE_GOLDEN=1 pytest tests/unit/test_report_golden.py``
and review the diff of ``tests/golden/`` like code. Masked: the render time, the
harness version, inlined image data, the inlined stylesheet and script (and their
CSP hashes), temporary paths.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from harness.report.dashboard import render_dashboard
from harness.report.reference import render_reference
from harness.report.submission import render_submission
from tests.fixtures.report_data import calibration_section, reference_results, rubric, write_submission

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("LABGRADE_UPDATE_GOLDEN") == "1"
MASKS = [
    (re.compile(r'<time class="volatile">[^<]*</time>'), '<time class="volatile">[time]</time>'),
    (re.compile(r"labgrade \d+\.\d+[^\s\"<]*"), "labgrade [version]"),
    (re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=]+"), r"data:image/\1;base64,[data]"),
    (re.compile(r"<style>.*?</style>", re.S), "<style>[css]</style>"),
    (re.compile(r"<script>.*?</script>", re.S), "<script>[js]</script>"),
    (re.compile(r"'sha256-[A-Za-z0-9+/=]+'"), "'sha256-[hash]'"),
]


def mask(html: str, *, tmp: Path) -> str:
    """`html` with the volatile parts replaced by placeholders."""
    html = html.replace(str(tmp), "[tmp]")
    for pattern, repl in MASKS:
        html = pattern.sub(repl, html)
    return html


def check_golden(name: str, html: str, tmp: Path) -> None:
    """Compares masked `html` with ``tests/golden/<name>`` (or rewrites it when updating)."""
    actual = mask(html, tmp=tmp)
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} does not exist; create it with LABGRADE_UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path),
                                                 "rendered"))[:80])
        pytest.fail(f"{name} differs from its golden file (LABGRADE_UPDATE_GOLDEN=1 to accept):\n{diff}")


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    out = root / "class"
    write_submission(out, "alice")
    write_submission(out, "bob", hidden=True, status="error", score_shift=-5, wall_time_s=42.0)
    write_submission(out, "hostile", hostile=True)
    return out


@pytest.mark.parametrize("folder, student_view, golden", [
    ("alice", False, "report.html"),
    ("bob", True, "feedback_hidden_items.html"),
    ("bob", False, "report_hidden_items.html"),
    ("hostile", False, "report_hostile.html"),
    ("hostile", True, "feedback_hostile.html"),
])
def test_submission_golden(class_dir, folder, student_view, golden):
    rub = rubric(hidden=folder == "bob")
    path = render_submission(class_dir / folder, student_view=student_view, rubric=rub, calibration_dir=None,
                             notebook=False)
    check_golden(golden, path.read_text(encoding="utf-8"), class_dir)


def test_dashboard_golden(class_dir):
    check_golden("dashboard.html", render_dashboard(class_dir).read_text(encoding="utf-8"), class_dir)


def test_calibration_golden(tmp_path):
    results = reference_results()
    path = render_reference(tmp_path, results=results, section=calibration_section(results))
    check_golden("calibration.html", path.read_text(encoding="utf-8"), tmp_path)
