"""Wall-clock accounting for reference runs: phases, excluded measurement, curves, memory.

Everything a run measures for itself (held-out accuracy after each epoch, inference
throughput) happens inside `RunClock.excluded`, so the elapsed times in curves are the
time the recipe itself took, and time-to-band compares recipes, not measurement code.
"""

from __future__ import annotations

import resource
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator


class RunClock:
    """A stopwatch started at construction that can leave intervals out.

    Attributes:
        phases: phase name -> seconds spent in it (measurement excluded).
        excluded_s: seconds spent inside `excluded` blocks.
    """

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._cpu_start = time.process_time()
        self._paused_since: float | None = None
        self._cpu_paused_since = 0.0
        self.excluded_s = 0.0
        self.excluded_cpu_s = 0.0
        self.phases: dict[str, float] = {}

    def cpu(self) -> float:
        """CPU seconds of this process (all threads) since start, excluded intervals left out.

        Less sensitive than wall time to other work on a shared machine."""
        now = self._cpu_paused_since if self._paused_since is not None else time.process_time()
        return now - self._cpu_start - self.excluded_cpu_s

    def elapsed(self) -> float:
        """Seconds since start, excluded intervals left out."""
        now = self._paused_since if self._paused_since is not None else time.perf_counter()
        return now - self._start - self.excluded_s

    @contextmanager
    def excluded(self) -> Iterator[None]:
        """Leaves the enclosed block out of `elapsed` (nesting is allowed)."""
        if self._paused_since is not None:
            yield
            return
        self._paused_since = time.perf_counter()
        self._cpu_paused_since = time.process_time()
        try:
            yield
        finally:
            self.excluded_s += time.perf_counter() - self._paused_since
            self.excluded_cpu_s += time.process_time() - self._cpu_paused_since
            self._paused_since = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Adds the enclosed block's (non-excluded) time to ``phases[name]``."""
        t0 = self.elapsed()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + self.elapsed() - t0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def throughput(fn: Callable[[], object], n_images: int, *, repeat: int = 3) -> float:
    """Images per second of `fn`: the best of `repeat` timed calls after one warm-up call
    (the best is the least disturbed by other work on the machine)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n_images / best if best > 0 else float("inf")


def summarize(clock: RunClock, *, train_images: int, infer_images_per_s: float | None = None) -> dict[str, float]:
    """The standard ``timings`` dict of a run from its clock."""
    train_s = clock.phases.get("train", 0.0)
    out = {
        "wall_s": clock.elapsed(),
        "cpu_s": clock.cpu(),
        "train_s": train_s,
        "train_images": float(train_images),
        "train_images_per_s": train_images / train_s if train_s > 0 else 0.0,
        "measure_s": clock.excluded_s,
        "peak_rss_mb": peak_rss_mb(),
    }
    for name, secs in clock.phases.items():
        out.setdefault(f"{name}_s", secs)
    if infer_images_per_s is not None:
        out["infer_images_per_s"] = infer_images_per_s
    return out
