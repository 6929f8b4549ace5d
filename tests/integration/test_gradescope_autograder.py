"""The Gradescope bundle end to end: its own ``run_autograder`` script grades a real submission.

The bundle is written as an instructor would (`labgrade gradescope-bundle`), unzipped into a
fake ``/autograder`` tree, and its ``run_autograder`` is executed with the tree's root in
place of ``/autograder`` (the only edit: the container path). The venv's python runs this
interpreter with the project on PYTHONPATH, standing in for what ``setup.sh`` installs.
The real grader runs (sandbox, evaluation, checks); results.json must be what Gradescope reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from harness.autograder import write_bundle

REPO = Path(__file__).resolve().parents[2]


def test_run_autograder_grades_a_real_submission_into_results_json(tmp_path, data_root):
    bundle = write_bundle(lab="dropout", out=tmp_path / "autograder.zip", source=REPO, quick=True,
                          data_root=str(data_root))
    root = tmp_path / "autograder"
    for sub in ("source", "submission", "results", "venv/bin"):
        (root / sub).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    venv_python = root / "venv" / "bin" / "python"  # a wrapper: a symlink would lose this venv's packages
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(0o755)
    shutil.copy(REPO / "submissions" / "dropout" / "correct.py", root / "submission" / "dropout_lab.py")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-10-01T14:22:32+09:00",
        "assignment": {"due_date": "2026-10-02T23:59:00+09:00", "title": "Dropout", "total_points": "100.0"},
        "users": [{"email": "ada@example.edu", "id": 7, "name": "Ada Lovelace", "sid": "20231234"}]}))
    script = root / "source" / "run_autograder"
    text = script.read_text()
    assert "/autograder/source" in text and "/autograder/venv/bin/python" in text
    script.write_text(text.replace("/autograder", str(root)))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert set(results) >= {"score", "tests", "output", "execution_time"}
    assert results["tests"] and all({"name", "score", "max_score"} <= set(t) for t in results["tests"])
    assert 0 < results["score"] <= sum(t["max_score"] for t in results["tests"])
    assert abs(results["score"] - sum(t["score"] for t in results["tests"])) < 0.02 + 0.01 * len(results["tests"])
    text_out = json.dumps(results)
    # Instructor-only evidence never reaches the student's Gradescope page.
    assert "perturb" not in text_out and "fingerprint" not in text_out and "band" not in text_out.lower()
