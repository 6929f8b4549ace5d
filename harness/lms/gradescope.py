"""Gradescope "Export Submissions" zips (programming assignments).

Format: ``submission_metadata.yml`` at the export's root maps each submission folder
(``submission_<id>/``, holding that submission's files) to its metadata, written by
Ruby, hence the symbol-like keys:

.. code-block:: yaml

    submission_123456:
      :submitters:
      - :name: Ada Lovelace
        :sid: '20231234'
        :email: ada@example.edu
      :created_at: 2026-10-01 14:22:32.365935000 +09:00
      :score: 8.0
      :status: processed
      :history:
      - :id: 123000
        :created_at: 2026-09-30 10:00:00.000000000 +09:00

(sources: otter-grader's ``GradescopeParser``, which reads ``:submitters`` / ``:name``,
and the ``project-grades`` Rust tool, which reads ``:sid``, ``:created_at``, ``:score``,
``:status`` and ``:history``). Group submissions list every member in ``:submitters``:
the first is ``Found.student_id`` (its sid, else e-mail), the others go to
``co_submitters``. A late flag is taken from ``:late?`` or ``:late`` when the export
has one (``late`` stays None otherwise: apply the late policy to ``created_at``).

The file is read as untrusted: at most `MAX_METADATA_BYTES`, ``yaml.safe_load``
semantics (no Python objects), no YAML aliases (no billion-laughs expansion), times
kept as text and parsed by `harness.lms.times.parse_iso`, every field type-checked.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path
from typing import Any

import yaml

from harness.lms.files import choose, is_gradeable, slug, walk_files
from harness.lms.found import Found, Version
from harness.lms.times import parse_iso

METADATA = "submission_metadata.yml"
MAX_METADATA_BYTES = 16 << 20
_FOLDER = re.compile(r"^[A-Za-z0-9_.-]+$")


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, keeping timestamps as strings."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not accepted in an export's metadata",
                                              event.start_mark)
        return super().compose_node(parent, index)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class MetadataError(ValueError):
    """``submission_metadata.yml`` is unreadable or not shaped like Gradescope's."""


