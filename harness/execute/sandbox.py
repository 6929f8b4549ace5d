"""Containment of untrusted code: rlimits, bubblewrap namespaces, a scrubbed environment.

The command that starts a kernel (or a module runner) is wrapped as::

    python -S -c BOOTSTRAP CONFIG -- [bwrap ... -- [setpriv ... --]] python ...

BOOTSTRAP runs in the grader's trust domain: it hands the connection file to the
sandbox user, sets the rlimits, makes itself a child subreaper (so double-forked
daemons stay in the tree the watchdog kills), drops to the sandbox user when no
bwrap/setpriv does it, and execs the rest. bwrap, when installed, gives the code an
empty network namespace, its own PID namespace and a read-only view of only the
interpreter and libraries, with the workspace as the one writable folder; grader
files (rubrics, held-out data, this project) are not in view. When the grader runs as
root, the code runs as an unprivileged uid in both modes, because the kernel never
applies RLIMIT_NPROC to root and root reads every file.

Policy (fail closed): grading untrusted code requires bubblewrap (``mode="bwrap"``)
unless the caller asks for ``"none"`` on purpose; ``"auto"`` (a student's own code on
their own machine) falls back to limits only and says so.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psutil

from harness.errors import INSTALL_BWRAP, SandboxUnavailable
from harness.execute.limits import Limits
from harness.execute.workspace import Workspace
from harness.models import Isolation

SANDBOX_UID = 65534  # "nobody": owns nothing on the host

SandboxMode = Literal["auto", "bwrap", "none"]

# Environment variables passed through from the grader (everything else is dropped:
# tokens, cloud credentials, LABGRADE_DATA pointing at held-out data...).
PASSTHROUGH_ENV = ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES",
                   "XLA_PYTHON_CLIENT_PREALLOCATE", "TZ")

BOOTSTRAP = r"""
import ctypes, json, os, resource, sys
cfg = json.loads(sys.argv[1])
for path in cfg.get("chown", []):
    try:
        os.chown(path, cfg["uid"], cfg["uid"])
    except OSError:
        pass
for name, value in cfg["rlimits"].items():
    which = getattr(resource, name)
    soft, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass
try:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
if cfg.get("pid_namespace"):
    # ipykernel polls its parent pid, which does not exist inside a PID namespace.
    os.environ.pop("JPY_PARENT_PID", None)
argv = sys.argv[sys.argv.index("--") + 1:]
via = cfg.get("via_fd")
if via:
    # The interpreter lives where the sandbox user cannot reach (/root/...): keep a descriptor
    # to its installation open and run it through /proc/self/fd, which needs no search
    # permission on the folders above it. Nothing else of root's becomes reachable.
    fd = os.open(via["home"], os.O_RDONLY | os.O_DIRECTORY)
    os.set_inheritable(fd, True)
    home = f"/proc/self/fd/{fd}"
    os.environ["PYTHONHOME"] = home
    os.environ["PYTHONPATH"] = via["boot"]
    # The interpreter's RUNPATH names the unreachable folder: point the loader at its libpython.
    os.environ["LD_LIBRARY_PATH"] = home + "/lib"
    argv[0] = home + "/" + via["exe"]
if cfg.get("drop_to") is not None:
    uid = cfg["drop_to"]
    try:
        ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    except OSError as exc:
        sys.stderr.write(f"labgrade bootstrap: cannot drop to uid {uid}: {exc}\n")
        os._exit(126)
