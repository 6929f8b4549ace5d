"""Running benchmark suites: model workloads, harness overhead, batch throughput.

`run_suites` measures and returns a `BenchRun`; `bench` adds what ``labgrade bench``
does around it: write the JSON and the table, save the baseline, compare with it.
Suites:

* ``tiny``: pure-Python and NumPy controls (no Keras; seconds): runner and gate tests.
* ``models``: ResNet50 and MobileNetV2 inference at batch 1 and 32, cats-dogs training
  step, Fashion-MNIST MLP epoch (the CPU suite of ``make bench``).
* ``gpu``: the same with batch 256 and more rounds (``--gpu-suite``: with
  ``mixed_bfloat16`` where the lab allows it).
* ``harness``, ``batch``, ``regrade``: the grader itself (`harness.measure.grader_suites`,
  passed in by ``labgrade bench``).
"""

from __future__ import annotations

import gc
import os
import shlex
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from harness.measure import baseline as bl
from harness.machine import fingerprint, machine_info
from harness.measure.results import BenchRun, Measurement
from harness.measure.table import format_run
from harness.measure.workloads import SUITES as MODEL_SUITES
from harness.measure.workloads import Workload, block, now

GRADER_SUITE_NAMES = ("harness", "batch", "regrade")
SUITE_NAMES = ("tiny", "models", "gpu", *GRADER_SUITE_NAMES)
PRECISIONS = ("float32", "mixed_bfloat16")
SLOWDOWN_ENV = "LABGRADE_BENCH_SLOWDOWN"
Progress = Callable[[str], None]
# A grader-level suite: fn(*, repeats, batch_n, data_root, progress) -> measurements.
GraderSuite = Callable[..., list[Measurement]]


def time_workload(w: Workload, *, precision: str = "float32", rounds: int | None = None, warmup: int | None = None,
                  slowdown: float = 1.0, progress: Progress | None = None) -> Measurement:
    """Builds `w`, warms it up and times its rounds (each ending with a device synchronisation).

    Args:
        w: the workload.
        precision: Keras dtype policy for workloads that allow mixed precision.
        rounds: override of ``w.rounds``.
        warmup: override of ``w.warmup`` (at least 1 is wise: the first call compiles).
        slowdown: > 1 stretches every timed round by this factor (sleeping), to test
            the regression gate with a real, known slowdown.
        progress: called with a line per workload.
    """
    policy = precision if (w.mixed_ok and precision != "float32") else "float32"
    keras = sys.modules.get("keras")
    if w.info.get("model") or keras is not None:  # model workloads: Keras is (or will be) loaded
        import keras  # heavy: only model workloads load it

        keras.mixed_precision.set_global_policy(policy)
    step = w.setup(w)
    w.warmup = w.warmup if warmup is None else warmup
    for _ in range(w.warmup):
        block(step())
    times = []
    for _ in range(rounds or w.rounds):
        t0 = now()
        block(step())
        dt = now() - t0
        if slowdown != 1.0:
            time.sleep(dt * (slowdown - 1.0))
            dt = now() - t0
        times.append(dt)
    info = {**w.info, "warmup": w.warmup, "rounds": len(times), "policy": policy}
    if slowdown != 1.0:
        info["artificial_slowdown"] = slowdown
    m = Measurement.from_times(w.name, times, items=w.items, unit=w.unit, precision=policy, info=info)
    if progress:
        progress(f"{w.name}: {m.value:,.4g} {m.unit} (best of {len(times)}; median {m.median:,.4g}; {policy})")
    del step
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
        sys.modules["keras"].mixed_precision.set_global_policy("float32")
    gc.collect()
    return m


def run_suites(*, suites: tuple[str, ...] | list[str] = ("models",), precision: str = "float32",
               rounds: int | None = None, warmup: int | None = None, data_root: str | Path | None = None, slowdown: float | None = None,
               repeats: int = 10, batch_n: int = 20, only: list[str] | None = None,
               progress: Progress | None = None, checkpoint: Path | None = None,
               grader_suites: Mapping[str, GraderSuite] | None = None) -> BenchRun:
    """Measures `suites` in this process and returns the run (nothing written).

    Args:
        suites: names from `SUITE_NAMES`.
        precision: ``float32`` or ``mixed_bfloat16`` (applied where the lab allows it).
        rounds: override every model workload's timed rounds.
        warmup: override every model workload's warm-up steps.
        data_root: offline data root for the harness and batch suites.
        slowdown: stretch timed rounds by this factor (test hook; default ``$LABGRADE_BENCH_SLOWDOWN`` or 1).
        repeats: runs per variant for the harness overhead medians.
        batch_n: submissions per batch in the batch suite.
        only: run only the model workloads with these names.
        progress: called with a line per result.
        checkpoint: rewrite the run so far to this JSON file after each suite and model
            workload (a run killed by a time limit keeps what it measured).
        grader_suites: the suites that run the grader itself (``harness``, ``batch``,
            ``regrade``: `harness.measure.grader_suites.GRADER_SUITES`). They need the
            Jupyter stack, which a GPU image running ``python -m harness.measure`` may lack,
            so the caller passes them in.

    Raises:
        ValueError: for an unknown suite or precision, or a grader suite not passed in.
    """
    missing = [s for s in suites if s in GRADER_SUITE_NAMES and s not in (grader_suites or {})]
    if missing:
        raise ValueError(f"Suite(s) {missing} run the grader (Jupyter stack): use `labgrade bench --suite "
                         f"{missing[0]}`, not `python -m harness.measure`.")
    unknown = [s for s in suites if s not in SUITE_NAMES]
    if unknown or not suites:
        raise ValueError(f"Unknown suite(s) {unknown or suites!r}; expected some of {', '.join(SUITE_NAMES)}.")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; received {precision!r}.")
    slowdown = float(os.environ.get(SLOWDOWN_ENV, "1") if slowdown is None else slowdown)
    t0 = time.perf_counter()
    run = BenchRun(suites=list(suites))
    for suite in suites:
        try:
            if suite in MODEL_SUITES:
                for w in MODEL_SUITES[suite]():
                    if only and w.name not in only:
                        continue
                    try:
                        run.add(time_workload(w, precision=precision, rounds=rounds, warmup=warmup, slowdown=slowdown,
                                              progress=progress))
                    except Exception as exc:
                        run.errors[w.name] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"
                        if progress:
                            progress(f"{w.name}: FAILED ({type(exc).__name__}: {str(exc)[:200]})")
                    _checkpoint(run, checkpoint, precision)
            elif suite in GRADER_SUITE_NAMES:
                for m in grader_suites[suite](repeats=repeats, batch_n=batch_n, data_root=data_root,  # type: ignore
                                              progress=progress):
                    run.add(m)
        except Exception as exc:
            run.errors[suite] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"
            if progress:
                progress(f"suite {suite}: FAILED ({type(exc).__name__}: {str(exc)[:200]})")
        _checkpoint(run, checkpoint, precision)
    run.machine = machine_info()
    run.machine["precision"] = precision
    run.fingerprint = fingerprint(run.machine)
    run.wall_s = round(time.perf_counter() - t0, 2)
    run.command = shlex.join(sys.argv)
    return run


