"""`DataSource`: find a catalog file in the data root or the Keras cache, or download it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.data.catalog import CATALOG, DataFile, MissingDataError
from harness.errors import InputError

DATA_ENV = "LABGRADE_DATA"
CACHE_ENV = "LABGRADE_CACHE"


def default_cache_dir() -> Path:
    """Where labgrade keeps derived data (prepared cats/dogs folders, decoded arrays)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "labgrade"


def _keras_home() -> Path:
    # Same rule as keras.src.backend.config, without importing Keras.
    env = os.environ.get("KERAS_HOME")
    if env:
        return Path(env)
    return Path(os.path.expanduser("~")) / ".keras"


_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


@dataclass
class DataSource:
    """Where the labs' data comes from.

    Attributes:
        root: an offline data root (``keras-home/``,
            ``dogs-vs-cats/``, ``sample-images/``); None means Keras' cache and
            downloads (the path real users have).
        allow_download: let Keras download what is missing (ignored for files that
            have no public URL).
        cache_dir: where derived data is written (prepared folders, decoded arrays).
    """

    root: Path | None = None
    allow_download: bool = True
    cache_dir: Path | None = None

    @classmethod
    def resolve(cls, data_root: str | Path | None = None, *, allow_download: bool = True) -> "DataSource":
        """Builds a source from ``--data-root``, else ``$LABGRADE_DATA``, else the Keras cache.

        Raises:
            DataRootError: when a data root is given but is not a directory.
        """
        root = data_root or os.environ.get(DATA_ENV) or None
        if root is not None:
            root = Path(root).expanduser().resolve()
            if not root.is_dir():
                state = "does not exist" if not root.exists() else "is not a directory"
                raise DataRootError(
                    f"Data root {str(root)!r} (from {'--data-root' if data_root else DATA_ENV}) {state}. "
                    "Pass a folder laid out like: keras-home/datasets/fashion-mnist/, keras-home/models/, "
                    "dogs-vs-cats/train.zip, sample-images/ (or leave --data-root out to use Keras' cache and "
                    "downloads)."
                )
        return cls(root=root, allow_download=allow_download)

    @property
    def keras_home(self) -> Path:
        """The Keras home this source reads Keras-cached files from."""
        return self.root / "keras-home" if self.root else _keras_home()

    @property
    def derived_dir(self) -> Path:
        """Writable folder for derived data."""
        return self.cache_dir or default_cache_dir()

    def candidates(self, entry: DataFile) -> list[Path]:
        """Every place `entry` is looked for, in order."""
        paths: list[Path] = []
        if self.root:
            paths.append(self.root / entry.rel)
        if entry.keras_rel:
            cached = _keras_home() / entry.keras_rel
            if cached not in paths:
                paths.append(cached)
        elif not self.root:
            base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
            paths.append(Path(base) / "labgrade" / entry.rel)
        return paths

    def find(self, key: str) -> Path | None:
        """Path of catalog file `key` if it is present somewhere, without downloading."""
        entry = _entry(key)
        for p in self.candidates(entry):
            if p.is_file():
                return p
        return None

    def has(self, key: str) -> bool:
        """True when catalog file `key` is present (no download attempted)."""
        return self.find(key) is not None

    def path(self, key: str) -> Path:
        """Path of catalog file `key`, downloading it through Keras when allowed.

        Raises:
            MissingDataError: naming the file, where it was looked for and how to provide it.
        """
        entry = _entry(key)
        found = self.find(key)
        if found:
            return found
        looked = [str(p) for p in self.candidates(entry)]
        if entry.url is None or not self.allow_download or self.root is not None:
            raise MissingDataError(entry, looked)
        try:
            return self._download(entry)
        except Exception as exc:  # network errors come in many types
            raise MissingDataError(entry, looked, reason=f"{type(exc).__name__}: {exc}") from exc

    def _download(self, entry: DataFile) -> Path:
        from keras.utils import get_file  # imported lazily: nothing heavy at import time

        subdir, fname = entry.keras_rel.rsplit("/", 1)
        # Keras prints "Downloading data from ..." and its progress bar on stdout: keep stdout for
        # results (`--json`), the progress goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            return Path(
                get_file(
                    fname,
                    origin=entry.url,
                    cache_dir=str(_keras_home()),
                    cache_subdir=subdir,
                    file_hash=entry.md5,
                )
            )

    def fingerprint(self, keys: list[str] | tuple[str, ...]) -> str:
        """A short digest identifying the exact bytes of `keys` (for band provenance)."""
        h = hashlib.sha256()
        for key in sorted(keys):
            h.update(key.encode())
            h.update(file_sha256(self.path(key)).encode())
        return h.hexdigest()[:16]

    def status(self) -> list[dict]:
        """One row per catalog file: present or missing, where, size, fingerprint."""
        rows = []
        for key, entry in CATALOG.items():
            found = self.find(key)
            rows.append(
                {
                    "key": key,
                    "present": found is not None,
                    "path": str(found) if found else str(self.candidates(entry)[0]),
                    "bytes": found.stat().st_size if found else None,
                    "sha256": file_sha256(found)[:12] if found else None,
                    "how": None if found else entry.how,
                }
            )
        return rows

    def describe(self) -> str:
        """One line saying which source is in use."""
        if self.root:
            return f"data root {self.root}"
        return f"Keras cache {_keras_home()} (downloads {'on' if self.allow_download else 'off'})"


class DataRootError(InputError, NotADirectoryError):
    """``--data-root`` (or ``$LABGRADE_DATA``) does not name a folder."""


def _entry(key: str) -> DataFile:
    try:
        return CATALOG[key]
    except KeyError:
        raise KeyError(f"Unknown data file {key!r}. Known: {', '.join(CATALOG)}.") from None
