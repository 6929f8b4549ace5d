"""Running the evaluation worker: one long-lived process per grading process, limited, replaced when it fails.

Loading a submission's model is trusted code working on hostile input: a crafted
archive can ask Keras for gigabytes or hours. The worker (`harness.evaluate.worker`)
runs in its own process under an address-space limit, a resident-memory watchdog and a
time limit per request; when a request breaks a limit, the process is killed and that
submission gets a clear status, and the next request starts a fresh process. Keeping
the process between requests saves importing TensorFlow for every submission.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass

from harness.untrusted import UntrustedDataError, parse_json
from harness.execute.watchdog import Watchdog

MEMORY_MB = 4096
REQUEST_TIMEOUT_S = 900.0
STARTUP_TIMEOUT_S = 180.0
MAX_RESPONSE = 64 << 20

_LAUNCH = r"""
import json, os, resource, sys
limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
os.execv(sys.executable, [sys.executable, "-m", "harness.evaluate.worker"])
"""


class EvaluationFailed(RuntimeError):
    """The evaluation process broke a limit or died; `status` says which (``timeout``, ``memory``, ``error``)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class _Proc:
    popen: subprocess.Popen
    lines: list[str]
    cond: threading.Condition
    reader: threading.Thread


class EvaluationService:
    """A limited worker process serving evaluation requests.

    Args:
        memory_mb: resident-memory limit of the worker (the address space is capped higher).
        timeout_s: default time limit per request.
    """

    def __init__(self, *, memory_mb: int = MEMORY_MB, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self._proc: _Proc | None = None
        self._lock = threading.Lock()

    def request(self, payload: dict, *, timeout_s: float | None = None) -> dict:
        """Sends one request and waits for its response.

        Raises:
            EvaluationFailed: the worker exceeded a limit or died (it is replaced next time).
        """
        with self._lock:
            proc = self._proc if self._proc and self._proc.popen.poll() is None else self._start()
            watchdog = Watchdog(proc.popen.pid, memory_mb=self.memory_mb, max_processes=64)
            watchdog.start()
            try:
                with proc.cond:
                    proc.lines.clear()
                proc.popen.stdin.write(json.dumps(payload) + "\n")
                proc.popen.stdin.flush()
                line = self._wait_line(proc, timeout_s or self.timeout_s)
            except (OSError, ValueError):
                line = None
            finally:
                watchdog.stop()
            if line is None:
                reason = watchdog.reason
                self.close()
                if reason == "memory":
                    raise EvaluationFailed("memory", f"evaluating the exported models exceeded {self.memory_mb} MB "
                                                     "of memory")
                if proc.popen.poll() is not None and reason is None:
                    raise EvaluationFailed("error", f"the evaluation process died (exit code {proc.popen.poll()})")
                raise EvaluationFailed("timeout", f"evaluating the exported models took longer than "
                                                  f"{timeout_s or self.timeout_s:.0f} s")
            try:
                response = parse_json(line, what="evaluation response")
            except UntrustedDataError as exc:
                self.close()
                raise EvaluationFailed("error", str(exc)) from None
            if not isinstance(response, dict) or "fatal" in response:
                self.close()
                raise EvaluationFailed("error", "the evaluation process failed: "
                                                + str((response or {}).get("fatal", "no response"))[-500:])
            return response

    def _start(self) -> _Proc:
        self.close()
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        address_space = max(2 * self.memory_mb, self.memory_mb + 8192)
        popen = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(address_space)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                                 start_new_session=True)
        cond = threading.Condition()
        lines: list[str] = []

        def read() -> None:
            for line in popen.stdout:
                with cond:
                    lines.append(line[:MAX_RESPONSE])
                    cond.notify_all()
            with cond:
                cond.notify_all()

        reader = threading.Thread(target=read, name="labgrade-evaluator-reader", daemon=True)
        reader.start()
        proc = _Proc(popen, lines, cond, reader)
        ready = self._wait_line(proc, STARTUP_TIMEOUT_S)
        if ready is None or '"ready"' not in ready:
            popen.kill()
            raise EvaluationFailed("error", "the evaluation process did not start")
        with cond:
            lines.clear()
        self._proc = proc
        return proc

    @staticmethod
    def _wait_line(proc: _Proc, timeout: float) -> str | None:
        with proc.cond:
            proc.cond.wait_for(lambda: proc.lines or not proc.reader.is_alive(), timeout=timeout)
            return proc.lines.pop(0) if proc.lines else None

    def close(self) -> None:
        """Stops the worker process (a later request starts a new one)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.popen.stdin.close()
        except OSError:
            pass
        Watchdog(proc.popen.pid, memory_mb=1, max_processes=1).kill_tree()
        try:
            proc.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


_SERVICE: EvaluationService | None = None


def shared_service() -> EvaluationService:
    """This process's evaluation service, started on first use and stopped at exit."""
    global _SERVICE
    if _SERVICE is None:
        _SERVICE = EvaluationService()
        atexit.register(_SERVICE.close)
    return _SERVICE
