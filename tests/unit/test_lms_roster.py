"""students.csv: reading it (header spellings, BOM, CP949, Korean names), its errors, and the join."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.lms.found import Found
from harness.lms.roster import RosterError, match_roster, read_roster

ROSTER = Path(__file__).resolve().parents[1] / "data" / "lms" / "roster" / "students.csv"


def test_read_roster_with_bom_korean_headers_and_lms_ids():
    roster = read_roster(ROSTER)
    ada, alan, grace, hong, *_ = roster.students
    assert [s.student_id for s in roster.students] == [f"2023123{i}" for i in range(4, 10)] + ["20231240"]
    assert (ada.name, ada.email, ada.section, ada.row) == ("Ada Lovelace", "ada@example.edu", "01", 2)
    assert ada.lms_ids == {"canvas_id": "1001", "sis_id": "S-20231234", "login": "ada", "moodle_id": "1234",
                           "username": "alovelace"}
    assert alan.lms_ids == {"moodle_id": "1235", "username": "aturing"}
    assert (hong.name, hong.email) == ("홍길동", "hong@example.edu")
    assert grace.email is None
    assert roster.students[-1].name == "Lee, Soo-jin"  # a quoted comma stays in the name


def test_cp949_semicolons_and_first_last_columns(tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes("Student Number;First Name;Last Name;E-mail\n2023;길동;홍;hong@example.edu\n".encode("cp949"))
    (s,) = read_roster(path).students
    assert (s.student_id, s.first_name, s.last_name, s.name, s.email) == ("2023", "길동", "홍", "길동 홍",
                                                                          "hong@example.edu")


@pytest.mark.parametrize("text, row, column, message", [
    ("name,email\nAda,ada@x\n", 1, None, "no student id column; the header is 'name', 'email'. Name one column 'id'"),
    ("id,name\n1,Ada\n2,Alan\n1,Grace\n", 4, "id", "student id '1' is already on row 2; ids must be unique"),
    ("학번,이름\n1,Ada\n,Alan\n", 3, "학번", "empty student id; every row needs one"),
    ("id,name\n1,Ada,extra\n", 2, None, "3 cells but the header has 2; a comma inside a value needs quotes"),
    ("id,student_id\n1,2\n", 1, "student_id", "two columns mean the same thing ('id' and 'student_id')"),
    ("\n\n", None, None, "the roster is empty; the first row must be a header"),
])
def test_malformed_rosters_name_the_row_and_column(tmp_path, text, row, column, message):
    path = tmp_path / "students.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert (info.value.row, info.value.column) == (row, column)
    assert message in str(info.value) and str(path) in str(info.value)
    if row is not None:
        assert f"row {row}" in str(info.value)


def test_unreadable_roster(tmp_path):
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "nope.csv")
    bad = tmp_path / "latin.csv"
    bad.write_bytes(b"id,name\n1,\xff\xfe\xfa\n")
    with pytest.raises(RosterError, match="neither UTF-8 nor CP949"):
        read_roster(bad)


def _found(sid, lms="plain", **kw) -> Found:
    return Found(Path(f"/x/{sid}.ipynb"), sid, f"/x/{sid}.ipynb", lms=lms, **kw)


def test_join_by_id_lms_ids_email_and_name():
    roster = read_roster(ROSTER)
    found = [
        _found("20231234"),                                                            # id
        _found("lovelaceada_1001", "canvas", display_name="lovelaceada",
               lms_ids={"canvas_user_id": "1001"}),                                    # lms id (2nd submission)
        _found("turingalan_1002", "canvas", display_name="turingalan",
               lms_ids={"canvas_user_id": "1002"}),                                    # Canvas name form
        _found("Grace_Hopper_1236", "moodle", display_name="Grace Hopper",
               lms_ids={"moodle_participant_id": "1236"}),                             # lms id
        _found("gdhong", "blackboard", display_name="홍길동", lms_ids={"blackboard_username": "gdhong"}),
        _found("soojin_example.edu", "gradescope", email="SooJin@Example.edu",
               co_submitters=({"student_id": "20231299", "display_name": "Eve", "email": None},)),
        _found("student", display_name="김민준"),                                       # two 김민준: ambiguous
        _found("mallory", display_name="Mallory"),
    ]
    m = match_roster(found, roster)
    pairs = [(x.submitter.student_id, x.student.student_id, x.via) for x in m.matched]
    assert pairs == [("20231234", "20231234", "id"), ("lovelaceada_1001", "20231234", "lms_id"),
                     ("turingalan_1002", "20231235", "name"), ("Grace_Hopper_1236", "20231236", "lms_id"),
                     ("gdhong", "20231237", "lms_id"), ("soojin_example.edu", "20231240", "email")]
    assert [(s.student_id, s.member) for s in m.unknown] == [("20231299", 1), ("mallory", 0)]
    assert [(a.submitter.student_id, a.candidates, a.step) for a in m.ambiguous] == [
        ("student", ("20231238", "20231239"), "name")]
    assert [s.student_id for s in m.missing] == ["20231238", "20231239"]
    problems = "\n".join(m.problems)
    assert "roster student 20231234 matched 2 submissions" in problems
    assert "student (김민준) from /x/student.ipynb: fits 2 roster students (20231238, 20231239) by name" in problems
    assert "mallory (Mallory) from /x/mallory.ipynb: not on the roster" in problems
    assert m.student_for(found[3]).name == "Grace Hopper" and m.student_for(found[-1]) is None
    assert json.loads(json.dumps(m.to_dict()))["matched"][2] == {
        "student_id": "turingalan_1002", "display_name": "turingalan", "email": None, "member": 0,
        "submission": "turingalan_1002", "origin": "/x/turingalan_1002.ipynb", "roster_id": "20231235",
        "via": "name"}


def test_gradescope_group_members_each_join_the_roster(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("id,name,email\n1,Kim Minjun,a@x.edu\n2,Kim Minjun,b@x.edu\n3,Lee Jiwoo,c@x.edu\n")
    group = _found("3", "gradescope", display_name="Lee Jiwoo", lms_ids={"gradescope_sid": "3"},
                   co_submitters=({"student_id": "b_x.edu", "display_name": "Kim Minjun", "email": "B@x.edu"},))
    m = match_roster([group], read_roster(path))
    assert [(x.submitter.member, x.student.student_id, x.via) for x in m.matched] == [(0, "3", "id"),
                                                                                        (1, "2", "email")]
    assert [s.student_id for s in m.missing] == ["1"] and m.problems == []
