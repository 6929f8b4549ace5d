"""The message catalogues: ``locale/<lang>/LC_MESSAGES/labgrade.po``, read with Babel.

English is the source language (every message id is its English text), so it needs no
catalogue. Other languages are gettext ``.po`` files, loaded once per process; a message
without a translation (or marked fuzzy) falls back to English. The ``.po`` files are the
only copy: they are read directly, so nothing has to be compiled after an edit.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "labgrade"
LANGUAGES = ("en", "ko")
"""Languages labgrade speaks to students: English (the source) and Korean (the lecture's language)."""
SOURCE = "en"


def available_languages() -> tuple[str, ...]:
    """The language codes `--lang` accepts."""
    return LANGUAGES


def po_path(lang: str) -> Path:
    """Where the catalogue of `lang` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def entries(lang: str) -> dict[str, str]:
    """msgid -> translation of `lang` (only non-empty, non-fuzzy ones; empty for English).

    Raises:
        ValueError: `lang` is not one of `LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; labgrade speaks {', '.join(LANGUAGES)}")
    if lang == SOURCE:
        return {}
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and isinstance(m.string, str)
            and m.string and not m.fuzzy}


def translate(msgid: str, lang: str) -> str:
    """The translation of `msgid` in `lang`, or `msgid` itself when there is none."""
    return entries(lang).get(msgid, msgid) if lang != SOURCE else msgid


class Translations:
    """The gettext interface Jinja2's ``i18n`` extension expects, over one catalogue."""

    def __init__(self, lang: str):
        self.lang = lang

    def gettext(self, message: str) -> str:
        """The translation of `message`."""
        return translate(message, self.lang)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Korean has no plural forms; English picks by `n`."""
        return self.gettext(singular if n == 1 else plural)
