"""A message is an id and its arguments; it becomes text only when someone reads it, in their language.

`msg(template, **args)` is the marker the catalogue extraction looks for: the template is the
English text with named ``{placeholders}`` (Python format syntax, format specs included, e.g.
``{value:.1%}``), and it is also the message id. Arguments are plain JSON values (numbers,
strings, lists) or other messages, so a message can be stored in ``grade.json`` and shown later
in any language.

Numbers are formatted by the specs written in the template (``{acc:.1%}``, ``{s:.2f}``,
``{n:,}``); Korean writes digits, decimal points, thousands separators and percentages the
same way, so a translation keeps the spec and changes only the words around it (``{s:.2f} s``
becomes ``{s:.2f}초``). A list argument with a format spec is joined with the spec as the
separator: ``{problems:; }`` renders each item (messages in the reader's language) joined by
``"; "``. Without a spec a list formats as Python would (``['cat', 'dog']``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Mapping

from harness.i18n.catalogue import translate

ENGLISH = "en"


@dataclass(frozen=True, eq=True)
class Msg:
    """A student-facing message before it is put into words.

    Attributes:
        msgid: the English template with named ``{placeholders}``; also the catalogue key.
        args: placeholder -> plain JSON value, a `Msg`, or a list of those.
    """

    msgid: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self, ENGLISH)

    def __contains__(self, text: str) -> bool:
        """True when the English rendering contains `text` (what code and tests that read messages expect)."""
        return text in render(self, ENGLISH)

    def to_json(self) -> dict:
        """``{"msgid": ..., "args": {...}}`` with nested messages encoded the same way."""
        return {"msgid": self.msgid, "args": encode_args(self.args)}

    @classmethod
    def from_json(cls, data: Any) -> "Msg":
        """The message `to_json` wrote.

        Raises:
            ValueError: `data` is not an encoded message.
        """
        if not is_encoded(data):
            raise ValueError(f"not an encoded message (expected {{'msgid': str, 'args': dict}}); "
                             f"received {data!r:.200}")
        return cls(data["msgid"], decode_args(data["args"]))


def msg(template: str, /, **args: Any) -> Msg:
    """A student-facing message: `template` (English, ``{named}`` placeholders) and its arguments.

    This call is what the catalogue extraction finds (``python -m harness.i18n update``):
    pass the template as a string literal, never an f-string.
    """
    return Msg(template, {k: _plain(v) for k, v in args.items()})


def _plain(value: Any) -> Any:
    """Tuples become lists so that a message equals its JSON round-trip."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def is_encoded(data: Any) -> bool:
    """True for the JSON form of a message."""
    return isinstance(data, dict) and set(data) == {"msgid", "args"} and isinstance(data["msgid"], str) \
        and isinstance(data["args"], dict)


def encode_args(args: Mapping[str, Any]) -> dict:
    """Message arguments as plain JSON (nested messages as ``{"msgid", "args"}``)."""
    return {str(k): _encode(v) for k, v in args.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, Msg):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def decode_args(data: Mapping[str, Any]) -> dict:
    """The inverse of `encode_args`."""
    return {str(k): _decode(v) for k, v in data.items()}


def _decode(value: Any) -> Any:
    if is_encoded(value):
        return Msg(value["msgid"], decode_args(value["args"]))
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class _Formatter(string.Formatter):
    """`str.format` limited to named fields (no attribute or index access), with messages and lists."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def get_field(self, field_name, args, kwargs):
        if not field_name.isidentifier():  # "{a.__class__}" or "{a[0]}" never reaches into an argument
            raise KeyError(field_name)
        return kwargs[field_name], field_name

    def format_field(self, value, format_spec):
        if isinstance(value, Msg):
            return format(render(value, self.lang), format_spec)
        if isinstance(value, (list, tuple)) and format_spec:
            return format_spec.join(self.format_field(v, "") for v in value)
        return format(value, format_spec)


def render(value: Msg | str | None, lang: str = ENGLISH, *, fallback: str | None = None) -> str:
    """The text of `value` in `lang`.

    A `Msg` is translated (its English template when the catalogue has no translation) and
    formatted (a message without arguments is its text as written, braces included); a plain
    string is looked up as a whole in the catalogue (rubric item names,
    lab titles) and returned unchanged when it is not there. Never raises for a bad message:
    when a translation cannot be formatted the English template is used, then `fallback`.

    Args:
        value: a message, a plain string or None (empty text).
        lang: a language code of `harness.i18n.available_languages`.
        fallback: text to show when even the English template cannot be formatted with
            the arguments (e.g. a stored English rendering).
    """
    if value is None:
        return ""
    if isinstance(value, Msg):
        if not value.args:  # nothing to fill in: the text as written (braces and all)
            return translate(value.msgid, lang)
        for template in (translate(value.msgid, lang), value.msgid):
            try:
                return _Formatter(lang).vformat(template, (), dict(value.args))
            except (KeyError, IndexError, ValueError, TypeError, AttributeError):
                continue
        return fallback if fallback is not None else value.msgid
    if isinstance(value, str):
        return translate(value, lang)
    return str(value)


def render_stored(message_id: str, message_args: Mapping[str, Any] | None, message: str, lang: str) -> str:
    """A message stored as id + JSON arguments (a `CheckResult`, a `Diagnosis`), in `lang`.

    Results written before messages had ids carry only their English text: that text is shown
    (translated when the catalogue knows it as a whole).
    """
    if not message_id:
        return render(message, lang)
    if lang == ENGLISH and message:
        return message
    try:
        stored = Msg(message_id, decode_args(message_args or {}))
    except (AttributeError, TypeError):
        return render(message, lang)
    return render(stored, lang, fallback=message)


def placeholders(template: str) -> set[str]:
    """The named fields of a ``{}`` template (format specs left out)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
