"""Turning raw outputs into Execution pieces: text, errors, figures."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from pathlib import Path

from PIL import Image

from harness.models import ErrorInfo, Figure

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

MAX_FIGURE_BYTES = 8 << 20
# A figure larger than this many pixels is not decoded (a 13300x13300 PNG is 172 KB compressed).
MAX_FIGURE_PIXELS = 4096 * 4096

# Library chatter that C code writes to a process's stderr (TensorFlow/absl start-up logs):
# never the student's output. Passed to the in-sandbox output filter and applied here too.
CHATTER = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\] [^\n]*"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] (?:tensorflow|external)/[^\n]*"
    r"|To enable the following instructions: [^\n]*rebuild TensorFlow with the appropriate compiler flags\."
    r")\n?",
    re.MULTILINE,
)


def strip_chatter(text: str) -> str:
    """Removes TensorFlow/absl start-up log lines from captured output."""
    return CHATTER.sub("", text) if text else text


def strip_ansi(text: str) -> str:
    """Removes terminal colour codes (IPython tracebacks are full of them)."""
    return _ANSI.sub("", text)


def cap_text(text: str, limit: int) -> tuple[str, bool]:
    """Cuts `text` to `limit` characters; returns (text, truncated)."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + f"\n[labgrade: {len(text) - limit} more characters not kept]", True


def error_from_output(output: dict) -> ErrorInfo:
    """An ErrorInfo from a notebook ``error`` output."""
    tb = "\n".join(strip_ansi(line) for line in output.get("traceback", []) or [])
    return ErrorInfo(ename=str(output.get("ename", "")), evalue=str(output.get("evalue", ""))[:4000],
                     traceback=tb[-20000:])


def text_of_outputs(outputs: list[dict]) -> str:
    """Concatenates the human-readable text of notebook outputs."""
    parts: list[str] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            plain = data.get("text/plain")
            if plain and "image/png" not in data:
                parts.append(("".join(plain) if isinstance(plain, list) else str(plain)) + "\n")
        elif kind == "error":
            parts.append(strip_ansi("\n".join(out.get("traceback", []) or [])) + "\n")
    return strip_chatter(strip_ansi("".join(parts)))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header without decoding it ((0, 0) when not a PNG)."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return 0, 0
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def save_png(data: bytes | str, *, cell_index: int, number: int, dest_dir: Path, rel_base: Path) -> Figure | None:
    """Saves one PNG (raw bytes or base64 text) and describes it; None when unusable."""
    if isinstance(data, str):
        try:
            data = base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError):
            return None
    if not data.startswith(b"\x89PNG") or len(data) > MAX_FIGURE_BYTES:
        return None
    width, height = png_size(data)
    if not width or not height or width * height > MAX_FIGURE_PIXELS:
        return None  # not decodable within the pixel cap: not kept, not a figure
    blank = False
    try:
        with Image.open(io.BytesIO(data)) as img:
            extrema = img.convert("RGB").getextrema()
            blank = all(lo == hi for lo, hi in extrema)
    except Exception:
        return None
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = f"cell{cell_index:03d}-{number:02d}.png"
    (dest_dir / name).write_bytes(data)
    return Figure(
        cell_index=cell_index,
        path=str((dest_dir / name).relative_to(rel_base)),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        blank=blank,
    )
