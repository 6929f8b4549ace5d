"""The Korean catalogue covers every student-facing message, with the same placeholders, and renders.

Every message the sources mark (``msg(...)``, template ``_()``, rubric item names, lab titles and
contract descriptions) has a non-empty Korean translation; each translation keeps the English
template's placeholders (and format specs); each renders with sample arguments in both languages.
"""

from __future__ import annotations

import re
import string

import pytest

from harness.i18n import Msg, msg, placeholders, render
from harness.i18n.catalogue import entries, po_path
from harness.i18n.extract import extract_messages, problems
from harness.i18n.message import _Formatter

KO = entries("ko")
SOURCES = extract_messages()
HANGUL = re.compile(r"[\uac00-\ud7a3]")
JINJA_FIELD = re.compile(r"%\((\w+)\)s")
# Entries with nothing to translate: layout of other messages, or Keras code.
SAME_IN_KOREAN = {
    "{how}; {times:, }", "{what}: {tied: / } ({listing:, })", "{head}: {quotes:; }.", "{parts: }",
    "{problems:; }.{note}", "keras.optimizers.SGD(learning_rate=0.001)", "keras.optimizers.Adam(learning_rate=0.001)",
    "keras.utils.to_categorical(y, num_classes)", "history.history['accuracy'], history.history['val_accuracy']",
    "model.save('model.keras')",
}
JOIN_SPECS = {", ", "; ", " / ", " "}


def _fields(template: str) -> list[tuple[str, str, str | None]]:
    """(name, format spec, conversion) of each ``{}`` field."""
    return [(name, spec or "", conv) for _, name, spec, conv in string.Formatter().parse(template) if name]


def _is_jinja(msgid: str) -> bool:
    return bool(JINJA_FIELD.search(msgid))


def _sample(spec: str, conv: str | None):
    if spec in JOIN_SPECS:
        return [msg("model A"), "b"]
    if spec:
        return 3 if spec.endswith("d") else 0.4567
    return ["cat", "dog"] if conv == "r" else "x"


def test_the_sources_mark_hundreds_of_messages():
    assert len(SOURCES) > 400
    assert "Your submission ran to the end." in SOURCES  # Python msg()
    assert "Rubric" in SOURCES  # a template's _()
    assert "Runs to the end" in SOURCES  # a rubric item name
    assert "Cats vs dogs with a frozen MobileNet backbone" in SOURCES  # a lab title


def test_every_message_is_in_the_korean_catalogue_and_translated():
    assert po_path("ko").is_file()
    assert problems("ko") == []


def test_every_translation_is_korean_unless_there_is_nothing_to_translate():
    for msgid, text in KO.items():
        if msgid in SAME_IN_KOREAN:
            assert text == msgid
        else:
            assert HANGUL.search(text), f"no Korean in the translation of {msgid!r}: {text!r}"


@pytest.mark.parametrize("msgid", sorted(KO))
def test_translation_keeps_the_placeholders(msgid):
    text = KO[msgid]
    if _is_jinja(msgid):
        assert sorted(set(JINJA_FIELD.findall(text))) == sorted(set(JINJA_FIELD.findall(msgid)))
        assert text.count("%") == msgid.count("%"), "a literal % must be written %% in template messages"
        return
    if "{" not in msgid:
        return
    want = sorted(set(_fields(msgid)))
    got = sorted(set(_fields(text)))
    assert got == want, f"{msgid!r}: placeholders/specs {want} but the translation has {got}"
    if "  (" in msgid:  # a replacement "code  (why)": the feedback quotes the code part
        head = msgid.split("  (")[0]
        assert text.startswith(head + "  ("), f"the translation of {msgid!r} must start with {head!r}  ("


@pytest.mark.parametrize("msgid", sorted(m for m in KO if not _is_jinja(m) and placeholders(m)
                                          and all(n.isidentifier() for n in placeholders(m))))
def test_every_message_renders_with_sample_arguments_in_both_languages(msgid):
    args = {name: _sample(spec, conv) for name, spec, conv in _fields(msgid)}
    english = _Formatter("en").vformat(msgid, (), args)
    korean = _Formatter("ko").vformat(KO[msgid], (), args)
    assert render(Msg(msgid, args), "en") == english
    assert render(Msg(msgid, args), "ko") == korean
    if msgid not in SAME_IN_KOREAN:
        assert HANGUL.search(korean) and korean != english


@pytest.mark.parametrize("msgid", sorted(m for m in KO if _is_jinja(m)))
def test_template_messages_format_like_jinja_does(msgid):
    values = {name: "x" for name in JINJA_FIELD.findall(msgid)}
    assert msgid % values and KO[msgid] % values


def test_placeholder_free_messages_render_as_written():
    description = "class order: {'cat': 0, 'dog': 1} or ['cat', 'dog']"
    assert render(Msg(description), "en") == description
    assert render(Msg(description), "ko") == KO[description]
