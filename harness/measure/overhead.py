"""Harness overhead: what grading costs beyond the student's own cells.

Measured per submission on a trivial notebook (one ``x = 1`` cell):

* ``kernel_startup_s``: a bare ``jupyter_client`` kernel, from start to its
  ``kernel_info`` reply (no sandbox, no prologue): the floor any notebook grader pays.
* ``execute_wall_s``: ``harness.execute.execute`` end to end (workspace, data
  provisioning, sandbox, kernel, prologue, cells, export, ``execution.json``).
* ``overhead_s`` = ``execute_wall_s - cell_time_s - kernel_startup_s`` (medians of the
  same run), with bubblewrap and with ``sandbox_mode="none"``.

`grader_peak_rss` samples the grader process's own resident memory (not the kernel's)
while it executes a notebook that trains a small model, in a fresh interpreter so that
libraries other benchmarks loaded do not count.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import start_new_kernel

from harness.data import DataSource
from harness.execute import Limits, execute
from harness.execute.sandbox import bwrap_path
from harness.grading import grade_one
from harness.labs import get_lab
from harness.models import Submission

TRIVIAL_CELLS = ("x = 1",)
TRAINING_CELLS = (
    "import keras, numpy as np\n"
    "(x, y), _ = keras.datasets.fashion_mnist.load_data()\n"
    "x = x[:8000] / 255.0; y = y[:8000]",
    "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dropout(0.2),\n"
    "    keras.layers.Dense(300, activation='elu'), keras.layers.Dropout(0.2), keras.layers.Dense(100, activation='elu'),\n"
    "    keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss='sparse_categorical_crossentropy', optimizer='nadam', metrics=['accuracy'])\n"
    "history = model.fit(x, y, epochs=2, batch_size=32, validation_split=0.1, verbose=0)",
)


def write_notebook(path: Path, cells: tuple[str, ...] = TRIVIAL_CELLS) -> Path:
    """Writes a notebook of one code cell per string (python3 kernelspec) and returns its path."""

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def kernel_startup_s(*, timeout_s: float = 60.0) -> float:
    """Seconds from starting a bare ``python3`` kernel to its ``kernel_info`` reply.

    Uses ``jupyter_client.manager.start_new_kernel`` (whose client waits for the
    ``kernel_info`` reply); the kernel is shut down afterwards, outside the timing.
    """

    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=timeout_s, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


def execute_once(notebook: Path, *, lab: str = "dropout", sandbox_mode: str = "none", quick: bool = True,
                 data_root: str | Path | None = None, workdir: Path | None = None) -> dict:
    """Runs `notebook` through ``harness.execute.execute`` once and returns its timings.

    Returns:
        ``wall_s`` (measured around the call), ``execution_wall_s``, ``startup_s`` (kernel
        and prologue, as the Execution records it), ``cell_time_s``, ``status``, ``isolation``.
    """

    spec = get_lab(lab)
    source = DataSource.resolve(data_root)
    sub = Submission.from_path(notebook, lab=lab)
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-", dir=workdir) as tmp:
        t0 = time.perf_counter()
        exe = execute(sub, artifacts_dir=Path(tmp) / "artifacts", lab=spec, limits=Limits.for_lab(spec, quick=quick),
                      source=source, quick=quick, sandbox_mode=sandbox_mode)
        wall = time.perf_counter() - t0
    return {"wall_s": wall, "execution_wall_s": exe.wall_time_s, "startup_s": exe.startup_s,
            "cell_time_s": exe.cell_time_s, "status": exe.status,
            "isolation": getattr(exe.isolation, "mode", None) if exe.isolation else None}


def overhead(*, repeats: int = 10, sandbox_modes: tuple[str, ...] = ("bwrap", "none"), lab: str = "dropout",
             data_root: str | Path | None = None) -> dict:
    """Harness overhead per submission on a trivial notebook, medians of `repeats`.

    Runs are interleaved (bare kernel, then one execution per sandbox mode, `repeats`
    times), so slow phases of a shared machine hit every variant alike.

    Returns:
        ``{"kernel_startup_s": {...stats}, "<mode>": {"wall_s", "cell_time_s", "startup_s",
        "overhead_s", "overhead_beyond_kernel_s"...}, "repeats": n}``; every value a
        median, with the raw lists under ``"raw"``.

    Raises:
        RuntimeError: when an execution does not finish with status ``ok``.
    """

    modes = [m for m in sandbox_modes if m != "bwrap" or bwrap_path()]
    raw: dict[str, list] = {"kernel_startup_s": []}
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-nb-") as tmp:
        nb = write_notebook(Path(tmp) / "trivial.ipynb")
        kernel_startup_s()  # warm: imports, disk caches
        for mode in modes:
            execute_once(nb, lab=lab, sandbox_mode=mode, data_root=data_root)
        for _ in range(repeats):
            raw["kernel_startup_s"].append(kernel_startup_s())
            for mode in modes:
                run = execute_once(nb, lab=lab, sandbox_mode=mode, data_root=data_root)
                if run["status"] != "ok":
                    raise RuntimeError(f"trivial notebook finished with status {run['status']!r} "
                                       f"(sandbox_mode={mode!r}); expected 'ok'.")
                raw.setdefault(mode, []).append(run)
    kernel = statistics.median(raw["kernel_startup_s"])
    out: dict = {"repeats": repeats, "lab": lab, "kernel_startup_s": _stats(raw["kernel_startup_s"]), "raw": raw}
    for mode in modes:
        runs = raw[mode]
        beyond_cells = [r["wall_s"] - r["cell_time_s"] for r in runs]
        out[mode] = {
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "cell_time_s": statistics.median(r["cell_time_s"] for r in runs),
            "startup_s": statistics.median(r["startup_s"] for r in runs),
            "beyond_cells_s": _stats(beyond_cells),
            "overhead_beyond_kernel_s": statistics.median(beyond_cells) - kernel,
        }
    if "bwrap" not in modes and "bwrap" in sandbox_modes:
        out["bwrap"] = {"skipped": "bubblewrap is not installed or not permitted here"}
    return out


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _rss_worker(notebook: str, lab: str, sandbox_mode: str, data_root: str | None, interval_s: float,
                grade: bool) -> dict:

    proc = psutil.Process()
    samples: list[int] = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(proc.memory_info().rss)
            stop.wait(interval_s)


    before = proc.memory_info().rss
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="labgrade-bench-rss-") as tmp:
        t0 = time.perf_counter()
        if grade:

            result = grade_one(notebook, lab=lab, out=Path(tmp) / "out", quick=True, data_root=data_root,
                               sandbox=sandbox_mode)
            status = result.grade.execution_status
        else:
            status = execute_once(Path(notebook), lab=lab, sandbox_mode=sandbox_mode, data_root=data_root,
                                  workdir=Path(tmp))["status"]
        wall = time.perf_counter() - t0
    stop.set()
    thread.join()
    return {"peak_rss_mb": max(samples) / 2**20, "start_rss_mb": before / 2**20, "samples": len(samples),
            "wall_s": wall, "status": status, "what": "grade_one (execute + evaluate + checks)" if grade else "execute"}


def grader_peak_rss(*, lab: str = "dropout", sandbox_mode: str = "auto", data_root: str | Path | None = None,
                    interval_s: float = 0.05, grade: bool = False, cells: tuple[str, ...] = TRAINING_CELLS) -> dict:
    """Peak resident memory of the grader process itself while one submission runs.

    The grader runs in a fresh interpreter (``spawn``); a thread samples its RSS every
    `interval_s` seconds. The kernel is a separate process and is not counted.

    Args:
        lab: lab whose data is provisioned (Fashion-MNIST for ``dropout``).
        sandbox_mode: as for ``execute``.
        data_root: offline data root.
        interval_s: sampling period.
        grade: measure ``grade_one`` (execution, then trusted evaluation and checks,
            which load Keras into the grader) instead of ``execute`` alone.
        cells: the notebook's cells (default: a small Fashion-MNIST MLP, 2 epochs).

    Returns:
        ``peak_rss_mb``, ``start_rss_mb`` (after importing the harness), ``samples``,
        ``wall_s``, ``status``, ``what``.
    """

    with tempfile.TemporaryDirectory(prefix="labgrade-bench-rssnb-") as tmp:
        nb = write_notebook(Path(tmp) / "train_small.ipynb", cells)
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            return pool.submit(_rss_worker, str(nb), lab, sandbox_mode, str(data_root) if data_root else None,
                               interval_s, grade).result()
