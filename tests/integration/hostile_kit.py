"""Tools for tests of the grader's own side against hostile submissions.

A hostile submission runs for real (bubblewrap sandbox, real kernel or runner); what
these helpers watch is the grader: host files it must never touch (an inotify watch on
a root-only folder the sandbox cannot see), its memory (RSS sampled while it works,
the evaluation worker's too), and everything it writes for a submission (no secret may
leak into it, nothing instructor-only into the student's view).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import struct
import threading
import time
import zlib
from pathlib import Path

import psutil
import pytest

from harness.execute import Limits
from harness.execute.sandbox import bwrap_path
from harness.grading import grade_one
from harness.labs import get_lab
from harness.models import Execution, Grade
from tests.integration.nbfactory import FAST

needs_bwrap = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap not usable here: these cases run the "
                                 "submission in its namespace sandbox, as instructor grading does")

# The student's files: what a student may read.
STUDENT_FILES = ("feedback.json", "feedback.html", "results.json")
# Every file grading and reporting write for a submission (instructor and student views).
ALL_OUTPUTS = ("execution.json", "grade.json", "measurements.json", *STUDENT_FILES, "report.html", "notebook.html",
               "executed.ipynb")


def grade(path: Path, out: Path, data_root: Path, *, lab: str = "dropout", **limits) -> tuple[Grade, Execution, Path]:
    """Grades one submission for real (bwrap, quick mode, small limits); returns grade, execution and its folder."""
    result = grade_one(path, lab=lab, out=out, quick=True, data_root=data_root, sandbox="bwrap",
                       limits=Limits.for_lab(get_lab(lab), quick=True, **{**FAST, **limits}))
    # The execution is read back as stored: what the report and a regrade will see.
    return result.grade, Execution.from_json((result.folder / "execution.json").read_text()), result.folder


def render(folder: Path) -> dict[str, float]:
    """Renders the instructor report and the student feedback (and notebook.html); seconds each."""
    from harness.report.submission import render_submission

    times = {}
    for student in (False, True):
        t0 = time.monotonic()
        render_submission(folder, student_view=student)
        times["feedback" if student else "report"] = time.monotonic() - t0
    return times


def files_containing(folder: Path, needle: str | bytes, names=ALL_OUTPUTS) -> list[str]:
    """Which of the submission's output files (and files under it) contain `needle`."""
    needle = needle.encode() if isinstance(needle, str) else needle
    hits = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.name in names or path.parent != Path(folder):
            if needle in path.read_bytes():
                hits.append(str(path.relative_to(folder)))
    return hits


class HostSecret:
    """A root-only folder on the host, invisible from the sandbox, that the grader must never open or change.

    Attributes:
        root: the folder (mode 0700, owned by the test's user).
        text: a file with a unique marker.
        png: a real PNG carrying the marker in a text chunk.
        json: a JSON document shaped like an export manifest, carrying the marker.
        marker: the unique string.
    """

    def __init__(self, base: Path) -> None:
        self.marker = f"HOST-SECRET-{os.getpid()}-{time.monotonic_ns()}"
        self.root = base / "root-only"
        self.root.mkdir(mode=0o700)
        (self.root / "inner").mkdir(mode=0o700)
        self.text = self.root / "secret.txt"
        self.text.write_text(self.marker + "\n")
        self.png = self.root / "secret.png"
        self.png.write_bytes(png_bytes(8, 8, text=self.marker))
        self.json = self.root / "secret.json"
        self.json.write_text('{"exports": {"history": {"found": true, "kind": "history", "data": {"loss": [1.0], '
                             f'"{self.marker}": [2.0]}}}}}}')
        for p in (self.root / "inner", self.text, self.png, self.json):
            os.chmod(p, 0o600 if p.is_file() else 0o700)
        self.before = self.owners()

    def owners(self) -> dict[str, tuple[int, int, int]]:
        """(uid, gid, mode) of the folder and everything in it."""
        out = {}
        for p in [self.root, *self.root.rglob("*")]:
            st = os.lstat(p)
            out[str(p)] = (st.st_uid, st.st_gid, st.st_mode)
        return out


def png_bytes(width: int, height: int, *, text: str = "") -> bytes:
    """A valid greyscale PNG of `width` x `height` black pixels, built row by row (never held decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    parts = [comp.compress(row) for _ in range(height)]
    idat = b"".join(parts) + comp.flush()
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if text:
        out += chunk(b"tEXt", b"Comment\x00" + text.encode())
    return out + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- inotify: did anyone on the host open or change a folder? ---------------------------------
IN_ACCESS, IN_ATTRIB, IN_OPEN, IN_MODIFY = 0x1, 0x4, 0x20, 0x2
_EVENT = struct.Struct("iIII")


class HostWatch:
    """inotify on host folders: records every open, read, change and attribute change (chown, chmod).

    The sandbox cannot see the watched folders (they are outside its mount namespace), so
    any event comes from the host side: the grader.
    """

    def __init__(self, *folders: Path) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            pytest.skip("inotify is not available here")
        self._wd = {}
        for folder in folders:
            wd = libc.inotify_add_watch(self._fd, str(folder).encode(), IN_ACCESS | IN_ATTRIB | IN_OPEN | IN_MODIFY)
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch({folder})")
            self._wd[wd] = str(folder)

    def events(self) -> list[str]:
        """Events since the watch started (and closes it)."""
        found = []
        try:
            while True:
                try:
                    data = os.read(self._fd, 65536)
                except BlockingIOError:
                    break
                pos = 0
                while pos < len(data):
                    wd, mask, _, length = _EVENT.unpack_from(data, pos)
                    name = data[pos + _EVENT.size: pos + _EVENT.size + length].rstrip(b"\0").decode()
                    found.append(f"{self._wd.get(wd, wd)}/{name} mask={mask:#x}")
                    pos += _EVENT.size + length
        except OSError as exc:
            if exc.errno != errno.EAGAIN:
                raise
        finally:
            os.close(self._fd)
        return found


# --- memory ----------------------------------------------------------------------------------
class PeakRSS:
    """Samples the resident memory of this process (and of the evaluation worker, when one runs) while in use.

    Attributes:
        grew_mb: peak RSS of this process minus its RSS when the block started.
        worker_mb: peak RSS of the evaluation worker processes seen (0 when none ran).
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.grew_mb = 0.0
        self.worker_mb = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> "PeakRSS":
        me = psutil.Process()
        self._base = me.memory_info().rss
        peak = [self._base, 0]

        def sample() -> None:
            while not self._stop.wait(self.interval):
                try:
                    peak[0] = max(peak[0], me.memory_info().rss)
                    for child in me.children(recursive=True):
                        try:
                            if "harness.evaluate.worker" in " ".join(child.cmdline()):
                                peak[1] = max(peak[1], child.memory_info().rss)
                        except psutil.Error:
                            continue
                except psutil.Error:
                    continue

        self._peak = peak
        self._thread = threading.Thread(target=sample, name="peak-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.grew_mb = (self._peak[0] - self._base) / 2**20
        self.worker_mb = self._peak[1] / 2**20
