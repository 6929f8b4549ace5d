"""Progress of a batch: a live bar with count, rate and ETA on a terminal, log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """Reports `done/total`, submissions per minute and the time left.

    Args:
        total: submissions to grade in this run (skipped ones excluded).
        stream: where to write (default stderr).
        live: redraw one line in place (default: when `stream` is a terminal).
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.done = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def rate_per_min(self) -> float:
        """Submissions per minute so far."""
        elapsed = time.monotonic() - self.t0
        return 60.0 * self.done / elapsed if elapsed > 0 and self.done else 0.0

    def eta_s(self) -> float | None:
        """Seconds left at the current rate (None before the first result)."""
        rate = self.rate_per_min()
        return (self.total - self.done) / rate * 60.0 if rate else None

    def line(self, last: str = "") -> str:
        """The current status line."""
        eta = self.eta_s()
        parts = [f"{self.done}/{self.total} graded", f"{self.rate_per_min():.1f}/min",
                 f"ETA {_duration(eta)}" if eta is not None else "ETA --"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        text = ", ".join(parts)
        return f"{text} | {last}" if last else text

    def update(self, last: str, *, failed: bool = False) -> None:
        """Records one finished submission and redraws."""
        self.done += 1
        self.failed += failed
        if self.live:
            width = 24
            filled = int(width * self.done / self.total) if self.total else width
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r[{bar}] {self.line(last)[:110]:<110}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[labgrade] {self.line(last)}\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A message that does not count as progress."""
        if self.live:
            self.stream.write("\r" + " " * 140 + "\r")
        self.stream.write(f"[labgrade] {text}\n")
        self.stream.flush()
