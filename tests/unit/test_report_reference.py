"""The reference page: band derivation (every seed, the olympic rule), provenance, curves."""

from __future__ import annotations

import pytest

from harness.report.reference import derivation, render_calibration_dir, render_reference
from tests.fixtures.report_data import calibration_section, reference_results
from tests.unit.report_html import assert_inert, parse


def test_derivation_marks_the_dropped_runs():
    d = derivation("accuracy", {"values": [0.8174, 0.8212, 0.8204, 0.823, 0.8166], "kept": [0.8174, 0.8212, 0.8204],
                                "low": 0.7674, "high": 0.8712}, margin=0.05, seeds=[0, 1, 2, 3, 4])
    assert [r["kept"] for r in d["runs"]] == [True, True, True, False, False]
    assert d["runs"][3]["why"] == "dropped: highest" and d["runs"][4]["why"] == "dropped: lowest"
    assert d["raw_low"] == pytest.approx(0.7674) and d["raw_high"] == pytest.approx(0.8712)
    assert not d["clipped"]


def test_derivation_notices_clipping():
    d = derivation("accuracy", {"values": [0.97, 0.99, 0.98], "kept": [0.98], "low": 0.93, "high": 1.0},
                   margin=0.05, seeds=[0, 1, 2])
    assert d["clipped"] and d["raw_high"] == pytest.approx(1.03)


def test_calibration_page(tmp_path):
    results = reference_results()
    path = render_reference(tmp_path, results=results, section=calibration_section(results))
    assert path.name == "calibration-quick.html"
    html = path.read_text()
    page = assert_inert(html)
    assert not page.scripts
    for text in ("Band derivation", "olympic", "Fixture CPU", "abc123", "seed 4", "Provenance",
                 "Throughput and time to band", "history: val accuracy per epoch"):
        assert text in page.text, text
    dropped = [a for t, a in page.tags if t == "td" and "dropped" in (a.get("class") or "")]
    assert len(dropped) == 2 * 2  # two metrics, two dropped runs each
    assert len(page.elements("svg")) >= 2


def test_single_run_page_uses_the_rubric_bands(tmp_path):
    results = reference_results(1)
    rubric_section = {"bands": {"quick": {"accuracy": {"low": 0.7, "high": 0.9}}}}
    path = render_reference(tmp_path, results=results, rubric_section=rubric_section)
    assert path.name == "reference-quick-seed0.html"
    text = parse(path.read_text()).text
    assert "Reference run" in text and "from the rubric" in text and "band: accuracy" in text


def test_needs_results(tmp_path):
    with pytest.raises(ValueError, match="at least one ReferenceResult"):
        render_reference(tmp_path, results=[])


def test_rerender_from_a_calibration_folder(tmp_path):
    results = reference_results(3)
    for r in results:
        r.save(tmp_path / "quick" / f"seed-{r.seed}" / "result.json")
    rubric = tmp_path / "dropout.toml"
    rubric.write_text('[rubric]\nlab = "dropout"\n')
    paths = render_calibration_dir(tmp_path, rubric_path=rubric)
    assert [p.name for p in paths] == ["calibration-quick.html"]
    text = parse(paths[0].read_text()).text
    assert "seed 2" in text and "history: val accuracy per epoch" in text
