"""``labgrade reference verify``: the reference gate (bands and same-machine throughput).

Thin layer over `harness.measure.verify.verify`; attach it with ``reference.add_command(verify)``.
Exit status: 0 passed (warnings allowed), 1 a lab failed or errored.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from harness.cli.options import default
from harness.data.source import DataSource
from harness.errors import InputError
from harness.labs import LABS
from harness.measure import baseline as bl
from harness.measure.verify import format_report, verify as run_verify


@click.command("verify")
@click.argument("labs", nargs=-1, type=click.Choice(list(LABS)))
@click.option("--all", "all_labs", is_flag=True, help="Verify every lab.")
@click.option("--quick", is_flag=True, help="Quick mode: small data, quick-mode bands (CI).")
@click.option("--seed", type=int, default=default(run_verify, "seed"), show_default=True)
@click.option("--backend", type=click.Choice(["tensorflow", "jax", "torch"]), default=None,
              help="Keras backend (default: $KERAS_BACKEND or tensorflow).")
@click.option("--precision", type=click.Choice(["float32", "mixed_bfloat16"]), default="float32", show_default=True,
              help="mixed_bfloat16 applies to labs that allow it (cats-dogs); others run float32.")
@click.option("--tolerance", type=float, default=default(run_verify, "tolerance"), show_default=True,
              help="Throughput regresses when more than 1 + TOLERANCE times slower than this machine's baseline.")
@click.option("--strict-bands", is_flag=True, help="Also fail on misses of bands calibrated on another "
                                                   "configuration (backend, device, precision, data).")
@click.option("--baselines", "baselines_dir", type=click.Path(file_okay=False), default=str(bl.BASELINES_DIR),
              show_default="rubrics/baselines")
@click.option("--save-baseline", is_flag=True, help="Store this run's throughputs as this machine's reference baseline.")
@click.option("--data-root", type=click.Path(file_okay=False), envvar="LABGRADE_DATA", default=None,
              help="Offline data root (default: $LABGRADE_DATA, else the Keras cache).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the report as JSON (default reports/verify/verify-<mode>.json).")
def verify(labs, all_labs, quick, seed, backend, precision, tolerance, strict_bands, baselines_dir, save_baseline,
           data_root, json_path):
    """Run LABS' references (or --all) and fail when a metric leaves its band or throughput regresses."""
    if bool(labs) == bool(all_labs):
        raise click.UsageError(f"give lab ids or --all (not both); received labs={list(labs)}, --all={all_labs}.")
    if backend:
        if "keras" in sys.modules and sys.modules["keras"].backend.backend() != backend:
            raise click.UsageError(f"--backend {backend}: Keras is already loaded with another backend; "
                                   f"set KERAS_BACKEND={backend} instead.")
        os.environ["KERAS_BACKEND"] = backend

    def progress(v):
        click.echo(f"  {v.lab}: {v.status} ({v.wall_s:.1f} s)", err=True)

    try:
        report = run_verify(None if all_labs else list(labs), quick=quick, source=DataSource.resolve(data_root),
                            seed=seed, precision=precision, tolerance=tolerance, strict_bands=strict_bands,
                            baselines_dir=baselines_dir, save_baseline=save_baseline, progress=progress)
    except (ValueError, NotADirectoryError) as exc:
        raise InputError(str(exc)) from None
    click.echo(format_report(report))
    path = report.save(Path(json_path) if json_path else Path("reports") / "verify" / f"verify-{'quick' if quick else 'full'}.json")
    click.echo(f"wrote {path}")
    sys.exit(1 if report.failed else 0)
