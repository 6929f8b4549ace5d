"""``labgrade bench``: measure benchmark suites, save a per-machine baseline, compare with it.

Thin layer over `harness.measure.runner.bench`; defaults are read from its signature.
Exit status: 0 fine, 1 a benchmark regressed against this machine's baseline, 2 a
workload failed.
"""

from __future__ import annotations

import os
import sys

import click

from harness.cli.options import default
from harness.errors import InputError
from harness.measure import baseline as bl
from harness.measure.grader_suites import GRADER_SUITES
from harness.measure.runner import PRECISIONS, SUITE_NAMES, bench as run_bench


def _set_backend(backend: str | None) -> None:
    if not backend:
        return
    if "keras" in sys.modules and sys.modules["keras"].backend.backend() != backend:
        raise click.UsageError(f"--backend {backend}: Keras is already loaded with backend "
                               f"{sys.modules['keras'].backend.backend()!r}; set KERAS_BACKEND={backend} instead.")
    os.environ["KERAS_BACKEND"] = backend


@click.command("bench")
@click.option("--suite", "suites", multiple=True, type=click.Choice(SUITE_NAMES),
              help="Suite to run (repeatable; default: models). tiny: controls without Keras; models: ResNet50/"
                   "MobileNetV2 inference, cats-dogs training, Fashion MLP epoch; gpu: the same with batch 256; "
                   "harness: overhead per submission and grader RSS; batch: jobs 1 vs 2 and Dask.")
@click.option("--gpu-suite", is_flag=True, help="The GPU run: --suite gpu --precision mixed_bfloat16 (run it under "
                                                "KERAS_BACKEND=jax or torch on an NVIDIA GPU; see scripts/gpu_check.sh).")
@click.option("--precision", type=click.Choice(PRECISIONS), default=None,
              help="Keras dtype policy for workloads whose lab allows mixed precision (default float32).")
@click.option("--backend", type=click.Choice(["tensorflow", "jax", "torch"]), default=None,
              help="Keras backend (default: $KERAS_BACKEND or tensorflow).")
@click.option("--save", is_flag=True, help="Store the results as this machine's baseline under --baselines.")
@click.option("--compare", is_flag=True, help="Compare with this machine's baseline; exit 1 on a regression "
                                              "beyond --tolerance (another machine's baseline is only reported).")
@click.option("--tolerance", type=float, default=default(run_bench, "tolerance"), show_default=True,
              help="A benchmark regresses when more than 1 + TOLERANCE times slower than its baseline.")
@click.option("--baselines", "baselines_dir", type=click.Path(file_okay=False), default=str(bl.BASELINES_DIR),
              show_default="rubrics/baselines", help="Folder of per-fingerprint baseline files.")
@click.option("--out", type=click.Path(file_okay=False), default=default(run_bench, "out"), show_default=True,
              help="Where the run's JSON and table go (and latest.json).")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Compare or save a run written earlier (e.g. reports/bench/latest.json) instead of measuring.")
@click.option("--rounds", type=int, default=None, help="Timed rounds per model workload (default: each workload's).")
@click.option("--warmup", type=int, default=None, help="Warm-up steps per model workload (default: each workload's).")
@click.option("--only", multiple=True, metavar="NAME", help="Only these model workloads (repeatable).")
@click.option("--repeats", type=int, default=default(run_bench, "repeats"), show_default=True,
              help="Runs per variant for the harness-overhead medians.")
@click.option("--data-root", type=click.Path(file_okay=False), envvar="LABGRADE_DATA", default=None,
              help="Offline data root (harness and batch suites provision the dropout lab's data from it).")
@click.option("--slowdown", type=float, default=None, hidden=True,
              help="Test hook: stretch every timed round by this factor (or $LABGRADE_BENCH_SLOWDOWN).")
def bench_command(suites, gpu_suite, precision, backend, save, compare, tolerance, baselines_dir, out, input_path,
                  rounds, warmup, only, repeats, data_root, slowdown):
    """Measure benchmark suites; write JSON and a table; --save a baseline, --compare with it."""
    _set_backend(backend)
    if gpu_suite:
        suites = suites or ("gpu",)
        precision = precision or "mixed_bfloat16"
    try:
        outcome = run_bench(suites=suites or ("models",), precision=precision or "float32", save=save, compare=compare,
                            tolerance=tolerance, baselines_dir=baselines_dir, out=out, input_path=input_path,
                            rounds=rounds, warmup=warmup, data_root=data_root, slowdown=slowdown, repeats=repeats,
                            only=list(only) or None, progress=lambda line: click.echo(f"  {line}", err=True),
                            grader_suites=GRADER_SUITES)
    except (ValueError, RuntimeError) as exc:
        raise InputError(str(exc)) from None
    click.echo(outcome.table)
    if outcome.json_path:
        click.echo(f"wrote {outcome.json_path}")
    if outcome.baseline_path:
        click.echo(f"saved baseline {outcome.baseline_path}")
    sys.exit(outcome.exit_code)