def _checkpoint(run: BenchRun, path: Path | None, precision: str) -> None:
    if path is None:
        return
    run.machine = {**machine_info(), "precision": precision}
    run.fingerprint = fingerprint(run.machine)
    run.save(Path(path))


@dataclass
class BenchOutcome:
    """What `bench` did.

    Attributes:
        run: the measured (or loaded) run.
        comparison: the comparison (None without ``compare``).
        json_path: where the run's JSON was written.
        table: the readable table (also written next to the JSON as ``.txt``).
        baseline_path: the baseline written (None without ``save``).
    """

    run: BenchRun
    comparison: bl.Comparison | None = None
    json_path: Path | None = None
    table: str = ""
    baseline_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 when a benchmark regressed against this machine's baseline, 2 when a workload failed, else 0."""
        if self.comparison is not None and self.comparison.failed:
            return 1
        return 2 if self.run.errors else 0


def bench(*, suites: tuple[str, ...] | list[str] = ("models",), precision: str = "float32", save: bool = False,
          compare: bool = False, tolerance: float = bl.DEFAULT_TOLERANCE, baselines_dir: str | Path = bl.BASELINES_DIR,
          out: str | Path = "reports/bench", input_path: str | Path | None = None, rounds: int | None = None,
          warmup: int | None = None,
          data_root: str | Path | None = None, slowdown: float | None = None, repeats: int = 10, batch_n: int = 20,
          only: list[str] | None = None, progress: Progress | None = None,
          grader_suites: Mapping[str, GraderSuite] | None = None) -> BenchOutcome:
    """Measures suites (or loads a saved run), writes JSON and a table, saves and/or compares the baseline.

    Args:
        suites: see `run_suites`.
        precision: ``float32`` or ``mixed_bfloat16``.
        save: store the run as this machine's baseline under `baselines_dir`.
        compare: compare with this machine's baseline (another machine's is reported only).
        tolerance: regression tolerance (see `harness.measure.baseline`).
        baselines_dir: folder of baseline files (default ``rubrics/baselines``).
        out: folder for ``bench-<fingerprint>-<time>.json``/``.txt`` and ``latest.json``.
        input_path: a run written earlier (by this command or ``make bench``): compare or
            save it instead of measuring.
        rounds, warmup, data_root, slowdown, repeats, batch_n, only, progress, grader_suites: see
            `run_suites`.

    Returns:
        A `BenchOutcome`; its `exit_code` is what the CLI exits with.
    """

    if input_path:
        run = BenchRun.load(Path(input_path))
    else:
        run = run_suites(suites=suites, precision=precision, rounds=rounds, warmup=warmup, data_root=data_root,
                         slowdown=slowdown,
                         repeats=repeats, batch_n=batch_n, only=only, progress=progress,
                         checkpoint=Path(out) / "partial.json", grader_suites=grader_suites)
        (Path(out) / "partial.json").unlink(missing_ok=True)
    outcome = BenchOutcome(run)
    if compare:
        outcome.comparison = bl.compare_run(run, baselines_dir=Path(baselines_dir), tolerance=tolerance)
    outcome.table = format_run(run, outcome.comparison)
    out = Path(out)
    if not input_path:
        stamp = run.started.replace(":", "").replace("-", "")[:15]
        outcome.json_path = run.save(out / f"bench-{run.fingerprint}-{stamp}.json")
        run.save(out / "latest.json")
        outcome.json_path.with_suffix(".txt").write_text(outcome.table + "\n", encoding="utf-8")
    if save:
        if run.errors:
            raise RuntimeError(f"Not saving a baseline from a run with failed workloads: {sorted(run.errors)}. "
                               "Fix them (see the JSON's errors) and run again.")
        outcome.baseline_path = bl.save_baseline(run, baselines_dir=Path(baselines_dir))
    return outcome