os.execvp(argv[0], argv)
"""


@functools.lru_cache(maxsize=None)
def bwrap_path() -> str | None:
    """Path of a working ``bwrap``, or None (missing, or namespaces not permitted)."""
    path = shutil.which("bwrap")
    if not path:
        return None
    try:
        probe = subprocess.run(
            [path, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
             "true"],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path if probe.returncode == 0 else None


@dataclass
class SandboxPlan:
    """How to start a Python process for a submission.

    Attributes:
        wrapper: bwrap (and setpriv) arguments between the bootstrap and Python.
        rlimits: resource limits the bootstrap sets before exec.
        python: the interpreter to run inside the sandbox.
        env: the complete environment for the child.
        isolation: what this plan contains, for the Execution record.
        uid: the uid code runs as (for handing over the workspace).
        transport: ZMQ transport for kernels (``ipc`` when the network is unshared).
        chown: paths the bootstrap hands to the sandbox user before exec.
        drop_to: uid the bootstrap switches to before exec (limits-only mode as root).
        via_fd: when the interpreter is out of the sandbox user's reach: its installation
            (``home``), the executable relative to it (``exe``) and a folder whose
            sitecustomize adds the site-packages (``boot``).
    """

    wrapper: list[str]
    rlimits: dict[str, int]
    python: str
    env: dict[str, str]
    isolation: Isolation
    uid: int
    transport: Literal["tcp", "ipc"] = "tcp"
    chown: list[str] = field(default_factory=list)
    drop_to: int | None = None
    via_fd: dict | None = None

    def command(self, python_argv: list[str]) -> list[str]:
        """Full command line running ``python <python_argv>`` inside the sandbox."""
        cfg = {"uid": self.uid, "rlimits": self.rlimits, "chown": self.chown,
               "pid_namespace": self.isolation.mode == "bwrap", "drop_to": self.drop_to,
               "via_fd": self.via_fd}
        return [sys.executable, "-S", "-c", BOOTSTRAP, json.dumps(cfg), "--", *self.wrapper, self.python,
                *python_argv]


def build_env(ws: Workspace, *, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: a short allow-list, never the grader's own variables."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(ws.home),
        "TMPDIR": str(ws.tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "KERAS_HOME": str(ws.keras_home),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": str(ws.home / ".config" / "matplotlib"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_RUNTIME_DIR": str(ws.ctl),
        "JUPYTER_DATA_DIR": str(ws.home / ".jupyter-data"),
        "IPYTHONDIR": str(ws.home / ".ipython"),
    }
    for key in PASSTHROUGH_ENV:
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env


def _python_roots() -> list[Path]:
    """Folders the interpreter and its packages live in (bound read-only)."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    for p in site.getsitepackages():
        roots.add(Path(p))
    out: list[Path] = []
    for r in sorted({Path(os.path.realpath(r)) for r in roots} | roots, key=lambda p: len(p.parts)):
        if r.exists() and not any(r.is_relative_to(o) for o in out):
            out.append(r)
    return out


_SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin", "/etc")


def _bwrap_args(bwrap: str, ws: Workspace, limits: Limits, *, as_root: bool) -> list[str]:
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        args.append("--unshare-user")
    made: set[str] = {"/"}
    for d in _SYSTEM:
        if os.path.exists(d):
            args += ["--ro-bind", d, d]
            made.add(d)

    def parents(path: Path) -> None:
        for parent in reversed(path.parents):
            s = str(parent)
            if s not in made:
                args.extend(["--perms", "0755", "--dir", s])
                made.add(s)

    # /dev/shm writable by the sandbox user: multiprocessing's semaphores live there, and Keras
    # uses a ThreadPool (which needs one) to list image folders. The tmpfs mounts come before the
    # interpreter's binds: bwrap applies mounts in order, so a virtual environment under /tmp
    # (a CI checkout, a student's clone) would otherwise be hidden by the fresh /tmp.
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.tmp_mb << 20),
             "--tmpfs", "/tmp", "--perms", "1777", "--size", str(limits.shm_mb << 20), "--tmpfs", "/dev/shm"]
    made.update({"/proc", "/dev", "/tmp", "/dev/shm"})
    for root in _python_roots():
        if any(str(root) == m or str(root).startswith(m + "/") for m in _SYSTEM):
            continue
        parents(root)
        args += ["--ro-bind", str(root), str(root)]
        made.add(str(root))
    parents(ws.root)
    args += ["--bind", str(ws.root), str(ws.root), "--chdir", str(ws.work)]
    if as_root:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                 shutil.which("setpriv") or "setpriv", "--reuid", str(SANDBOX_UID), "--regid", str(SANDBOX_UID),
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    args.append("--")
    return args


def sandbox_uid(mode: SandboxMode = "auto") -> int:
    """The uid submission code runs as for `mode` on this machine (decided before the workspace exists).

    Raises:
        SandboxUnavailable: ``mode="bwrap"`` without a usable bubblewrap.
    """
    bwrap = require(mode)
    if os.geteuid() != 0:
        return os.geteuid()
    if bwrap:
        return SANDBOX_UID if shutil.which("setpriv") else 0
    return SANDBOX_UID


def unreachable_for_others() -> str | None:
    """The first folder or file of the interpreter and its libraries that other users cannot reach, if any."""
    for root in _python_roots():
        path = Path(os.path.realpath(root))
        for part in [*reversed(path.parents), path]:
            try:
                mode = os.stat(part).st_mode
            except OSError:
                return str(part)
            if not mode & 0o001:  # no search/execute permission for others
                return str(part)
    exe = Path(os.path.realpath(sys.executable))
    return None if os.stat(exe).st_mode & 0o005 == 0o005 else str(exe)


