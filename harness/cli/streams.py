"""Keeping the terminal clean: stdout holds results only, everything else goes to stderr.

`reserved_stdout` makes ``--json`` output exactly one JSON document: while the work runs,
anything written to stdout, by Python code (Keras' "Downloading data from ...") or at the
file-descriptor level by C libraries, is sent to stderr instead. `quiet_libraries` keeps
TensorFlow's C++ start-up logging below warnings in this process and its children.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator


def quiet_libraries() -> None:
    """TensorFlow/absl start-up logs off (errors still shown); set before TensorFlow is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
