"""The grader's end of the trace channel: events read as they happen, checked, bounded.

The sandboxed process writes one line per event into a pipe opened before its first
cell (see ``inkernel/channel.py``). A thread here drains it continuously, so the
writer never blocks on a slow grader and a flood costs the grader nothing beyond the
caps. The first line announces the channel key; every later line carries a MAC and a
sequence number. Lines that fail either are kept out of the trace and recorded as
integrity problems: the trace is evidence the grader cross-checks, never truth.

The submission can reach the in-sandbox writer (a closure is an object like any
other), so even authenticated events are hostile input: what the grader keeps of them
is bounded in bytes, in events and in parsed values (a 3-byte ``{},`` becomes a
64-byte dict), and going past a bound is itself an integrity problem. The runner's
replies are kept past the event cap, so a flood cannot make the grader miss them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.untrusted import UntrustedDataError, parse_json, parse_json_counted

MAX_LINE = 4 << 20
MAX_TOTAL = 64 << 20
MAX_EVENTS = 30_000
EVENT_NODES = 300_000  # values kept per event (the largest figure the trace describes holds about 260,000)
TOTAL_NODES = 1_000_000  # values kept for the whole run (ordinary traces hold a few thousand)
CONTROL = ("ready", "cell-done", "export-done")  # the runner's replies: kept past MAX_EVENTS
MAX_CONTROL = 20_000


@dataclass
class ChannelReport:
    """What the channel delivered.

    Attributes:
        events: verified events in order (each a sanitised dict with ``t`` and ``seq``).
        salt: the fingerprint salt announced by the prologue ('' when no hello arrived).
        problems: integrity problems (forged, malformed or out-of-order lines, floods).
        bytes_read: total bytes received.
    """

    events: list[dict] = field(default_factory=list)
    salt: str = ""
    problems: list[str] = field(default_factory=list)
    bytes_read: int = 0


class TraceChannel:
    """A pipe from the sandbox into the grader, read by a daemon thread.

    Use: create, pass `write_fd` to the child (``pass_fds``), call `started_child()`
    after spawning (closes the grader's copy of the write end), `start()` the reader,
    and `close()` when the run is over.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.child_fd = self.write_fd  # the descriptor number the child sees (pass_fds keeps numbers)
        os.set_inheritable(self.read_fd, False)
        os.set_inheritable(self.write_fd, True)
        self.report = ChannelReport()
        self._key: bytes | None = None
        self._next_seq = 0
        self._nodes = 0
        self._control = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="labgrade-trace-channel", daemon=True)
        self._closed = False
        self._hello_open = True

    def started_child(self) -> None:
        """Closes the grader's copy of the write end once the child holds it."""
        if self.write_fd != -1:
            os.close(self.write_fd)
            self.write_fd = -1

    def start(self) -> None:
        """Starts draining the pipe."""
        self._thread.start()

    def close(self, timeout: float = 2.0) -> ChannelReport:
        """Stops reading (after what is already buffered) and returns the report."""
        self.started_child()
        self._thread.join(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():  # the pipe is still held open by a process that should be dead
            self.report.problems.append("the trace channel was still open when the run ended")
        return self.report

    def wait_for(self, predicate: Callable[[dict], bool], *, timeout: float, start: int = 0) -> dict | None:
        """The first verified event at index >= `start` matching `predicate`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self.report.events[start:]:
                    if predicate(ev):
                        return ev
                start = len(self.report.events)
                left = deadline - time.monotonic()
                if left <= 0 or self._closed or not self._thread.is_alive():
                    return None
                self._cond.wait(min(left, 0.25))

    def seal_hello(self) -> None:
        """From now on no announcement is accepted: submission code may be running.

        Called once the prologue has finished; if its announcement never arrived, the
        channel stays unauthenticated and every later line is reported, never trusted.
        """
        self._hello_open = False
        if self._key is None:
            self._problem("the trace channel was not announced before the submission's code started")

    @property
    def count(self) -> int:
        """Number of verified events so far."""
        return len(self.report.events)

    def _run(self) -> None:
        buf = b""
        try:
            while True:
                block = os.read(self.read_fd, 1 << 16)
                if not block:
                    break
                self.report.bytes_read += len(block)
                if self.report.bytes_read > MAX_TOTAL:
                    self._problem_once("flood", f"more than {MAX_TOTAL >> 20} MB on the trace channel: the rest was "
                                                "dropped (flood)")
                    continue
                buf += block
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        if len(buf) > MAX_LINE:
                            self._problem(f"a trace line longer than {MAX_LINE >> 20} MB was dropped")
                            buf = b""
                        break
                    line, buf = buf[:nl], buf[nl + 1:]
                    if len(line) <= MAX_LINE:
                        self._line(line)
                    else:
                        self._problem(f"a trace line longer than {MAX_LINE >> 20} MB was dropped")
        except OSError as exc:
            self._problem(f"reading the trace channel failed: {exc}")
        finally:
            os.close(self.read_fd)
            with self._cond:
                self._cond.notify_all()

    def _problem(self, text: str) -> None:
        if len(self.report.problems) < 50:
            self.report.problems.append(text)

    def _problem_once(self, tag: str, text: str) -> None:
        """Records a problem whose text contains `tag`, unless one already does."""
        if not any(tag in p for p in self.report.problems):
            self._problem(text)

    def _line(self, line: bytes) -> None:
        mac, sep, body = line.partition(b" ")
        if not sep:
            self._problem("a malformed trace line (no MAC) was ignored")
            return
        if self._key is None:
            if self._hello_open:
                self._hello(mac, body)
            else:
                self._problem("a trace line arrived on an unauthenticated channel and was ignored")
            return
        expected = hmac.new(self._key, body, hashlib.sha256).hexdigest()[:32].encode()
        if not hmac.compare_digest(mac, expected):
            self._problem("a trace line with a wrong MAC was ignored (written by something other than the "
                          "harness's trace)")
            return
        try:
            ev, nodes = parse_json_counted(body, what="trace event", max_nodes=EVENT_NODES)
        except UntrustedDataError as exc:
            self._problem(str(exc))
            return
        if not isinstance(ev, dict) or not isinstance(ev.get("t"), str):
            self._problem("a trace event that is not an object was ignored")
            return
        seq = ev.get("seq")
        if seq != self._next_seq:
            self._problem(f"trace sequence broken: expected event {self._next_seq}, received {seq!r}")
            if isinstance(seq, int) and not isinstance(seq, bool) and seq > self._next_seq:
                self._next_seq = seq + 1
            return
        self._next_seq += 1
        if nodes >= EVENT_NODES:
            self._problem_once("too large", f"a trace event holding more than {EVENT_NODES} values was cut (too large)")
        with self._cond:
            control = ev["t"] in CONTROL and self._control < MAX_CONTROL
            if control:
                self._control += 1
                self.report.events.append(ev)
            elif len(self.report.events) >= MAX_EVENTS:
                self._problem_once("too many", f"more than {MAX_EVENTS} trace events: the rest was dropped (too many)")
            elif self._nodes + nodes > TOTAL_NODES:
                self._problem_once("too big", f"the trace held more than {TOTAL_NODES} values: the rest was dropped "
                                              "(too big)")
            else:
                self._nodes += nodes
                self.report.events.append(ev)
            self._cond.notify_all()

    def _hello(self, mac: bytes, body: bytes) -> None:
        try:
            ev: Any = parse_json(body, what="trace hello")
        except UntrustedDataError as exc:
            self._problem(f"the trace channel did not start properly: {exc}")
            return
        key = ev.get("key") if isinstance(ev, dict) else None
        if mac != b"-" or ev.get("t") != "hello" or not isinstance(key, str) or len(key) != 64:
            self._problem("the trace channel did not start with the harness's announcement")
            return
        try:
            self._key = bytes.fromhex(key)
        except ValueError:
            self._problem("the trace channel announced a malformed key")
            return
        salt = ev.get("salt")
        self.report.salt = salt if isinstance(salt, str) and len(salt) <= 64 else ""
        self._next_seq = 1
