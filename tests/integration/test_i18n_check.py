"""`labgrade check ... --lang ko` prints Korean feedback: the real CLI on sample submissions of two labs.

One sample per lab, in quick mode on the real offline data (resnet50-top3 with the session's
fixed-seed random-weight ResNet50 in place of the ImageNet weights): every item line and every
item message the student reads carries Hangul, and the status line, the totals and the
feedback page are Korean. About a minute per lab.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.data import shared_data_root

REPO = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CASES = [("dropout", "lecture-verbatim.ipynb"), ("resnet50-top3", "no-preprocess.ipynb")]


@pytest.mark.parametrize("lab, sample", CASES)
def test_check_prints_korean_feedback(lab, sample, tmp_path, random_resnet50_weights):
    data = shared_data_root()
    if data is None:
        pytest.skip("the offline data root is not available")
    cmd = [sys.executable, "-m", "harness.cli", "check", str(REPO / "submissions" / lab / sample), "--lab", lab,
           "--quick", "--lang", "ko", "--data-root", str(data), "--out", str(tmp_path / "out")]
    if lab == "resnet50-top3":
        cmd += ["--weights", f"resnet50={random_resnet50_weights}"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("labgrade 점검: "), done.stdout[:500]
    assert HANGUL.search(lines[2]), lines[2]  # how the run ended
    items = [line for line in lines if line.startswith("  [")]
    messages = [line.strip() for line in lines if line.startswith("         ")]
    assert items and all(HANGUL.search(line) for line in items), "\n".join(items)
    assert all(HANGUL.search(line) for line in messages), "\n".join(messages)
    assert any(line.startswith("공개 항목: ") for line in lines)
    folder = tmp_path / "out" / Path(sample).stem
    feedback = json.loads((folder / "feedback.json").read_text(encoding="utf-8"))
    assert feedback["lang"] == "ko" and all(HANGUL.search(i["message"]) for i in feedback["items"])
    assert '<html lang="ko">' in (folder / "feedback.html").read_text(encoding="utf-8")
