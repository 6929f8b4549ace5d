"""Hostile results folders: every bad file is reported, none stops the class, nothing reaches the page as markup."""

from __future__ import annotations

import json
import os

import pytest

from harness.integrity.detect import similarity
from harness.integrity.corpus import MAX_CELL_CHARS, UnreadableSubmission, read_submission
from harness.report.render import static_text
from tests.unit.integrity_class import KOREAN_DROPOUT_1, OWN_CODE_LOOPS, sample_cells, write_student
from tests.unit.report_html import assert_inert

SORT_JS = static_text("sort.js")
PAYLOAD = ('<script>alert("md")</script> <img src=x onerror=alert(2)> </pre></mark><script>alert(3)</script> '
           '<a href="javascript:alert(4)">x</a> ')
HOSTILE_ID = '<script>alert("sid")</script><svg onload=alert(5)>'


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-similarity")
    code = [("code", c) for c in OWN_CODE_LOOPS]
    analysis = PAYLOAD + KOREAN_DROPOUT_1
    # two students share code and a markdown cell full of markup: both land in the side-by-side view
    write_student(out, "mallory", code + [("markdown", analysis)], student_id=HOSTILE_ID)
    write_student(out, "trent", code + [("markdown", analysis)])
    write_student(out, "alice", sample_cells("cats-dogs/correct.ipynb"))
    huge = "x = model.fit(a, b, epochs=1)\n" * 200_000 + "<script>alert(6)</script>"
    write_student(out, "huge", [("code", huge), ("markdown", "word " * 400_000)])
    junk = "".join(map(chr, range(0, 0x3000, 7))) + "\ud800\udfff lone surrogates \x00\x1b[31m"
    write_student(out, "junk", [("code", junk), ("markdown", junk)], student_id="junk\ud800")
    write_student(out.parent / f"{out.name}-elsewhere", "target", [("code", c) for c in OWN_CODE_LOOPS])
    (out / "linked").mkdir()
    os.symlink(out.parent / f"{out.name}-elsewhere" / "target" / "execution.json", out / "linked" / "execution.json")
    os.symlink(out.parent / f"{out.name}-elsewhere" / "target", out / "linked-folder")
    for name, data in {"nested": b"[" * 200_000 + b"]" * 200_000, "binary": os.urandom(4096),
                       "wrong-schema": json.dumps({"schema_version": 1, "cells": "no"}).encode(),
                       "old-schema": json.dumps({"schema_version": 0}).encode(), "empty": b""}.items():
        (out / name).mkdir()
        (out / name / "execution.json").write_bytes(data)
    (out / "fifo").mkdir()
    os.mkfifo(out / "fifo" / "execution.json")
    (out / "dir" / "execution.json").mkdir(parents=True)
    os.mkdir(os.path.join(os.fsencode(out), b"odd-\xff-name"))
    write_student(out / os.fsdecode(b"odd-\xff-name").rsplit("/", 1)[-1], "", [("code", OWN_CODE_LOOPS[2])])
    report = similarity(out)
    return out, report


def test_every_bad_file_is_reported_and_the_rest_compared(hostile_class):
    out, report = hostile_class
    problems = "\n".join(report.problems)
    for folder, why in [("linked/execution.json", "symbolic link"), ("linked-folder/", "symbolic link"),
                        ("nested/execution.json", "nested too deeply"), ("binary/execution.json", "not UTF-8"),
                        ("wrong-schema/execution.json", "not a valid Execution"),
                        ("old-schema/execution.json", "schema_version=0"), ("empty/execution.json", "Not JSON"),
                        ("fifo/execution.json", "not a regular file"), ("dir/execution.json", "not a regular file")]:
        assert f"{folder}" in problems and why in problems.split(folder, 1)[1].split("\n", 1)[0], folder
    compared = {s.folder for s in report.submissions}
    assert {"mallory", "trent", "alice", "huge", "junk", "odd-\\xff-name"} == compared
    assert [(p.a, p.b) for p in report.flagged] == [("mallory", "trent")]


def test_huge_cells_are_capped_and_noted(hostile_class):
    _, report = hostile_class
    huge = next(s for s in report.submissions if s.folder == "huge")
    assert any(f"first {MAX_CELL_CHARS:,}" in n for n in huge.notes)
    assert huge.code_tokens <= MAX_CELL_CHARS


def test_the_page_shows_hostile_text_as_text(hostile_class):
    out, _ = hostile_class
    html = (out / "similarity.html").read_text(encoding="utf-8")
    page = assert_inert(html, allowed_scripts=(SORT_JS,))
    assert page.scripts == [SORT_JS]
    assert '<script>alert("md")</script>' in page.text and HOSTILE_ID in page.text
    assert "&lt;script&gt;alert(&#34;sid&#34;)" in html or "&lt;script&gt;alert(&quot;sid&quot;)" in html
    assert not any(a.get("onerror") or a.get("onload") for _, a in page.tags)


def test_the_report_files_are_valid_utf8_json(hostile_class):
    out, report = hostile_class
    data = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    assert len(data["submissions"]) == len(report.submissions)
    junk = next(s for s in data["submissions"] if s["folder"] == "junk")
    assert junk["student_id"] == "junk?"


def test_max_bytes_is_enforced_before_reading(tmp_path):
    write_student(tmp_path, "big", [("code", "x = 1\n" * 50_000)])
    with pytest.raises(UnreadableSubmission, match="at most 1,000 are read"):
        read_submission(tmp_path / "big" / "execution.json", max_bytes=1000)