def load_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Reads and type-checks ``submission_metadata.yml``.

    Raises:
        MetadataError: too big, not YAML, or not a mapping of folder -> mapping.
    """
    if path.is_symlink():
        raise MetadataError(f"{path}: a symbolic link; not followed")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_METADATA_BYTES + 1)
    except OSError as exc:
        raise MetadataError(f"{path}: unreadable ({exc})") from None
    if len(raw) > MAX_METADATA_BYTES:
        raise MetadataError(f"{path}: larger than {MAX_METADATA_BYTES >> 20} MB; refused")
    try:
        data = yaml.load(raw.decode("utf-8-sig", errors="replace"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise MetadataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in data.items()):
        raise MetadataError(f"{path}: expected a mapping of submission folders (submission_<id>) to their metadata")
    return data


def matches(root: Path) -> bool:
    """Whether `root` is a Gradescope export (holds ``submission_metadata.yml``)."""
    return (root / METADATA).is_file()


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _person(raw: Any) -> dict[str, str | None] | None:
    if not isinstance(raw, dict):
        return None
    sid, email, name = _text(raw.get(":sid")), _text(raw.get(":email")), _text(raw.get(":name"))
    if not (sid or email or name):
        return None
    return {"student_id": slug(sid or email or name), "display_name": name, "email": email, "sid": sid}


def parse(root: Path, items: list[Path], *, origin: str, tz: tzinfo | None = None) -> tuple[list[Found], list[str]]:
    """Reads a Gradescope export into one `Found` per submission folder.

    Args:
        root: the unpacked export (holding ``submission_metadata.yml``).
        items: its entries.
        origin: prefix for ``Found.origin``.
        tz: the zone for times written without an offset (Gradescope writes offsets).
    """
    found: list[Found] = []
    problems: list[str] = []
    try:
        meta = load_metadata(root / METADATA)
    except MetadataError as exc:
        problems.append(f"{origin}: {exc}; folders graded by folder name")
        meta = {}
    folders = {p.name: p for p in items if p.is_dir()}
    for key in sorted(meta):
        entry = meta[key]
        if not _FOLDER.match(key) or key in (".", ".."):
            problems.append(f"{origin}/{METADATA}: entry {key[:80]!r} is not a submission folder name; skipped")
            continue
        folder = folders.pop(key, None)
        people = [p for p in (_person(s) for s in entry.get(":submitters") or [] if isinstance(s, dict)) if p]
        if folder is None:
            who = ", ".join(p["display_name"] or p["student_id"] for p in people) or "no submitters"
            problems.append(f"{origin}: {key} is in {METADATA} ({who}) but its folder is missing; nothing to grade")
            continue
        chosen, others = choose(walk_files(folder, problems))
        if chosen is None:
            problems.append(f"{origin}/{key}: no .ipynb or .py in this submission; nothing graded")
            continue
        if others:
            problems.append(f"{origin}/{key}: {len(others) + 1} candidate files "
                            f"({', '.join(p.name for p in [chosen, *others][:5])}); graded {chosen.name}")
        if not people:
            problems.append(f"{origin}/{key}: no submitter in {METADATA}; graded as {key!r} - check who handed it in")
            people = [{"student_id": slug(key), "display_name": None, "email": None, "sid": None}]
        when = _when(entry.get(":created_at"), tz, f"{origin}/{key}", problems)
        late = next((v for k in (":late?", ":late") if isinstance(v := entry.get(k), bool)), None)
        sub_id = _text(entry.get(":id")) or key.removeprefix("submission_")
        history = _history(entry.get(":history"), tz, f"{origin}/{key}", problems)
        ordered = sorted([*history, (when, sub_id)], key=lambda t: (t[0] is None, t[0] or 0))
        attempt = ordered.index((when, sub_id)) + 1 if history else None
        first = people[0]
        ids = {"gradescope_submission_id": sub_id, **({"gradescope_sid": first["sid"]} if first["sid"] else {})}
        found.append(Found(
            chosen, first["student_id"], f"{origin}/{chosen.relative_to(root)}", display_name=first["display_name"],
            email=first["email"], submitted_at=when, late=late, lms="gradescope", lms_ids=ids, attempt=attempt,
            superseded=tuple(Version(origin=f"gradescope:{key}/history/{hid}", attempt=ordered.index((t, hid)) + 1,
                                     submitted_at=t, lms_ids={"gradescope_submission_id": hid}) for t, hid in history),
            original_name=chosen.name,
            co_submitters=tuple({k: p[k] for k in ("student_id", "display_name", "email")} for p in people[1:])))
    for path in items:
        if path.is_file() and path.name != METADATA and is_gradeable(path):
            problems.append(f"{origin}/{path.name}: a file outside any submission folder; graded as "
                            f"{slug(path.stem)!r} - check who handed it in")
            found.append(Found(path, slug(path.stem), f"{origin}/{path.name}", lms="gradescope",
                               original_name=path.name))
    for name, folder in sorted(folders.items()):
        chosen, _ = choose(walk_files(folder, problems))
        if chosen is None or not is_gradeable(chosen):
            problems.append(f"{origin}/{name}: not listed in {METADATA} and nothing to grade; skipped")
            continue
        problems.append(f"{origin}/{name}: not listed in {METADATA}; graded as {slug(name)!r} - check who handed it in")
        found.append(Found(chosen, slug(name), f"{origin}/{chosen.relative_to(root)}", lms="gradescope",
                           original_name=chosen.name))
    return found, problems


def _when(raw: Any, tz: tzinfo | None, where: str, problems: list[str]):
    text = _text(raw)
    if text is None:
        problems.append(f"{where}: no :created_at in {METADATA}; submission time unknown")
        return None
    try:
        return parse_iso(text, tz=tz)
    except ValueError as exc:
        problems.append(f"{where}: :created_at unreadable ({exc}); submission time unknown")
        return None


def _history(raw: Any, tz: tzinfo | None, where: str, problems: list[str]) -> list[tuple]:
    if not isinstance(raw, list):
        return []
    out = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            continue
        hid = _text(item.get(":id")) or f"earlier-{n}"
        out.append((_when(item.get(":created_at"), tz, f"{where} history {hid}", problems), hid))
    return out
