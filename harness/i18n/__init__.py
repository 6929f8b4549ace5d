"""Student-facing text in the student's language (English and Korean), through one message catalogue.

- `msg(template, **args)` makes a `Msg`: the English template (also its id in the catalogue)
  with named placeholders, and plain JSON arguments. Checks return these; a grade stores
  the id and the arguments (``CheckResult.message_id``/``message_args``) next to the English
  text, so the same grade can be shown in any language.
- `render(msg_or_text, lang)`: the text in ``en`` or ``ko``; `render_stored` for stored ones.
- `resolve_lang(lang, lab=...)`: ``--lang``, else the rubric's ``[rubric] lang``, else the
  locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` starting with ``ko``), else English.
- Catalogues: ``locale/<lang>/LC_MESSAGES/labgrade.po`` (gettext, read with Babel);
  ``python -m harness.i18n update`` extracts every marked message (Python ``msg(...)``,
  template ``_()``/``{% trans %}``, rubric item names, lab titles) and merges them in.
- `templates.environment(base, lang)`: the report environment with ``jinja2.ext.i18n``.
"""

from harness.i18n.catalogue import LANGUAGES, Translations, available_languages
from harness.i18n.language import check_lang, resolve_lang
from harness.i18n.message import Msg, msg, placeholders, render, render_stored

__all__ = ["LANGUAGES", "Msg", "Translations", "available_languages", "check_lang", "msg", "placeholders", "render",
           "render_stored", "resolve_lang"]
