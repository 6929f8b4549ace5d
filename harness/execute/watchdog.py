"""A thread in the grader that watches the submission's process tree and kills it.

rlimits stop single allocations and (for non-root users) fork bombs at the source;
the watchdog enforces what rlimits cannot: resident memory of the whole tree (with
what it stored in the sandbox's memory-backed /tmp and /dev/shm), the number of
processes in the tree, the disk the workspace uses, and the per-submission wall clock.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from harness.execute.limits import Limits

DISK_EVERY_S = 1.0
MAX_FILES = 200_000
MAX_DEPTH = 200  # folder levels walked; deeper nesting is itself a violation (it would hide files)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


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


def disk_usage(root: Path, *, max_files: int = MAX_FILES, max_depth: int = MAX_DEPTH) -> tuple[int, int, bool]:
    """Bytes allocated and entries under `root`, and whether folders went deeper than `max_depth`.

    The submission may swap any folder for a link while this runs (it is running), so
    nothing is opened by path: each folder is opened relative to its parent's descriptor
    with ``O_NOFOLLOW`` (a folder swapped for a link fails to open and is not entered),
    and entries are examined relative to the open folder. Counting stops at `max_files`.
    """
    total, entries, too_deep = 0, 0, False
    try:
        top = os.open(root, _DIR_FLAGS)
    except OSError:
        return 0, 0, False
    stack: list[tuple[int, Any]] = []  # (folder descriptor, its scandir iterator), one per level
    try:
        stack.append((top, os.scandir(top)))
    except OSError:
        os.close(top)
        return 0, 0, False
    try:
        while stack and entries < max_files:
            fd, it = stack[-1]
            try:
                entry = next(it, None)
            except OSError:
                entry = None
            if entry is None:
                stack.pop()
                it.close()
                os.close(fd)
                continue
            entries += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if not stat.S_ISDIR(info.st_mode):
                continue
            if len(stack) >= max_depth:
                too_deep = True
                continue
            try:
                child = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
            except OSError:  # gone, or swapped for a link since it was listed: not followed
                continue
            try:
                stack.append((child, os.scandir(child)))
            except OSError:
                os.close(child)
    finally:
        for fd, it in stack:
            it.close()
            os.close(fd)
    return total, entries, too_deep


def _tmpfs_used(pids: list[int]) -> int:
    """Bytes used in the sandbox's own /tmp and /dev/shm (seen through /proc/<pid>/root)."""
    host = {}
    for path in ("/tmp", "/dev/shm"):
        try:
            host[path] = os.stat(path).st_dev
        except OSError:
            host[path] = None
    for pid in pids:
        used = 0
        private = False
        for path in ("/tmp", "/dev/shm"):
            inner = f"/proc/{pid}/root{path}"
            try:
                if os.stat(inner).st_dev == host[path]:
                    continue
                st = os.statvfs(inner)
            except OSError:
                continue
            private = True
            used += (st.f_blocks - st.f_bfree) * st.f_frsize
        if private:
            return used
    return 0


class Watchdog(threading.Thread):
    """Polls a process tree; kills it when it breaks a limit.

    Attributes:
        reason: None while within limits, else ``"memory"``, ``"processes"``, ``"disk"`` or ``"timeout"``.
        detail: a sentence describing what was exceeded.
        peak_rss_mb: largest memory seen for the whole tree (tmpfs use included).
        peak_disk_mb: largest disk use of the workspace seen.
    """

    def __init__(self, pid: int, *, limits: Limits | None = None, memory_mb: int | None = None,
                 max_processes: int | None = None, workspace: Path | None = None, deadline: float | None = None,
                 interval_s: float = 0.2) -> None:
        super().__init__(name=f"labgrade-watchdog-{pid}", daemon=True)
        limits = limits or Limits()
        self.pid = pid
        self.memory_mb = memory_mb or limits.memory_mb
        self.max_processes = max_processes or limits.max_processes
        self.disk_mb = limits.disk_mb
        self.workspace = workspace
        self.deadline = deadline
        self.interval_s = interval_s
        self.reason: str | None = None
        self.detail = ""
        self.peak_rss_mb = 0.0
        self.peak_disk_mb = 0.0
        self._stop = threading.Event()
        self._next_disk = 0.0
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
            tmpfs = _tmpfs_used([p.pid for p in procs[-3:]])
            rss_mb = (sum(_proportional_rss(p) for p in procs) + tmpfs) / 2**20
            self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)
            if rss_mb > self.memory_mb:
                extra = f", {tmpfs >> 20} MB of it files in /tmp or /dev/shm" if tmpfs > 64 << 20 else ""
                self._trip("memory", f"memory reached {rss_mb:.0f} MB{extra} (limit {self.memory_mb} MB); "
                                     "resident memory of the processes counts, and so do files in /tmp and /dev/shm")
            elif len(procs) > self.max_processes:
                self._trip("processes", f"{len(procs)} processes (limit {self.max_processes})")
            elif self.deadline is not None and time.monotonic() > self.deadline:
                self._trip("timeout", "the submission's total wall-clock limit was reached")
            elif self.workspace is not None and time.monotonic() >= self._next_disk:
                self._check_disk()

    def _check_disk(self) -> None:
        used, entries, too_deep = disk_usage(self.workspace)
        self._next_disk = time.monotonic() + DISK_EVERY_S
        self.peak_disk_mb = max(self.peak_disk_mb, used / 2**20)
        if used > self.disk_mb << 20:
            self._trip("disk", f"the files it wrote take {used >> 20} MB of disk (limit {self.disk_mb} MB)")
        elif entries >= MAX_FILES:
            self._trip("disk", f"it created more than {MAX_FILES} files")
        elif too_deep:
            self._trip("disk", f"it created folders nested more than {MAX_DEPTH} levels deep")

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
