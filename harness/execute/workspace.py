"""The private folder a submission runs in, and what it may see."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Workspace:
    """A fresh temporary folder per run; the only place the sandbox can write.

    Layout under `root`::

        work/      the submission's working directory (data/ provisioned here)
        home/      $HOME
        keras/     $KERAS_HOME (Fashion-MNIST files, class index, backbone weights)
        ctl/       kernel connection file and sockets, module runner files
        exports/   one subfolder per export, named by a nonce chosen at export time

    Attributes:
        root: the temporary folder.
    """

    root: Path

    @classmethod
    def create(cls, base: str | Path | None = None) -> "Workspace":
        """Creates a new workspace under `base` (default: the system temp folder)."""
        root = Path(tempfile.mkdtemp(prefix="labgrade-", dir=base))
        ws = cls(root)
        for sub in (ws.work, ws.home, ws.keras_home, ws.ctl, ws.exports, ws.tmp):
            sub.mkdir(parents=True, exist_ok=True)
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
    def ctl(self) -> Path:
        return self.root / "ctl"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def new_export_dir(self) -> Path:
        """A fresh export folder whose name the submission could not have guessed."""
        path = self.exports / secrets.token_hex(16)
        path.mkdir()
        return path

    def hand_over(self, uid: int | None) -> None:
        """Makes the workspace writable by the sandbox user (when it differs from ours)."""
        if uid is None or uid == os.geteuid():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chown(dirpath, uid, uid)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)
        os.chmod(self.root, 0o755)

    def cleanup(self) -> None:
        """Deletes the workspace, whatever the submission left in it."""
        def onerror(func, path, exc_info):  # read-only dirs the submission chmod'ed
            try:
                os.chmod(os.path.dirname(path), 0o700)
                func(path)
            except OSError:
                pass

        shutil.rmtree(self.root, onerror=onerror)
