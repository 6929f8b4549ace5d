"""Discovery of LMS bulk downloads: Canvas, Moodle, Blackboard Learn, Gradescope.

Each test builds a realistic export (several students, a late one, a resubmission, a
malformed name) with the LMS's own naming convention and asserts the discovery result.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from harness.discover import discover
from harness.lms.blackboard import parse_receipt
from harness.lms.found import Discovery

DATA = Path(__file__).resolve().parents[1] / "data" / "lms"
KST = timezone(timedelta(hours=9))


def nb(tag: str) -> str:
    """A small valid notebook whose bytes differ per tag."""
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": f"print({tag!r})",
                                  "outputs": [], "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def by_id(d: Discovery) -> dict:
    return {f.student_id: f for f in d.found}


# ---------------------------------------------------------------- Canvas

CANVAS = {
    "lovelaceada_1001_50001_lab3.ipynb": nb("ada"),
    "turingalan_LATE_1002_50010_lab3.ipynb": nb("alan"),
    "turingalan_LATE_1002_50011_lab3_backup.ipynb": nb("alan backup"),
    "hoppergrace_1003_50020_lab3.ipynb": nb("grace v1"),
    "hoppergrace_1003_50031_lab3-1.ipynb": nb("grace v2"),
    "hoppergrace_1003_50045_lab3-2.ipynb": nb("grace v3"),
    "hoppergrace_1003_50046_helper.py": "x = 1\n",
    "홍길동_1005_50070_lab3.ipynb": nb("hong"),
    "anon_x7k2p_50060_lab3.ipynb": nb("anon"),
    "kimchulsoo_1004_50050_screenshot.png": b"\x89PNG",
    "random_notes.ipynb": nb("stray"),
}


def test_canvas_download(tmp_path):
    d = discover([make_zip(tmp_path / "submissions.zip", CANVAS)], tmp_root=tmp_path)
    assert [(e.lms, e.how, e.found) for e in d.exports] == [("canvas", "detected", 6)]
    found = by_id(d)
    assert sorted(found) == ["1005", "anon_x7k2p", "hoppergrace_1003", "lovelaceada_1001", "random_notes",
                             "turingalan_1002"]
    ada = found["lovelaceada_1001"]
    assert (ada.display_name, ada.late, ada.lms, ada.original_name, ada.attempt, ada.submitted_at) == \
        ("lovelaceada", False, "canvas", "lab3.ipynb", None, None)
    assert ada.lms_ids == {"canvas_user_id": "1001", "canvas_attachment_id": "50001"}
    assert ada.origin == "zip:submissions.zip/lovelaceada_1001_50001_lab3.ipynb"
    assert found["turingalan_1002"].late is True
    grace = found["hoppergrace_1003"]  # two resubmissions of lab3.ipynb: the latest (-2) wins
    assert grace.path.name == "hoppergrace_1003_50045_lab3-2.ipynb" and grace.attempt == 3
    assert [(v.attempt, v.lms_ids["canvas_attachment_id"]) for v in sorted(grace.superseded, key=lambda v: v.attempt)] \
        == [(1, "50020"), (2, "50031")]
    assert all(v.path.is_file() for v in grace.superseded)
    assert found["1005"].display_name == "홍길동" and found["1005"].lms_ids["canvas_user_id"] == "1005"
    anon = found["anon_x7k2p"]
    assert anon.display_name is None
    assert anon.lms_ids == {"canvas_anonymous_id": "x7k2p", "canvas_attachment_id": "50060"}
    assert found["random_notes"].lms == "canvas" and found["random_notes"].lms_ids == {}
    problems = "\n".join(d.problems)
    assert "random_notes.ipynb: name does not follow Canvas'" in problems
    assert "kimchulsoo (Canvas user 1004) handed in only screenshot.png; no .ipynb or .py to grade" in problems
    assert "turingalan (Canvas user 1002) handed in 2 candidate files (lab3_backup.ipynb, lab3.ipynb); graded " \
        "lab3_backup.ipynb (the latest upload)" in problems
    assert "hoppergrace" not in problems  # helper.py next to the notebook is not a second candidate


def test_canvas_single_file_and_forced_plain(tmp_path):
    f = tmp_path / "turingalan_LATE_1002_50010_lab3.ipynb"
    f.write_text(nb("alan"))
    (d,) = [discover([f])]
    assert d.found[0].student_id == "turingalan_1002" and d.found[0].late is True
    plain = discover([f], lms="plain")
    assert plain.found[0].student_id == "turingalan_LATE_1002_50010_lab3" and plain.found[0].late is None
    assert plain.exports[0].how == "given"
    with pytest.raises(ValueError, match="Unknown LMS 'webct'"):
        discover([f], lms="webct")


# ---------------------------------------------------------------- Moodle

def test_moodle_folders_per_participant(tmp_path):
    z = make_zip(tmp_path / "LAB3-12345.zip", {
        "Ada Lovelace_1234_assignsubmission_file/lab3.ipynb": nb("ada"),
        "Alan Turing_1235_assignsubmission_file/work/lab3.ipynb": nb("alan"),
        "Alan Turing_1235_assignsubmission_file/work/helper.py": "y = 2\n",
        "Alan Turing_1235_assignsubmission_file/work/lab3_copy.ipynb": nb("alan copy"),
        "Alan Turing_1235_assignsubmission_onlinetext/onlinetext.html": "<p>see notebook</p>",
        "Grace Hopper_1236_assignsubmission_onlinetext/onlinetext.html": "<p>I forgot to upload</p>",
        "홍길동_1237_assignsubmission_file/과제3.ipynb": nb("hong"),
        "stray.ipynb": nb("stray"),
    })
    d = discover([z], tmp_root=tmp_path)
    assert d.exports[0].lms == "moodle"
    found = by_id(d)
    assert sorted(found) == ["1237", "Ada_Lovelace_1234", "Alan_Turing_1235", "stray"]
    ada = found["Ada_Lovelace_1234"]
    assert (ada.display_name, ada.lms_ids, ada.submitted_at, ada.late) == \
        ("Ada Lovelace", {"moodle_participant_id": "1234"}, None, None)
    assert found["Alan_Turing_1235"].origin == \
        "zip:LAB3-12345.zip/Alan Turing_1235_assignsubmission_file/work/lab3.ipynb"
    assert found["1237"].display_name == "홍길동" and found["1237"].original_name == "과제3.ipynb"
    problems = "\n".join(d.problems)
    assert "Grace Hopper_1236 handed in only online text; no .ipynb or .py to grade" in problems
    assert "Alan Turing_1235: 2 candidate files (lab3.ipynb, lab3_copy.ipynb); graded lab3.ipynb" in problems
    assert "stray.ipynb: name does not follow Moodle's" in problems


def test_moodle_flat_files_with_blind_marking(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Participant_2001_assignsubmission_file_lab3.ipynb").write_text(nb("p1"))
    (folder / "Participant_2002_assignsubmission_file_Lab 3 (final).ipynb").write_text(nb("p2"))
    d = discover([folder])
    assert [(f.student_id, f.display_name, f.lms_ids["moodle_participant_id"], f.original_name) for f in d.found] == [
        ("Participant_2001", None, "2001", "lab3.ipynb"), ("Participant_2002", None, "2002", "Lab 3 (final).ipynb")]
    assert d.problems == []


# ---------------------------------------------------------------- Blackboard

def _receipt(name: str, user: str, date: str, files: list[tuple[str, str]], comment: str | None = None) -> str:
    listing = "\n".join(f"\tOriginal filename: {o}\n\tFilename: {f}\n" for o, f in files)
    return (f"Name: {name} ({user})\nAssignment: Lab 3\nDate Submitted: {date}\nCurrent Grade: Needs Grading\n\n"
            f"Submission Field:\nThere is no student submission text data for this assignment.\n\nComments:\n"
            f"{comment or 'There are no student comments for this assignment.'}\n\nFiles:\n{listing}")


def blackboard_export(tmp_path: Path) -> Path:
    members: dict[str, str] = {}

    def attempt(user, name, stamp, date, files, comment=None, receipt=True):
        stored = [(o, f"Lab 3_{user}_attempt_{stamp}_{o}") for o in files]
        for o, f in stored:
            members[f] = nb(f"{user} {stamp} {o}") if o.endswith(".ipynb") else "notes"
        if receipt:
            members[f"Lab 3_{user}_attempt_{stamp}.txt"] = _receipt(name, user, date, stored, comment)

    attempt("alovelace", "Ada Lovelace", "2026-10-01-23-41-07", "Thursday, 1 October 2026 23:41:07 o'clock KST",
            ["lab3.ipynb"], comment="Please grade the last cell too.")
    attempt("aturing", "Alan Turing", "2026-10-01-20-00-00", "Thursday, 1 October 2026 20:00:00 o'clock KST",
            ["lab3.ipynb"])
    attempt("aturing", "Alan Turing", "2026-10-02-09-15-30", "Friday, October 2, 2026 9:15:30 AM KST",
            ["lab3_final.ipynb", "report.pdf"])
    attempt("ghopper", "Grace Hopper", "2026-10-03-01-00-00", "", ["lab3.ipynb"], receipt=False)
    attempt("bkernighan", "Brian Kernighan", "2026-10-01-10-00-00", "Thursday, October 1, 2026 10:00:00 AM CST",
            ["lab3.ipynb"])
    members["lab3.ipynb"] = nb("unnamed")
    return make_zip(tmp_path / "gradebook_LAB3_2026-10-05-10-00-00.zip", members)


def test_blackboard_attempts_and_receipts(tmp_path):
    d = discover([blackboard_export(tmp_path)], tmp_root=tmp_path)
    assert d.exports[0].lms == "blackboard"
    found = by_id(d)
    assert sorted(found) == ["alovelace", "aturing", "bkernighan", "ghopper", "lab3"]
    ada = found["alovelace"]
    assert ada.display_name == "Ada Lovelace" and ada.comment == "Please grade the last cell too."
    assert ada.submitted_at == datetime(2026, 10, 1, 23, 41, 7, tzinfo=KST) and ada.submitted_at.utcoffset()
    assert (ada.lms_ids, ada.attempt, ada.original_name) == ({"blackboard_username": "alovelace"}, 1, "lab3.ipynb")
    alan = found["aturing"]  # two attempts: the later one wins, the first is listed
    assert (alan.original_name, alan.attempt) == ("lab3_final.ipynb", 2)
    assert alan.submitted_at == datetime(2026, 10, 2, 9, 15, 30, tzinfo=KST)
    assert [(v.attempt, v.submitted_at, v.path.name) for v in alan.superseded] == [
        (1, datetime(2026, 10, 1, 20, 0, tzinfo=KST), "Lab 3_aturing_attempt_2026-10-01-20-00-00_lab3.ipynb")]
    # No receipt (Grace) and an ambiguous zone (CST, Brian): times stay unknown, said once.
    assert found["ghopper"].submitted_at is None and found["ghopper"].display_name is None
    assert found["bkernighan"].submitted_at is None
    problems = "\n".join(d.problems)
    assert "2 Blackboard attempt(s) have times without a usable time zone" in problems
    assert "ghopper (attempt 2026-10-03-01-00-00): no receipt" in problems
    assert "lab3.ipynb: name does not follow Blackboard's" in problems


def test_blackboard_naive_times_read_in_the_given_zone(tmp_path):
    d = discover([blackboard_export(tmp_path)], tmp_root=tmp_path, tz="Asia/Seoul")
    found = by_id(d)
    assert found["ghopper"].submitted_at == datetime(2026, 10, 3, 1, 0, tzinfo=KST)  # from the file name
    assert found["bkernighan"].submitted_at.utcoffset() == timedelta(hours=9)  # CST is ambiguous: tz decides
    assert found["alovelace"].submitted_at == datetime(2026, 10, 1, 23, 41, 7, tzinfo=KST)
    assert not any("time zone" in p for p in d.problems)
    with pytest.raises(ValueError, match="Unknown time zone 'Seoul'"):
        discover([], tz="Seoul")


def test_blackboard_receipt_files():
    us = parse_receipt((DATA / "blackboard" / "receipt_us.txt").read_text(encoding="utf-8"))
    assert (us.full_name, us.username, us.assignment, us.date_submitted) == (
        "Ada Lovelace", "alovelace", "Lab 3", "Thursday, October 1, 2026 11:41:07 PM EDT")
    assert us.comment == ("I fixed the learning-rate cell.\nFiles:\n"
                          "(the line above is part of my comment, not a section)")
    assert us.submission_text is None
    assert us.files == [("lab3.ipynb", "Lab 3_alovelace_attempt_2026-10-01-23-41-07_lab3.ipynb"),
                        ("notes.pdf", "Lab 3_alovelace_attempt_2026-10-01-23-41-07_notes.pdf")]
    uk = parse_receipt((DATA / "blackboard" / "receipt_uk.txt").read_text(encoding="utf-8"))
    assert (uk.full_name, uk.username, uk.comment) == ("홍길동", "gdhong", None)
    assert uk.files == [("과제3.ipynb", "Lab 3_gdhong_attempt_2026-10-02-00-05-12_과제3.ipynb")]


def test_blackboard_committed_receipt_in_a_folder(tmp_path):
    folder = tmp_path / "bb"
    folder.mkdir()
    shutil.copy(DATA / "blackboard" / "receipt_uk.txt", folder / "Lab 3_gdhong_attempt_2026-10-02-00-05-12.txt")
    (folder / "Lab 3_gdhong_attempt_2026-10-02-00-05-12_과제3.ipynb").write_text(nb("hong"))
    (f,) = discover([folder]).found
    assert (f.student_id, f.display_name, f.original_name) == ("gdhong", "홍길동", "과제3.ipynb")
    assert f.submitted_at == datetime(2026, 10, 2, 0, 5, 12, tzinfo=KST)


# ---------------------------------------------------------------- Gradescope

METADATA = """\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '20231234'
    :email: ada@example.edu
  :created_at: 2026-10-01 14:22:32.365935000 +09:00
  :score: 8.0
  :status: processed
  :history:
  - :id: 990
    :created_at: 2026-09-30 10:00:00.000000000 +09:00
    :score: 4.0
