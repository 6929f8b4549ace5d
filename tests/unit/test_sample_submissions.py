"""The sample submissions are well-formed and their expected.toml is consistent with the rubrics.

Fast checks only (no kernel): every file has a case and every case a file, notebooks are
valid nbformat 4 with a python3 kernelspec and no outputs, expected statuses, contract
names, diagnoses and rubric item ids exist, and no case both passes and fails an item.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import nbformat
import pytest

from harness.execute.diagnose import RULES
from harness.labs import LABS
from harness.models import ExecutionStatus

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = REPO / "submissions"
KNOWN_KEYS = {"file", "description", "status", "exports", "missing", "diagnoses", "pass", "fail", "min_percent",
              "max_percent", "requires", "cell_timeout_s", "timeout_s", "stdout_contains", "compare_to", "within_points"}
STATUSES = set(ExecutionStatus.__args__)
DIAGNOSED_APIS = {r.api for r in RULES} | {"decay="}


def _expected(lab: str) -> dict:
    return tomllib.loads((SUBMISSIONS / lab / "expected.toml").read_text(encoding="utf-8"))["case"]


def _rubric_items(lab: str) -> set[str]:
    text = LABS[lab].rubric_path.read_text(encoding="utf-8")
    return {item["id"] for item in tomllib.loads(text).get("item", [])}


@pytest.mark.parametrize("lab", sorted(LABS))
def test_every_lab_has_the_minimum_cases(lab):
    cases = _expected(lab)
    assert "correct" in cases and "lecture-verbatim" in cases and "no-analysis" in cases
    flawed = [c for c in cases if c not in ("correct", "lecture-verbatim", "no-analysis") and not c.startswith("hostile")]
    assert flawed, f"{lab}: no conceptual-mistake case"
    assert any(spec["file"].endswith(".py") for spec in cases.values()), f"{lab}: no .py module case"


@pytest.mark.parametrize("lab", sorted(LABS))
def test_files_and_cases_match(lab):
    cases = _expected(lab)
    files = {p.name for p in (SUBMISSIONS / lab).iterdir() if p.suffix in (".ipynb", ".py")}
    assert files == {spec["file"] for spec in cases.values()}
    for case_id, spec in cases.items():
        assert Path(spec["file"]).stem == case_id, f"{lab}/{case_id}: case id must be the file stem"


@pytest.mark.parametrize("lab", sorted(LABS))
def test_expected_entries_are_valid(lab):
    items = _rubric_items(lab)
    contract = {c.name for c in LABS[lab].contract}
    cases = _expected(lab)
    for case_id, spec in cases.items():
        where = f"{lab}/{case_id}"
        assert set(spec) <= KNOWN_KEYS, f"{where}: unknown keys {set(spec) - KNOWN_KEYS}"
        if "compare_to" in spec:
            assert spec["compare_to"] in cases and isinstance(spec.get("within_points"), (int, float)), where
        assert spec["status"] in STATUSES, where
        assert spec.get("description"), f"{where}: no description"
        assert set(spec.get("exports", [])) <= contract and set(spec.get("missing", [])) <= contract, where
        assert not set(spec.get("exports", [])) & set(spec.get("missing", [])), where
        assert set(spec.get("diagnoses", [])) <= DIAGNOSED_APIS, f"{where}: unknown diagnosis api"
        passed, failed = set(spec.get("pass", [])), set(spec.get("fail", []))
        assert passed <= items and failed <= items, f"{where}: unknown rubric items {(passed | failed) - items}"
        assert not passed & failed, f"{where}: items both pass and fail: {passed & failed}"
        if "min_percent" in spec and "max_percent" in spec:
            assert spec["min_percent"] <= spec["max_percent"], where
        assert spec.get("requires") in (None, "bwrap"), where
    assert _expected(lab)["correct"].get("min_percent", 0) >= 90


@pytest.mark.parametrize("path", sorted(SUBMISSIONS.glob("*/*.ipynb")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebooks_are_clean_nbformat4(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: committed with outputs"
