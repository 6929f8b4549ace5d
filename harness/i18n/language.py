"""Which language a student reads: asked for, else the rubric's, else the machine's locale, else English."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from harness.errors import InputError
from harness.i18n.catalogue import LANGUAGES, SOURCE
from harness.labs import LABS

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Read in POSIX precedence: the first one set decides."""


def check_lang(lang: str) -> str:
    """`lang` when labgrade speaks it.

    Raises:
        InputError: naming the value received and the languages available.
    """
    if lang not in LANGUAGES:
        raise InputError(f"Unknown language {lang!r}: use one of {', '.join(LANGUAGES)} (--lang ko for Korean "
                         "feedback, --lang en for English).")
    return lang


def rubric_lang(lab: str | None) -> str | None:
    """The ``lang`` of the lab rubric's ``[rubric]`` table, when it sets one.

    Raises:
        InputError: the rubric names a language labgrade does not speak.
    """
    if not lab:
        return None
    spec = LABS.get(lab)
    if spec is None or not spec.rubric_path.is_file():
        return None
    path = spec.rubric_path
    return _rubric_lang(path, path.stat().st_mtime)


@lru_cache(maxsize=32)
def _rubric_lang(path: Path, mtime: float) -> str | None:
    try:
        head = tomllib.loads(path.read_text(encoding="utf-8")).get("rubric")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # loading the rubric reports that problem itself
    value = head.get("lang") if isinstance(head, dict) else None
    if value is None:
        return None
    if value not in LANGUAGES:
        raise InputError(f"{path}: [rubric] lang = {value!r} is not a language labgrade speaks; use one of "
                         f"{', '.join(LANGUAGES)} or leave it out.")
    return value


def locale_lang(environ: Mapping[str, str] | None = None) -> str | None:
    """``ko`` when the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) is Korean, ``en`` for any other set locale."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name)
        if value:
            return "ko" if value.lower().startswith("ko") else SOURCE
    return None


def resolve_lang(lang: str | None = None, *, lab: str | None = None,
                 environ: Mapping[str, str] | None = None) -> str:
    """The language of a student's feedback.

    Args:
        lang: asked for explicitly (``--lang``); wins when given.
        lab: the lab whose rubric may set ``[rubric] lang``.
        environ: environment to read the locale from (default `os.environ`).

    Returns:
        `lang`, else the rubric's language, else ``ko`` for a Korean locale, else ``en``.

    Raises:
        InputError: `lang` or the rubric's language is not one labgrade speaks.
    """
    if lang is not None:
        return check_lang(lang)
    return rubric_lang(lab) or locale_lang(environ) or SOURCE
