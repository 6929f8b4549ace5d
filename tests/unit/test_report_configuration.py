"""The report shows the choices a run made beside the reference's, and where its bands came from."""

from __future__ import annotations

from dataclasses import replace

from harness import results
from harness.models import Measurements
from harness.report.submission import render_submission
from tests.fixtures.report_data import rubric, write_submission


def _rubric():
    rub = rubric()
    calibration = {**rub.calibration, "quick": {**rub.calibration["quick"],
                                                "config": {"batch_size": 32, "scaling": "standardized", "epochs": 10}}}
    return replace(rub, variation={"allowed": {"batch_size": [8, 512], "scaling": ["standardized", "unit"]}},
                   calibration=calibration)


def _with(tmp_path, **measured):
    folder = write_submission(tmp_path, "alice")
    results.write_stage(folder / results.MEASUREMENTS, Measurements(status="ok", **measured))
    return folder


def test_a_valid_variant_is_shown_with_its_bands_source(tmp_path):
    folder = _with(tmp_path, config={"batch_size": 64, "scaling": "unit", "epochs": 10},
                   bands_source="calibrated for batch_size=64,scaling=unit (stored in the rubric)")
    for student_view in (False, True):
        html = render_submission(folder, student_view=student_view, rubric=_rubric(), calibration_dir=None,
                                 notebook=False).read_text(encoding="utf-8")
        section = html[html.index('id="configuration"'):html.index('id="status"')]
        assert "<code>batch_size</code></td><td>64</td><td>32</td>" in section
        assert "<code>scaling</code></td><td>unit</td><td>standardized</td>" in section
        assert "epochs" not in section  # not a choice this rubric leaves open
        assert "calibrated for batch_size=64,scaling=unit" in section and 'class="danger"' not in section


def test_a_configuration_outside_the_lab_is_flagged(tmp_path):
    folder = _with(tmp_path, config={"batch_size": 4096}, config_allowed=False,
                   bands_source="not an allowed configuration (batch_size=4096; allowed: batch_size [8, 512])")
    html = render_submission(folder, rubric=_rubric(), calibration_dir=None, notebook=False).read_text(encoding="utf-8")
    section = html[html.index('id="configuration"'):html.index('id="status"')]
    assert 'class="danger"' in section and "outside what the lab allows" in section


def test_no_section_without_a_recorded_configuration(tmp_path):
    folder = _with(tmp_path)
    html = render_submission(folder, rubric=_rubric(), calibration_dir=None, notebook=False).read_text(encoding="utf-8")
    assert 'id="configuration"' not in html