def require(mode: SandboxMode) -> str | None:
    """The bwrap path for `mode` (None: limits only).

    Raises:
        SandboxUnavailable: ``mode="bwrap"`` but bubblewrap is missing or not permitted here.
        ValueError: an unknown mode.
    """
    if mode not in ("auto", "bwrap", "none"):
        raise ValueError(f"sandbox mode must be 'auto', 'bwrap' or 'none'; received {mode!r}.")
    bwrap = bwrap_path() if mode in ("auto", "bwrap") else None
    if mode == "bwrap" and not bwrap:
        found = shutil.which("bwrap")
        why = (f"bubblewrap is installed ({found}) but cannot create namespaces here (inside a container, allow "
               "unprivileged user namespaces or run it privileged)" if found else "bubblewrap (bwrap) is not installed")
        raise SandboxUnavailable(
            f"Refusing to run untrusted submissions without namespace isolation: {why}. {INSTALL_BWRAP} "
            "To grade anyway, with resource limits only (no network or filesystem isolation), pass --sandbox none "
            "on purpose; every report will then say that the run was not isolated.")
    return bwrap


def plan(ws: Workspace, limits: Limits, *, mode: SandboxMode = "auto",
         extra_env: dict[str, str] | None = None) -> SandboxPlan:
    """Decides how to contain a run on this machine.

    Args:
        ws: the run's workspace (created for the uid `sandbox_uid(mode)` returned).
        limits: resource limits.
        mode: ``"bwrap"`` requires bubblewrap, ``"none"`` uses rlimits only, ``"auto"``
            uses bubblewrap when it works here.
        extra_env: lab-specific variables for the child.

    Raises:
        SandboxUnavailable: when ``mode="bwrap"`` but bubblewrap is missing or not permitted.
    """
    bwrap = require(mode)
    as_root = os.geteuid() == 0
    notes: list[str] = []
    rlimits = {
        "RLIMIT_AS": limits.address_space_mb << 20,
        "RLIMIT_FSIZE": limits.max_file_mb << 20,
        "RLIMIT_CORE": 0,
        "RLIMIT_NOFILE": 4096,
    }
    drop_to = None
    via_fd = None
    uid = ws.uid
    if bwrap:
        setpriv_ok = not as_root or shutil.which("setpriv") is not None
        if as_root and not setpriv_ok:
            notes.append("running as root without setpriv: RLIMIT_NPROC cannot apply to root; "
                         "fork bombs are stopped only by the watchdog")
        prefix_tail = _bwrap_args(bwrap, ws, limits, as_root=as_root and setpriv_ok)
        isolation = Isolation(mode="bwrap", network="none", filesystem="private", user=uid)
        transport: Literal["tcp", "ipc"] = "ipc"
    else:
        prefix_tail = []
        isolation = Isolation(mode="limits-only", network="host", filesystem="host", user=uid)
        notes.append("bubblewrap unavailable: no network or filesystem isolation, only rlimits, a private "
                     "working directory, a scrubbed environment and an in-process network block "
                     "(advisory: code using ctypes can bypass it); the code could read every world-readable "
                     "file on this machine")
        if as_root and uid != 0:
            drop_to = uid
            notes.append(f"the grader runs as root: the code ran as uid {uid} (files readable only by root stay "
                         "unreadable to it)")
            if unreachable_for_others():
                via_fd = _interpreter_via_fd(ws)
        transport = "tcp"
    if uid != 0:
        rlimits["RLIMIT_NPROC"] = limits.max_processes + _current_processes(uid)
        isolation.process_limit = f"RLIMIT_NPROC for uid {uid} + watchdog"
    else:
        isolation.process_limit = "watchdog only"
    isolation.notes = notes
    env = build_env(ws, extra=extra_env)
    if isolation.network != "none":
        env["LABGRADE_BLOCK_NETWORK"] = "1"
    return SandboxPlan(wrapper=prefix_tail, rlimits=rlimits, python=sys.executable, env=env, isolation=isolation,
                       uid=uid, transport=transport, drop_to=drop_to, via_fd=via_fd)


def _interpreter_via_fd(ws: Workspace) -> dict:
    """What the bootstrap needs to start this interpreter through a descriptor (see BOOTSTRAP)."""
    home = Path(os.path.realpath(sys.base_prefix))
    exe = Path(os.path.realpath(sys.executable))
    boot = ws.ctl / "pyboot"
    boot.mkdir(mode=0o755, exist_ok=True)
    sites = [p for p in site.getsitepackages() if os.path.isdir(p)]
    (boot / "sitecustomize.py").write_text(
        "import site\n" + "".join(f"site.addsitedir({p!r})\n" for p in sites), encoding="utf-8")
    os.chmod(boot / "sitecustomize.py", 0o644)
    return {"home": str(home), "exe": str(exe.relative_to(home)), "boot": str(boot)}


def _current_processes(uid: int) -> int:
    """Threads already owned by `uid` (RLIMIT_NPROC counts them all)."""
    if uid == os.geteuid():
        try:
            return sum(p.info["num_threads"] or 0 for p in psutil.process_iter(["uids", "num_threads"])
                       if p.info["uids"] and p.info["uids"].real == uid)
        except Exception:
            return 64
    return 0