submission_1002:
  :submitters:
  - :name: Alan Turing
    :sid: '20231235'
    :email: alan@example.edu
  - :name: 홍길동
    :sid: '20231237'
    :email: hong@example.edu
  :created_at: 2026-10-02 01:10:00.000000000 Z
  :late?: true
submission_1003:
  :submitters:
  - :name: Grace Hopper
    :sid: '20231236'
  :created_at: 2026-10-01 12:00:00.000000000 +09:00
"""


def gradescope_zip(tmp_path: Path, metadata: str = METADATA) -> Path:
    root = "assignment_4242_export/"
    return make_zip(tmp_path / "assignment_4242_export.zip", {
        root + "submission_metadata.yml": metadata,
        root + "submission_1001/lab3.ipynb": nb("ada"),
        root + "submission_1002/lab3.ipynb": nb("alan+hong"),
        root + "submission_1002/scratch.py": "pass\n",
        root + "submission_1002/old/lab3_v1.ipynb": nb("alan+hong v1"),
        root + "submission_1004/lab3.ipynb": nb("who"),
        root + "stray.py": "print('loose')\n",
    })


def test_gradescope_export(tmp_path):
    d = discover([gradescope_zip(tmp_path)], tmp_root=tmp_path)
    assert d.exports[0].lms == "gradescope"
    found = by_id(d)
    assert sorted(found) == ["20231234", "20231235", "stray", "submission_1004"]
    ada = found["20231234"]
    assert (ada.display_name, ada.email, ada.late, ada.attempt) == ("Ada Lovelace", "ada@example.edu", None, 2)
    assert ada.submitted_at == datetime(2026, 10, 1, 14, 22, 32, 365935, tzinfo=KST)
    assert ada.lms_ids == {"gradescope_submission_id": "1001", "gradescope_sid": "20231234"}
    assert [(v.attempt, v.path, v.lms_ids["gradescope_submission_id"]) for v in ada.superseded] == [(1, None, "990")]
    group = found["20231235"]
    assert group.late is True and group.submitted_at == datetime(2026, 10, 2, 1, 10, tzinfo=timezone.utc)
    assert group.co_submitters == (
        {"student_id": "20231237", "display_name": "홍길동", "email": "hong@example.edu"},)
    problems = "\n".join(d.problems)
    assert "submission_1003 is in submission_metadata.yml (Grace Hopper) but its folder is missing" in problems
    assert "submission_1004: not listed in submission_metadata.yml; graded as 'submission_1004'" in problems
    assert "submission_1002: 2 candidate files (lab3.ipynb, lab3_v1.ipynb); graded lab3.ipynb" in problems
    assert "stray.py: a file outside any submission folder; graded as 'stray'" in problems


@pytest.mark.parametrize("metadata, message", [
    ("a: &x [1, 2]\nb: *x\n", "YAML aliases are not accepted"),
    ("submission_1: !!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping of submission folders"),
    ("submission_1: [unclosed\n", "not valid YAML"),
])
def test_gradescope_hostile_metadata_is_reported(tmp_path, metadata, message):
    d = discover([gradescope_zip(tmp_path, metadata)], tmp_root=tmp_path)
    assert any(message in p for p in d.problems), d.problems
    assert sorted(f.student_id for f in d.found) == ["stray", "submission_1001", "submission_1002", "submission_1004"]


def test_gradescope_metadata_size_cap(tmp_path, monkeypatch):
    from harness.lms import gradescope

    monkeypatch.setattr(gradescope, "MAX_METADATA_BYTES", 100)
    d = discover([gradescope_zip(tmp_path)], tmp_root=tmp_path)
    assert any("larger than" in p and "refused" in p for p in d.problems)


# ---------------------------------------------------------------- plain data

def test_discovery_survives_json(tmp_path):
    d = discover([gradescope_zip(tmp_path), blackboard_export(tmp_path),
                  make_zip(tmp_path / "c.zip", CANVAS)], tmp_root=tmp_path, tz="Asia/Seoul")
    text = json.dumps(d.to_dict(), ensure_ascii=False)
    back = Discovery.from_dict(json.loads(text))
    assert back == d
    assert {e.lms for e in back.exports} == {"gradescope", "blackboard", "canvas"}
    ids = [f.student_id for f in back.found]
    assert len(ids) == len(set(ids))


def test_plain_class_folder_is_not_mistaken_for_an_lms(tmp_path):
    for name in ("alice.ipynb", "bob.ipynb", "hw_1_2_final.ipynb"):
        (tmp_path / name).write_text(nb(name))
    d = discover([tmp_path])
    assert d.exports[0].lms == "plain"
    assert [f.student_id for f in d.found] == ["alice", "bob", "hw_1_2_final"]


def test_blackboard_unreadable_receipt_date(tmp_path):
    folder = tmp_path / "bb"
    folder.mkdir()
    stamp = "2026-10-02-00-05-12"
    (folder / f"Lab 3_gdhong_attempt_{stamp}.txt").write_text(
        _receipt("홍길동", "gdhong", "sometime last week", []), encoding="utf-8")
    (folder / f"Lab 3_gdhong_attempt_{stamp}_lab3.ipynb").write_text(nb("hong"))
    d = discover([folder], tz="Asia/Seoul")
    assert d.found[0].submitted_at == datetime(2026, 10, 2, 0, 5, 12, tzinfo=KST)
    assert "Not a Blackboard date: 'sometime last week'" in d.problems[0]
    assert "file name's time was used" in d.problems[0]
    d = discover([folder])
    assert d.found[0].submitted_at is None and "submission time unknown" in d.problems[0]


def test_gradescope_metadata_symlink_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text(METADATA)
    export = tmp_path / "export"
    (export / "submission_1001").mkdir(parents=True)
    (export / "submission_1001" / "lab3.ipynb").write_text(nb("ada"))
    (export / "submission_metadata.yml").symlink_to(outside)
    d = discover([export])
    assert [f.student_id for f in d.found] == ["submission_1001"]
    assert any("a symbolic link; not followed" in p for p in d.problems)
