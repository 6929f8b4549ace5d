"""``labgrade report OUT``: re-renders every report and the dashboard from stored results."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from harness.cli.report import report_command
from harness.report.site import render_site
from tests.fixtures.report_data import reference_results, write_submission


def test_report_command_renders_everything(tmp_path):
    write_submission(tmp_path, "alice", executed_notebook=True)
    write_submission(tmp_path, "bob", hidden=True)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "execution.json").write_text("{}")
    result = CliRunner().invoke(report_command, [str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"dashboard: {(tmp_path / 'index.html').resolve()}"
    assert "warning: not rendered: broken" in result.output
    for f in ("alice/report.html", "alice/notebook.html", "bob/report.html", "index.html", "grades.csv"):
        assert (tmp_path / f).is_file(), f
    assert not (tmp_path / "alice" / "feedback.html").exists()


def test_student_view_writes_feedback_pages(tmp_path):
    write_submission(tmp_path, "alice")
    result = CliRunner().invoke(report_command, [str(tmp_path), "--student-view", "--no-notebook"])
    assert result.exit_code == 0, result.output
    assert "1 feedback page(s) written" in result.output
    assert (tmp_path / "alice" / "feedback.html").is_file() and not (tmp_path / "alice" / "report.html").exists()


def test_missing_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(report_command, [str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_calibration_folder_gets_reference_pages(tmp_path):
    for r in reference_results(3):
        r.save(tmp_path / "quick" / f"seed-{r.seed}" / "result.json")
    summary = render_site(tmp_path)
    assert summary.dashboard is None
    assert [Path(p).name for p in summary.reports] == ["calibration-quick.html"]
