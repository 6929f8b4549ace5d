"""Figures inlined into a report as ``data:`` URIs, within a size budget.

A report must be one file that opens offline and survives being attached to an
LMS, so figures travel inside it, base64-encoded. To keep a typical report under
2 MB, each figure wider than `MAX_WIDTH` or heavier than `PER_IMAGE` is downscaled,
and once the page's budget (bytes, or time) is spent the remaining figures are left
out with a note (they stay in ``figures/`` and in ``notebook.html``). Only PNG and
JPEG files that lie inside the submission's folder are read: a path in
``execution.json`` that points elsewhere (``../../etc``) or a file that is not an
image is refused. An image is never decoded beyond `MAX_DECODE_PIXELS`.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
TOTAL_BUDGET = 1_400_000  # bytes of base64 text per page
PER_IMAGE = 400_000  # raw bytes before a figure is downscaled
MAX_WIDTH = 1400  # pixels before a figure is downscaled
MAX_FILE = 20_000_000  # never read more than this from one file
MAX_DECODE_PIXELS = 4096 * 4096  # larger images are not decoded (not downscaled, so usually left out)
TIME_BUDGET_S = 5.0  # seconds of reading and downscaling per page


@dataclass
class InlineImage:
    """A figure ready for an ``<img>`` tag, or the reason it is not inlined.

    Attributes:
        uri: ``data:image/...;base64,...``; None when left out.
        note: why it was downscaled or left out ("" when inlined as is).
        encoded_bytes: length of `uri`.
    """

    uri: str | None
    note: str = ""
    encoded_bytes: int = 0


class ImageBudget:
    """Inlines figures of one page until `total` bytes of base64 are spent.

    Args:
        total: budget for the page, in bytes of base64 text.
        per_image: figures larger than this (raw bytes) are downscaled first.
        max_width: figures wider than this are downscaled first.
        seconds: time for reading and downscaling, counted from creation.
    """

    def __init__(self, *, total: int = TOTAL_BUDGET, per_image: int = PER_IMAGE, max_width: int = MAX_WIDTH,
                 seconds: float = TIME_BUDGET_S):
        self.total, self.per_image, self.max_width = total, per_image, max_width
        self.deadline = time.monotonic() + seconds
        self.spent = 0
        self.left_out = 0

    def inline(self, folder: Path, relative: str, *, width: int = 0) -> InlineImage:
        """Reads ``folder/relative`` and returns it as a data URI (or why not).

        Args:
            folder: the submission's results folder; the file must lie inside it.
            relative: the path recorded in ``execution.json``.
            width: the width recorded with the figure (pixels), if known.
        """
        if self.total - self.spent < 1000 or time.monotonic() > self.deadline:
            self.left_out += 1
            return InlineImage(None, "left out: the report's image budget is spent (see notebook.html or figures/)")
        data, problem = _read_image(Path(folder), relative)
        if data is None:
            return InlineImage(None, problem)
        note = ""
        kind = "png" if data.startswith(PNG_MAGIC) else "jpeg"
        if len(data) > self.per_image or width > self.max_width:
            smaller = _downscale(data, self.max_width, self.per_image)
            if smaller is not None and len(smaller) < len(data):
                data, kind, note = smaller, "png" if smaller.startswith(PNG_MAGIC) else "jpeg", "downscaled"
        uri = f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")
        if self.spent + len(uri) > self.total:
            self.left_out += 1
            return InlineImage(None, "left out: the report's image budget is spent (see notebook.html or figures/)")
        self.spent += len(uri)
        return InlineImage(uri, note, len(uri))


def _read_image(folder: Path, relative: str) -> tuple[bytes | None, str]:
    try:
        base = folder.resolve()
        path = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None, "unreadable path"
    if not path.is_relative_to(base):
        return None, "refused: the recorded path points outside the submission's folder"
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE:
            return None, "missing or too large"
        data = path.read_bytes()
    except OSError:
        return None, "unreadable file"
    if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
        return None, "refused: not a PNG or JPEG image"
    return data, ""


def _downscale(data: bytes, max_width: int, target: int) -> bytes | None:
    """A smaller encoding of `data` (narrower and/or palette PNG, else JPEG); None on failure."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_DECODE_PIXELS:
                return None
            img.draft("RGB", (max_width, max_width))  # JPEG: decode at a reduced scale when it can
            img.load()
            if img.width > max_width:
                img = img.resize((max_width, max(1, round(img.height * max_width / img.width))))
            rgb = img.convert("RGB")
        buf = io.BytesIO()
        rgb.quantize(colors=256).save(buf, format="PNG", optimize=True)
        if buf.tell() <= target:
            return buf.getvalue()
        buf = io.BytesIO()
        rgb.save(buf, format="JPEG", quality=80, optimize=True)
        return buf.getvalue()
    except Exception:  # a malformed image must not break the report  # noqa: BLE001
        return None
