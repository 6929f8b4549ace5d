"""A class from an LMS download to a gradebook: roster, late policy, regrade and export.

One Blackboard download is graded once (a real dropout submission that trains, tiny
notebooks, a late one, a very late one, a submitter who is not on the roster, a roster
student who handed nothing in); every test reads that graded class. Regrading after a
rubric change must give exactly what grading from scratch with that rubric gives.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from harness import api, results
from harness.labs import get_lab
from harness.models import Grade
from tests.integration.nbfactory import notebook

ROOT = Path(__file__).resolve().parents[2]
DUE = "2026-10-01T23:59"
TZ = "Asia/Seoul"
# username -> (file-name stamp, Seoul time; what is handed in)
HANDED_IN = {
    "alice": ("2026-10-01-20-00-00", "correct"),    # on time, trains for real
    "bob": ("2026-10-02-10-00-00", "tiny"),         # 10 h late: one day started
    "carol": ("2026-10-04-01-00-00", "broken"),     # 2 days 1 h late: three days started
    "eve": ("2026-10-01-12-00-00", "tiny"),         # on time, not on the roster
}
ROSTER = ("student_id,name,email,section,username\n"
          "S001,Alice Kim,alice@example.edu,01,alice\n"
          "S002,Bob Lee,bob@example.edu,01,bob\n"
          "S003,Carol Park,=HYPERLINK(\"x\"),02,carol\n"
          "S004,Dave Choi,dave@example.edu,02,dave\n")
OPTIONS = dict(quick=True, sandbox="bwrap", timeout=900, cell_timeout=600, tz=TZ, due=DUE, late_rate=0.1,
               late_per="day", missing="zero")


def _download(folder: Path) -> Path:
    """A Blackboard "Assignment File Download" zip (files named with the attempt's time)."""
    tiny = notebook(folder / "tiny.ipynb", "history = {'loss': [1.0, 0.5]}\nprint('trained?')",
                    markdown=("The model overfits a little after epoch 3.",))
    broken = notebook(folder / "broken.ipynb", "raise RuntimeError('unfinished')")
    files = {"correct": (ROOT / "submissions" / "dropout" / "correct.py").read_bytes(), "tiny": tiny.read_bytes(),
             "broken": broken.read_bytes()}
    path = folder / "gradebook_LAB3_Lab3.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for user, (stamp, kind) in HANDED_IN.items():
            name = "lab3.py" if kind == "correct" else "lab3.ipynb"
            zf.writestr(f"Lab 3_{user}_attempt_{stamp}_{name}", files[kind])
    return path


def _rubric_with_doubled(item: str, folder: Path) -> Path:
    """The dropout rubric with one item's points doubled (what an instructor edits)."""
    text = get_lab("dropout").rubric_path.read_text(encoding="utf-8")
    block = re.compile(rf'(\[\[item\]\]\s*\nid = "{item}"\n(?:(?!\[\[item).*\n)*?)points = (\d+(?:\.\d+)?)')
    changed, n = block.subn(lambda m: f"{m.group(1)}points = {float(m.group(2)) * 2:g}", text, count=1)
    assert n == 1, f"item {item!r} not found in the dropout rubric"
    path = folder / "dropout-doubled.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def _grades(out: Path) -> dict[str, Grade]:
    return {e.folder: e.grade for e in results.load_class(out)[0]}


def _comparable(g: Grade) -> dict:
    """A grade's scores: total, raw, late verdict and every item's status and points (not the
    messages, which quote run times)."""
    return {"score": g.score, "raw": g.raw_score, "max": g.max_score, "late": g.late,
            "items": [(c.item, c.status, c.score, c.max_score) for c in g.lab_result.checks]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data_root):
    work = tmp_path_factory.mktemp("classwork")
    download = _download(work)
    roster = work / "students.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = work / "out"
    summary = api.grade([download], lab="dropout", out=out, data_root=data_root, roster=roster, jobs=2, **OPTIONS)
    assert not summary.failed, summary.failed
    return work, out, download, roster


def test_every_submission_is_joined_and_late_ones_pay_a_visible_penalty(graded):
    _, out, _, _ = graded
    grades = _grades(out)
    assert set(grades) == set(HANDED_IN)
    assert grades["alice"].late["status"] == "on_time" and grades["alice"].score == grades["alice"].raw_score
    bob = grades["bob"]
    assert bob.late["status"] == "late" and bob.late["units"] == 1
    assert bob.score == pytest.approx(round(bob.raw_score * 0.9, 3), abs=1e-3)
    assert "10%" in bob.late["line"]
    carol = grades["carol"]
    assert carol.late["units"] == 3 and carol.score == pytest.approx(round(carol.raw_score * 0.7, 3), abs=1e-3)
    with open(out / results.GRADES_CSV, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    by_roster = {r["roster_id"]: r for r in rows}
    assert by_roster["S002"]["late"].startswith(bob.late["line"][:20])
    assert float(by_roster["S002"]["late_penalty"]) == pytest.approx(bob.late["penalty_points"], abs=0.01)
    assert float(by_roster["S004"]["score"]) == 0.0  # missing="zero": Dave handed nothing in
    assert by_roster["S003"]["email"].startswith("'")  # a formula in the roster never reaches a spreadsheet raw
    dashboard = (out / results.DASHBOARD).read_text(encoding="utf-8")
    assert "Dave Choi" in dashboard and "eve" in dashboard
    assert "Bob Lee" in (out / "bob" / results.REPORT).read_text(encoding="utf-8")


def test_export_writes_every_gradebook_from_the_stored_grades(graded, tmp_path):
    _, out, _, _ = graded
    grades = _grades(out)
    nb = api.export(out, fmt="nbgrader", path=tmp_path / "nbgrader.csv", assignment="Lab 3")
    rows = {r["student_id"]: r for r in csv.DictReader(open(nb.path, encoding="utf-8"))}
    assert set(rows) == {"S001", "S002", "S003", "S004", "eve"}
    assert float(rows["S002"]["late_submission_penalty"]) == pytest.approx(grades["bob"].late["penalty_points"],
                                                                          abs=0.01)
    assert float(rows["S002"]["score"]) == pytest.approx(grades["bob"].score, abs=0.01)
    assert rows["S004"]["score"] == "0.00" and rows["S004"]["timestamp"] == ""
    assert rows["S002"]["duedate"].startswith("2026-10-01 14:59")  # 23:59 in Seoul, written in UTC
    bb = api.export(out, fmt="blackboard", path=tmp_path / "bb.csv", assignment="Lab 3", assignment_id="_123_1")
    header, *body = list(csv.reader(open(bb.path, encoding="utf-8")))
    assert header[4].startswith("Lab 3 [Total Pts:") and header[4].endswith("|_123_1")
    assert {r[2] for r in body} == {"alice", "bob", "carol", "dave", "eve"}
    canvas = api.export(out, fmt="canvas", path=tmp_path / "canvas.csv")
    assert canvas.rows == 5 and any("no Canvas ID" in p for p in canvas.problems)


def test_regrade_after_a_rubric_change_equals_grading_from_scratch(graded, tmp_path, data_root):
    work, out, download, roster = graded
    copy = tmp_path / "regraded"
    shutil.copytree(out, copy)
    changed = _rubric_with_doubled("contract", tmp_path)
    summary = api.regrade(copy, rubric=changed)
    assert sorted(summary.regraded) == sorted(HANDED_IN) and not summary.problems and not summary.needs_rerun
    fresh = tmp_path / "fresh"
    api.grade([download], lab="dropout", out=fresh, data_root=data_root, roster=roster, jobs=2,
              rubric=changed, **OPTIONS)
    regraded, scratch = _grades(copy), _grades(fresh)
    assert {k: _comparable(v) for k, v in regraded.items()} == {k: _comparable(v) for k, v in scratch.items()}
    before = _grades(out)
    assert regraded["alice"].max_score == before["alice"].max_score + 10
    # And back: the original rubric gives the original grades.
    api.regrade(copy)
    assert {k: _comparable(v) for k, v in _grades(copy).items()} == {k: _comparable(v) for k, v in before.items()}

