"""A thread in the grader that watches the submission's process tree and kills it.

rlimits stop single allocations and (for non-root users) fork bombs at the source;
the watchdog enforces what rlimits cannot: resident memory of the whole tree, the
number of processes in the tree, and the per-submission wall clock.
"""

from __future__ import annotations

import threading
import time

import psutil


def _proportional_rss(proc: psutil.Process) -> int:
    """Resident memory, counting pages shared between processes once (PSS).

    Forked children share their parent's pages copy-on-write; summing plain RSS over
    a fork bomb of a 700 MB kernel would report gigabytes that do not exist. PSS from
    ``/proc/<pid>/smaps_rollup`` splits shared pages between their users; RSS is the
    fallback where the kernel does not provide it.
    """
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


class Watchdog(threading.Thread):
    """Polls a process tree; kills it when it breaks a limit.

    Attributes:
        reason: None while within limits, else ``"memory"``, ``"processes"`` or ``"timeout"``.
        detail: a sentence describing what was exceeded.
        peak_rss_mb: largest resident memory seen for the whole tree.
    """

    def __init__(self, pid: int, *, memory_mb: int, max_processes: int, deadline: float | None = None,
                 interval_s: float = 0.2) -> None:
        super().__init__(name=f"labgrade-watchdog-{pid}", daemon=True)
        self.pid = pid
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.deadline = deadline
        self.interval_s = interval_s
        self.reason: str | None = None
        self.detail = ""
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        try:
            self._root = psutil.Process(pid)
        except psutil.Error:
            self._root = None

    def stop(self) -> None:
        """Stops polling (does not kill anything)."""
        self._stop.set()

    def tree(self) -> list[psutil.Process]:
        """The root process and all its descendants still alive."""
        if self._root is None:
            return []
        try:
            return [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return []

    def run(self) -> None:
        while not self._stop.wait(self.interval_s):
            procs = self.tree()
            if not procs:
                return
            rss = sum(_proportional_rss(p) for p in procs)
            rss_mb = rss / 2**20
            self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)
            if rss_mb > self.memory_mb:
                self._trip("memory", f"resident memory reached {rss_mb:.0f} MB (limit {self.memory_mb} MB)")
            elif len(procs) > self.max_processes:
                self._trip("processes", f"{len(procs)} processes (limit {self.max_processes})")
            elif self.deadline is not None and time.monotonic() > self.deadline:
                self._trip("timeout", "the submission's total wall-clock limit was reached")

    def _trip(self, reason: str, detail: str) -> None:
        if self.reason is None:
            self.reason, self.detail = reason, detail
        self.kill_tree()
        self._stop.set()

    def kill_tree(self) -> None:
        """SIGKILLs every process in the tree, children first, repeating until none is left."""
        for _ in range(20):
            procs = self.tree()
            if not procs:
                return
            for p in reversed(procs):
                try:
                    p.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(procs, timeout=0.5)
            if self._root is not None and not self._root.is_running():
                # Orphans of a dead root re-parent to the subreaper or init; a last
                # sweep by process group catches those still in the session.
                return
