"""``python -m harness.i18n update|check``: keep the message catalogues in step with the sources."""

from __future__ import annotations

import sys

from harness.i18n.catalogue import LANGUAGES, SOURCE
from harness.i18n.extract import problems, update_catalogues


def main(argv: list[str]) -> int:
    """``update`` merges the current messages into every catalogue; ``check`` lists gaps (exit 1 when any)."""
    if argv[:1] == ["update"]:
        for lang, (added, dropped) in update_catalogues().items():
            print(f"{lang}: {added} new message(s) to translate, {dropped} dropped")
        return 0
    if argv[:1] == ["check"]:
        gaps = [f"{lang}: {p}" for lang in LANGUAGES if lang != SOURCE for p in problems(lang)]
        print("\n".join(gaps) or "every message has a translation")
        return 1 if gaps else 0
    print("usage: python -m harness.i18n update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
