"""Which messages the catalogue must hold, read from the sources, and merging them into the ``.po`` files.

Sources of student-facing text:

- Python: every ``msg("...")`` under ``harness/`` (Babel's Python extractor, keyword ``msg``);
- templates: ``_()``/``gettext()``/``{% trans %}`` in ``harness/report/templates`` (Jinja2's
  Babel extractor, with the report environment's ``trim_blocks``/``lstrip_blocks``);
- rubrics: item names and figure-requirement labels of ``rubrics/*.toml`` (a student sees them
  as the rubric's lines);
- the lab registry: lab titles and contract descriptions (`harness.labs.LABS`).

``python -m harness.i18n update`` rewrites every catalogue with the current messages (new ones
untranslated, translations kept, removed ones dropped); ``python -m harness.i18n check`` lists
what is missing or untranslated. Both are for maintainers; grading only reads catalogues.
"""

from __future__ import annotations

import datetime
import io
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from harness.i18n.catalogue import DOMAIN, LANGUAGES, SOURCE, entries, po_path
from harness.labs import LABS

PACKAGE = Path(__file__).resolve().parents[1]
PROJECT = PACKAGE.parent
TEMPLATES = PACKAGE / "report" / "templates"
RUBRICS = PROJECT / "rubrics"
PY_KEYWORDS = {"msg": None}
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "newstyle_gettext": "true"}
HEADER = ("# Student-facing messages of labgrade (feedback, the Keras 2 -> 3 diagnosis, report pages).\n"
          "# msgid: the English text (Python {placeholders} or Jinja %(placeholders)s: keep them and their format\n"
          "# specs); msgstr: the translation. `python -m harness.i18n update` adds new messages;\n"
          "# `python -m harness.i18n check` lists what is missing.")
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def extract_messages() -> dict[str, list[str]]:
    """msgid -> where it comes from (``path:line``), for every student-facing message of the sources."""
    found: dict[str, list[str]] = {}

    def add(msgid: str, where: str) -> None:
        if msgid:
            found.setdefault(msgid, []).append(where)

    for path in sorted(PACKAGE.rglob("*.py")):
        with open(path, "rb") as fh:
            for line, text, _, _ in extract("python", fh, keywords=PY_KEYWORDS):
                add(text, f"{path.relative_to(PROJECT)}:{line}")
    for path in sorted(TEMPLATES.glob("*.j2")):
        with open(path, "rb") as fh:
            for line, text, _, _ in extract(babel_extract, fh, options=JINJA_OPTIONS):
                add(text if isinstance(text, str) else text[0], f"{path.relative_to(PROJECT)}:{line}")
    for where, text in rubric_texts() + registry_texts():
        add(text, where)
    return found


def rubric_texts(folder: Path = RUBRICS) -> list[tuple[str, str]]:
    """(where, text) of every rubric item name and figure-requirement label."""
    out = []
    for path in sorted(Path(folder).glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        rel = path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path
        for item in data.get("item", []):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                out.append((f"{rel} item {item.get('id')}", item["name"]))
            params = item.get("params") if isinstance(item, dict) else None
            for req in (params or {}).get("require", []) if isinstance(params, dict) else []:
                if isinstance(req, dict) and isinstance(req.get("label"), str):
                    out.append((f"{rel} item {item.get('id')} label", req["label"]))
    return out


def registry_texts() -> list[tuple[str, str]]:
    """(where, text) of every lab title and contract description."""
    out = []
    for lab in LABS.values():
        out.append((f"harness/labs.py {lab.id} title", lab.title))
        out += [(f"harness/labs.py {lab.id} {c.name}", c.description) for c in lab.contract if c.description]
    return out


def update_catalogues(languages: tuple[str, ...] = LANGUAGES) -> dict[str, tuple[int, int]]:
    """Rewrites each language's ``.po`` with the current messages.

    Returns:
        lang -> (messages added, messages dropped).
    """
    messages = extract_messages()
    report = {}
    for lang in languages:
        if lang == SOURCE:
            continue
        path = po_path(lang)
        old, created = {}, None
        if path.is_file():
            with open(path, "rb") as fh:
                previous = read_po(fh, locale=lang, domain=DOMAIN)
            old, created = {m.id: m for m in previous if m.id}, previous.creation_date
        # A fixed header (no dates that change on every run): the file's history is in git.
        catalog = Catalog(locale=lang, domain=DOMAIN, project="labgrade", version="1", fuzzy=False,
                          header_comment=HEADER, copyright_holder="labgrade", msgid_bugs_address="",
                          last_translator="labgrade maintainers", language_team=lang,
                          creation_date=created or FIXED_DATE, revision_date=created or FIXED_DATE)
        for msgid, where in messages.items():
            prev = old.get(msgid)
            catalog.add(msgid, prev.string if prev else "", locations=[(w, None) for w in where[:3]],
                        flags=prev.flags if prev else (), auto_comments=prev.auto_comments if prev else ())
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, catalog, width=120, omit_header=False, sort_output=False, include_lineno=False)
        path.write_bytes(buf.getvalue())
        report[lang] = (len(set(messages) - set(old)), len(set(old) - set(messages)))
    return report


def problems(lang: str) -> list[str]:
    """What keeps `lang`'s catalogue from covering the sources: missing, untranslated or obsolete entries."""
    entries.cache_clear()
    have = entries(lang)
    with open(po_path(lang), "rb") as fh:
        listed = {m.id for m in read_po(fh, locale=lang, domain=DOMAIN) if m.id}
    wanted = extract_messages()
    out = [f"missing: {k!r} ({', '.join(v[:1])})" for k, v in wanted.items() if k not in listed]
    out += [f"untranslated: {k!r} ({', '.join(v[:1])})" for k, v in wanted.items() if k in listed and k not in have]
    out += [f"obsolete: {k!r}" for k in listed if k not in wanted]
    return out
