"""The executed notebook as ``notebook.html`` (nbconvert), sanitised and script-free.

nbconvert's ``sanitize_html=True`` alone is not enough for a notebook written by an
adversary: its own allowlist is so narrow that ordinary markdown shows as tags, and
its templates put some output metadata (image width/height) into attributes
unescaped. So the notebook is first defanged (`defang`: unknown metadata dropped,
image payloads checked, script-bearing mime types removed), then converted with
`harness.report.sanitize.clean_html` as the sanitiser, through a template that
drops every ``<script>`` nbconvert would add (require.js, MathJax, widgets), and
finally given a Content-Security-Policy that forbids scripts altogether.

The conversion has a time and size budget: cell sources are cut at `MAX_CELL_CHARS`
(and the page at `MAX_PAGE_CHARS`), markdown nested deeper than `MAX_MARKDOWN_DEPTH`
is shown as plain text, and once `RENDER_BUDGET_S` is spent every remaining markdown
cell, output and code cell is shown as plain text (see `harness.report.sanitize`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
from jinja2 import pass_context

from harness.report.cells import collapse_terminal
from harness.report.markdown import markdown_depth
from harness.report.sanitize import NOTEBOOK_CSP, clean_html, plain_block, render_budget, render_problem
from harness.serialize import write_atomic

TEMPLATES = Path(__file__).parent / "templates"
SAFE_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "application/json")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_TAG = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_NB_METADATA = ("kernelspec", "language_info")
RENDER_BUDGET_S = 5.0  # conversion time after which the rest is shown as plain text
MAX_CELL_CHARS = 100_000  # source characters shown per cell
MAX_PAGE_CHARS = 3_000_000  # source characters shown per page, all cells together
MAX_MARKDOWN_DEPTH = 24  # block nesting (quotes, lists) rendered as markdown


def defang(nb) -> None:
    """Strips what a notebook could use to attack its own rendering (in place).

    Keeps: cells, their sources, plain tags, outputs in `SAFE_MIME` types (images only
    when their payload is base64, width/height only when numeric); stream text with
    carriage returns and backspaces applied (Keras progress bars). Drops: notebook
    and cell metadata beyond the language, JavaScript/SVG/widget outputs, attachments.
    """
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in _NB_METADATA}
    left = MAX_PAGE_CHARS
    for cell in nb.cells:
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if isinstance(t, str) and _TAG.match(t)]
        cell["metadata"] = {"tags": tags} if tags else {}
        cell.pop("attachments", None)
        cell["source"], left = _cap_source(str(cell.get("source", "")), left)
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = _merge_streams(cell.get("outputs", []))
        for out in cell["outputs"]:
            if "data" not in out:
                continue
            data = {k: v for k, v in out["data"].items() if k in SAFE_MIME}
            for key in ("image/png", "image/jpeg"):
                if key in data and not (isinstance(data[key], str) and _BASE64.match(data[key])):
                    del data[key]
            if not data:
                data = {"text/plain": "[output removed by labgrade: not a safe type]"}
            out["data"] = data
            meta = {}
            for key in ("image/png", "image/jpeg"):
                dims = (out.get("metadata") or {}).get(key)
                if isinstance(dims, dict):
                    clean = {d: dims[d] for d in ("width", "height")
                             if isinstance(dims.get(d), int) and not isinstance(dims.get(d), bool)}
                    if clean:
                        meta[key] = clean
            out["metadata"] = meta


def _cap_source(source: str, left: int) -> tuple[str, int]:
    """A cell's source within the per-cell and per-page caps, and what is left of the page's."""
    keep = max(0, min(MAX_CELL_CHARS, left))
    if len(source) <= keep:
        return source, left - len(source)
    why = "this cell's" if keep == MAX_CELL_CHARS else "the page's"
    return (source[:keep] + f"\n\n[labgrade: {len(source) - keep:,} more characters not shown here ({why} size "
            "budget); the submitted file has them all]"), left - keep


def _merge_streams(outputs: list) -> list:
    """Joins consecutive outputs of the same stream and applies ``\\r``/``\\b`` across them.

    Keras prints a progress bar as many small writes that erase the previous one with
    backspaces; joined and collapsed, each epoch shows its last state only.
    """
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = str(merged[-1].get("text", "")) + str(out.get("text", ""))
        else:
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream":
            out["text"] = collapse_terminal(str(out.get("text", "")))
    return merged


def markdown_problem(source: str) -> str | None:
    """Why markdown should not be rendered (nested too deeply, too long, no time left); None when it may."""
    if markdown_depth(source, stop=MAX_MARKDOWN_DEPTH) > MAX_MARKDOWN_DEPTH:
        return f"quotes or lists nested more than {MAX_MARKDOWN_DEPTH} levels deep"
    return render_problem(source, max_chars=MAX_CELL_CHARS + 1000)


def _budgeted(highlight):
    """A code highlighter that shows the code as plain text when it is too long or no time is left."""
    def highlight_code(source, *args, **kwargs):
        problem = render_problem(str(source), max_chars=MAX_CELL_CHARS + 1000)
        return plain_block(str(source), problem) if problem else highlight(source, *args, **kwargs)

    return highlight_code


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    class BudgetedHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter whose markdown and code rendering respect the render budget."""

        @pass_context
        def markdown2html(self, context, source):
            problem = markdown_problem(str(source))
            return plain_block(str(source), problem) if problem else super().markdown2html(context, source)

        def register_filter(self, name, jinja_filter):
            if name == "highlight_code":
                jinja_filter = _budgeted(jinja_filter)
            return super().register_filter(name, jinja_filter)

    # strip_files_prefix rewrites Jupyter-server "files/" links (meaningless offline) with a regex that is
    # quadratic on unclosed brackets: 100,000 "[" took 70 s.
    return BudgetedHTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)],
                                template_file="notebook.html.j2", sanitize_html=True, embed_images=False,
                                filters={"clean_html": clean_html, "strip_files_prefix": lambda text: text})


def add_csp(html: str, policy: str) -> str:
    """Inserts a CSP ``<meta>`` right after ``<head>``, before anything it must govern."""
    tag = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    match = re.search(r"<head[^>]*>", html)
    if match is None:
        return tag + html
    return html[:match.end()] + tag + html[match.end():]


def write_notebook_html(executed: Path, dest: Path, *, title: str = "") -> str | None:
    """Converts an executed notebook to a sanitised, self-contained ``dest``.

    Args:
        executed: ``executed.ipynb`` written by the execution engine.
        dest: where the HTML goes (written atomically).
        title: page title (escaped by nbconvert); default the file name.

    Returns:
        None on success, else why the page could not be written (the report says so).
    """
    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception as exc:  # noqa: BLE001 - an unreadable notebook is reported, not raised
        return f"the executed notebook could not be read ({type(exc).__name__})"
    defang(nb)
    try:
        with render_budget(RENDER_BUDGET_S):
            html, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title or executed.stem}})
    except Exception as exc:  # noqa: BLE001
        return f"nbconvert could not convert the notebook ({type(exc).__name__}: {str(exc)[:200]})"
    write_atomic(dest, add_csp(html, NOTEBOOK_CSP))
    return None
