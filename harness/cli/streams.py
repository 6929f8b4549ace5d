"""Keeping the terminal clean: stdout holds results only, everything else goes to stderr.

`reserved_stdout` makes ``--json`` output exactly one JSON document: while the work runs,
anything written to stdout, by Python code (Keras' "Downloading data from ...") or at the
file-descriptor level by C libraries, is sent to stderr instead. `quiet_libraries` keeps
TensorFlow's C++ start-up logging off the console of this process and its children.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import tempfile
from typing import Iterator

from harness.execute.capture import strip_chatter

# Modules whose first import prints absl/oneDNN start-up lines that no environment variable
# silences (TensorFlow 2.21 logs "oneDNN custom operations are on" through absl before
# TF_CPP_MIN_LOG_LEVEL is read).
_CHATTY = ("tensorflow", "keras")


def quiet_libraries() -> None:
    """Keeps TensorFlow/absl start-up logs off the console; errors still show.

    Sets ``TF_CPP_MIN_LOG_LEVEL`` for this process and its children, and makes the first
    import of TensorFlow (however deep, whenever it happens: commands import it lazily)
    run with file descriptor 2 captured; what it wrote is replayed without the chatter.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not any(isinstance(finder, _QuietImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())


class _QuietImport(importlib.abc.MetaPathFinder):
    """Finds the top-level TensorFlow/Keras package and wraps its loader in `_QuietLoader`."""

    def find_spec(self, name, path=None, target=None):
        if name not in _CHATTY or any(module in sys.modules for module in _CHATTY):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """Delegates to the real loader; executes the module with fd 2 sent to a file, then filters it."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        with _filtered_stderr():
            self._loader.exec_module(module)

    def __getattr__(self, name):  # resource readers and the like
        return getattr(self._loader, name)


@contextlib.contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Within the block, fd 2 goes to a temporary file; afterwards its text minus chatter is written back."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
        spool = tempfile.TemporaryFile()
    except (OSError, ValueError):  # no real stderr: nothing to keep clean
        yield
        return
    try:
        os.dup2(spool.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        spool.seek(0)
        text = strip_chatter(spool.read(1 << 20).decode("utf-8", "replace"))
        spool.close()
        if text.strip():
            sys.stderr.write(text)
            sys.stderr.flush()


@contextlib.contextmanager
def reserved_stdout() -> Iterator[None]:
    """Within the block, stdout (Python-level and fd 1) is redirected to stderr."""
    sys.stdout.flush()
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        saved = os.dup(fd)
    except (OSError, ValueError):  # no real stdout (embedded, some test runners)
        saved = None
    try:
        if saved is not None:
            os.dup2(2, fd)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, fd)
            os.close(saved)
