"""Messages, their rendering and JSON round-trip, the language choice, and what grading stores."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.checks.context import Verdict
from harness.errors import InputError
from harness.i18n import Msg, msg, render, render_stored, resolve_lang
from harness.i18n.language import _rubric_lang, locale_lang
from harness.rubric import Item
from harness.checks.runner import check_result


def test_a_message_renders_in_english_and_korean():
    m = msg("`{model}`: {value:.1%} on held-out images, within the reference range.", model="model", value=0.8361)
    assert render(m, "en") == str(m) == "`model`: 83.6% on held-out images, within the reference range."
    assert render(m, "ko") == "`model`: held-out 이미지에서 83.6%로, 기준 범위 안에 있습니다."
    assert "83.6%" in m and "below" not in m  # `in` reads the English text


def test_seconds_and_thousands_in_both_languages():
    m = msg("Training: {seconds:.1f} s in fit, {rate:,.0f} samples/s.", seconds=9.04, rate=12345.6)
    assert render(m, "en") == "Training: 9.0 s in fit, 12,346 samples/s."
    assert render(m, "ko") == "학습: fit에 9.0초, 초당 12,346개 샘플."


def test_lists_of_messages_are_joined_in_the_readers_language():
    m = msg("{parts:; }.{note} Fix the first failing cell and run the whole notebook top to bottom.",
            parts=[msg("{n} cell(s) never ran", n=2), msg("it was stopped at the time limit")], note="")
    assert render(m, "en").startswith("2 cell(s) never ran; it was stopped at the time limit. Fix")
    assert render(m, "ko").startswith("셀 2개는 실행되지 않았습니다; 시간 제한에 걸려 중단되었습니다. 처음")


def test_json_round_trip_keeps_nested_messages():
    m = msg("{head}: {quotes:; }.", head=msg("Does not match the grader's measurement"),
            quotes=[msg("the accuracy of {model}", model=msg("model B"))])
    data = json.loads(json.dumps(m.to_json()))
    assert Msg.from_json(data) == m
    with pytest.raises(ValueError, match="not an encoded message"):
        Msg.from_json({"msgid": 3})


def test_arguments_are_values_never_code():
    assert render(Msg("{x.__class__}", {"x": 1}), "en") == "{x.__class__}"  # no attribute access: shown as is
    assert render(Msg("{value:.1%}", {"value": "not a number"}), "ko", fallback="stored") == "stored"
    assert render(msg("Nothing ran: {detail}.", detail="{secret}"), "en") == "Nothing ran: {secret}."


def test_plain_strings_are_looked_up_whole():
    assert render("Runs to the end", "ko") == "끝까지 실행됨"
    assert render("an English sentence nobody translated", "ko") == "an English sentence nobody translated"
    assert render(None, "ko") == ""


def test_stored_messages():
    m = msg("{n} figure(s) with data.", n=2)
    assert render_stored(m.msgid, m.to_json()["args"], "2 figure(s) with data.", "ko") == "데이터가 담긴 그림 2개."
    assert render_stored(m.msgid, m.to_json()["args"], "stored English", "en") == "stored English"
    assert render_stored("", {}, "older grade text", "ko") == "older grade text"


def test_a_grade_stores_english_text_and_the_id():
    item = Item("figures", "Learning curves plotted", 10, "figures")
    result = check_result(item, Verdict(1.0, msg("{n} figure(s) with data.", n=1)))
    assert result.message == "1 figure(s) with data." and result.message_id == "{n} figure(s) with data."
    assert result.message_args == {"n": 1}
    plain = check_result(item, Verdict(0.0, "instructor text"))
    assert plain.message == "instructor text" and plain.message_id == "" and plain.message_args == {}


def test_language_choice(tmp_path):
    assert resolve_lang("ko") == "ko" and resolve_lang("en", environ={"LANG": "ko_KR.UTF-8"}) == "en"
    with pytest.raises(InputError, match="Unknown language 'fr'"):
        resolve_lang("fr")
    assert resolve_lang(None, environ={"LANG": "ko_KR.UTF-8"}) == "ko"
    assert resolve_lang(None, environ={"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"  # LC_ALL first
    assert resolve_lang(None, environ={}) == "en" and locale_lang({}) is None
    rubric = tmp_path / "lab.toml"
    rubric.write_text('[rubric]\nlab = "dropout"\nlang = "ko"\n')
    assert _rubric_lang(rubric, 1.0) == "ko"
    rubric.write_text('[rubric]\nlab = "dropout"\nlang = "de"\n')
    with pytest.raises(InputError, match="is not a language labgrade speaks"):
        _rubric_lang(rubric, 2.0)
    assert resolve_lang(None, lab="dropout", environ={}) == "en"  # the shipped rubrics set no language


def test_rubric_language_is_the_default(monkeypatch):
    from harness.i18n import language

    monkeypatch.setattr(language, "rubric_lang", lambda lab: "ko" if lab == "dropout" else None)
    assert language.resolve_lang(None, lab="dropout", environ={"LANG": "en_US.UTF-8"}) == "ko"
    assert language.resolve_lang("en", lab="dropout") == "en"


def test_cli_offers_lang():
    from harness.cli import main

    runner = CliRunner()
    for command in (["check", "--help"], ["grade", "--help"], ["report", "--help"]):
        out = runner.invoke(main, command).output
        assert "--lang [en|ko]" in out, command
    bad = runner.invoke(main, ["check", __file__, "--lab", "dropout", "--lang", "fr"])
    assert bad.exit_code == 2 and "'fr' is not one of" in bad.output
