"""Jinja2 templates in a language: the report environment with the ``i18n`` extension and a catalogue.

Templates that speak to the student (``submission.html.j2``) mark their text with
``{{ _("...") }}`` and ``{% trans %}``; `environment` returns an overlay of the shared report
environment (same loader, filters and settings) with `jinja2.ext.i18n` and the language's
translations installed (new-style gettext: ``%(name)s`` placeholders, autoescaped arguments).
Templates loaded through it (and the templates they extend or import) use that language.
"""

from __future__ import annotations

from functools import lru_cache

from harness.i18n.catalogue import Translations
from harness.i18n.language import check_lang

EXTENSION = "jinja2.ext.i18n"
CACHE_SIZE = 64


@lru_cache(maxsize=8)
def environment(base, lang: str):
    """An overlay of Jinja2 environment `base` that renders marked template text in `lang`.

    Args:
        base: the shared environment (`harness.report.render.environment()`).
        lang: a language code labgrade speaks.
    """
    # An overlay shares its parent's globals dict and starts from a copy of its template cache: give it
    # its own of both, so that installing one language's gettext never leaks into another environment.
    # (The extension writes its globals when added: add it once the overlay has a dict of its own.)
    env = base.overlay(cache_size=CACHE_SIZE)
    env.globals = dict(base.globals)
    env.add_extension(EXTENSION)
    env.install_gettext_translations(Translations(check_lang(lang)), newstyle=True)
    env.globals["page_lang"] = lang
    return env
