"""The private folder a submission runs in, who owns what in it, and removing it safely.

Ownership is settled once, before any submission code runs (`Workspace.seal`): from
then on the grader never walks, chowns or follows anything the submission could have
changed. Folders the sandbox user writes are handed to it at that moment; folders the
grader writes later (export folders, control files) live under parents the sandbox
user cannot write, so they cannot be swapped for links.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Folders the submission's processes write in (handed to the sandbox user before code runs).
SANDBOX_DIRS = ("work", "home", "keras", "tmp", "ipc", "out")
# Folders only the grader writes in: the sandbox user may traverse them but not list or change them.
GRADER_DIRS = ("ctl", "exports", "inputs")


class WorkspaceSealed(RuntimeError):
    """Ownership changes were requested after submission code started (a grader bug)."""


@dataclass
class Workspace:
    """A fresh temporary folder per run; the only place the sandbox can write.

    Layout under `root`::

        work/      the submission's working directory (data/ provisioned here)
        home/      $HOME
        keras/     $KERAS_HOME (Fashion-MNIST files, class index, backbone weights)
        tmp/       $TMPDIR
        ipc/       the kernel's ZeroMQ sockets (locked once the kernel is up)
        out/       module runs: per-cell output files and figures
        ctl/       grader-only: connection file, kernel log, module runner script (read-only to the sandbox)
        exports/   grader-only parent of one folder per export, named by a nonce drawn at export time
        inputs/    grader-only: files exported functions are called on, in a nonce-named folder

    Attributes:
        root: the temporary folder.
        uid: the user the submission runs as.
        sealed: True once submission code may be running.
    """

    root: Path
    uid: int = field(default_factory=os.geteuid)
    sealed: bool = False

    @classmethod
    def create(cls, base: str | Path | None = None, *, uid: int | None = None) -> "Workspace":
        """Creates a new workspace under `base` (default: the system temp folder)."""
        root = Path(tempfile.mkdtemp(prefix="labgrade-", dir=base))
        ws = cls(root, uid=os.geteuid() if uid is None else uid)
        for sub in (*SANDBOX_DIRS, *GRADER_DIRS):
            (root / sub).mkdir(mode=0o700)
        return ws

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def keras_home(self) -> Path:
        return self.root / "keras"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def ipc(self) -> Path:
        return self.root / "ipc"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def ctl(self) -> Path:
        return self.root / "ctl"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def foreign(self) -> bool:
        """True when the submission runs as another user than the grader."""
        return self.uid != os.geteuid()

    def stage_inputs(self, files: dict[str, list[tuple[str, Path]]]) -> dict[str, list[dict]]:
        """Copies the files exported callables are called on into a fresh nonce folder (before sealing).

        Returns:
            contract name -> [{"label", "path"}] with paths inside the workspace.
        """
        self._not_sealed("stage inputs")
        folder = self.inputs / secrets.token_hex(16)
        folder.mkdir(mode=0o755)
        out: dict[str, list[dict]] = {}
        for name, items in files.items():
            out[name] = []
            for i, (label, host_path) in enumerate(items):
                dest = folder / f"{i:02d}{Path(host_path).suffix}"
                if not dest.exists():
                    shutil.copyfile(host_path, dest)
                    os.chmod(dest, 0o644)
                out[name].append({"label": label, "path": str(dest)})
        return out

    def seal(self) -> None:
        """Settles ownership before any submission code runs; nothing is walked or chowned afterwards.

        Sandbox folders (and what the grader provisioned in them) go to the sandbox user;
        grader folders stay the grader's, traversable but not listable (mode 0711).
        """
        self._not_sealed("seal")
        if self.foreign:
            for sub in SANDBOX_DIRS:
                for dirpath, dirnames, filenames in os.walk(self.root / sub):
                    os.chown(dirpath, self.uid, self.uid, follow_symlinks=False)
                    for name in filenames:
                        os.chown(os.path.join(dirpath, name), self.uid, self.uid, follow_symlinks=False)
            for sub in GRADER_DIRS:
                os.chmod(self.root / sub, 0o711)
            os.chmod(self.root, 0o711)
        self.sealed = True

    def lock(self, folder: Path) -> None:
        """Takes a sandbox folder back from the sandbox user (the kernel's sockets, once bound).

        Safe after sealing only for folders no submission code has run against yet: the
        folder is opened without following links and changed through its descriptor.
        """
        if not self.foreign:
            return
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchown(fd, os.geteuid(), os.getegid())
            os.fchmod(fd, 0o755)
        finally:
            os.close(fd)

    def new_export_dir(self) -> Path:
        """A fresh export folder the sandbox can write, named by a nonce drawn now.

        Created inside ``exports/``, which only the grader can write, and handed over
        through a descriptor: the name cannot have been planted or swapped for a link.
        """
        name = secrets.token_hex(16)
        parent = os.open(self.exports, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.mkdir(name, 0o700, dir_fd=parent)
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
            try:
                if self.foreign:
                    os.fchown(fd, self.uid, self.uid)
            finally:
                os.close(fd)
        finally:
            os.close(parent)
        return self.exports / name

    def write_control(self, name: str, text: str) -> Path:
        """Writes a grader file into ``ctl/`` (readable by the sandbox, writable only by the grader)."""
        path = self.ctl / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path

    def _not_sealed(self, what: str) -> None:
        if self.sealed:
            raise WorkspaceSealed(f"cannot {what}: submission code may already be running in {self.root}")

    def cleanup(self) -> list[str]:
        """Deletes the workspace, never following links; returns what could not be removed.

        Call it once the submission's processes are gone. Folders the submission made
        unreadable are reopened by descriptor (no path is followed) before removal.
        """
        left: list[str] = []

        def onexc(func, path, exc):
            try:
                info = os.lstat(path)
                parent = os.path.dirname(path)
                pinfo = os.lstat(parent)
                if stat.S_ISDIR(pinfo.st_mode):
                    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
                    try:
                        os.fchmod(fd, 0o700)
                    finally:
                        os.close(fd)
                if stat.S_ISDIR(info.st_mode):
                    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
                    try:
                        os.fchmod(fd, 0o700)
                    finally:
                        os.close(fd)
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except OSError as again:
                left.append(f"{path}: {again.strerror or again}")

        try:
            shutil.rmtree(self.root, onerror=lambda f, p, e: onexc(f, p, e[1]))
        except OSError as exc:
            left.append(f"{self.root}: {exc}")
        return left[:20]
