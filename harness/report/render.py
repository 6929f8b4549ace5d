"""The Jinja2 environment of the HTML reports, and the page writer they share.

Every page is one self-contained file: the stylesheet (``static/report.css``) and,
where a page has a sortable table, the one script (``static/sort.js``) are inlined,
and the page's Content-Security-Policy allows exactly those two by hash, images
only from ``data:`` URIs, and nothing from the network. Templates autoescape; the
only `Markup` they receive comes from `harness.report.markdown` (escaped by
construction) and `harness.report.svg` (labels escaped).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from harness import __version__
from harness.report.markdown import render_inline
from harness.report.sanitize import page_csp
from harness.serialize import write_atomic

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@lru_cache(maxsize=4)
def static_text(name: str) -> str:
    """The text of ``static/<name>`` (read once per process)."""
    return (STATIC / name).read_text(encoding="utf-8")


def fmt_number(value: Any, digits: int = 3) -> str:
    """A number for a table: integers as is, floats to `digits` significant places, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if value == int(value):
            return str(int(value))
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.{digits}g}"
    return str(value)


def fmt_value(value: Any, limit: int = 400) -> str:
    """Any JSON value as short text: numbers via `fmt_number`, containers as compact JSON, capped."""
    if isinstance(value, (int, float, bool)) or value is None:
        return fmt_number(value)
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def fmt_points(value: Any) -> str:
    """Points as the terminal shows them (``%g``), to two decimals at most."""
    return "–" if value is None else f"{round(float(value), 2):g}"


@lru_cache(maxsize=1)
def environment():
    """The shared Jinja2 environment (autoescaping on, strict undefined)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True, undefined=StrictUndefined)
    env.filters.update(num=fmt_number, value=fmt_value, points=fmt_points, inline_md=render_inline)
    return env


def render_page(template: str, *, title: str, scripts: bool = False, **context: Any) -> str:
    """Renders ``templates/<template>`` inside the common page frame.

    Args:
        template: template file name.
        title: the page title (escaped).
        scripts: True to inline the table-sorting script.
        **context: template variables.
    """
    css = static_text("report.css")
    js = static_text("sort.js") if scripts else ""
    return environment().get_template(template).render(
        title=title, css=Markup(css), js=Markup(js),
        csp=page_csp(styles=[css], scripts=[js] if js else []),
        generator=f"labgrade {__version__}",
        rendered_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **context,
    )


def write_page(path: Path, html: str) -> Path:
    """Writes a rendered page atomically and returns its path."""
    write_atomic(Path(path), html)
    return Path(path)
