"""``labgrade reference``: run a lab's reference, calibrate its bands, compare its speed.

Thin layer: parsing and printing only. The work is done by keyword-only functions in
`harness.calibration` and `harness.measure.speed`; defaults are read from their signatures.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path

import click

# Keras is imported by these modules only inside the functions that train or measure, so
# --backend can still set KERAS_BACKEND before it loads.
from harness.calibration import calibrate, grid_configs, run_reference, write_speed_section
from harness.data.source import DataSource
from harness.labs import LABS, get_lab
from harness.measure.speed import compare_speed, format_comparison
from harness.report.reference import render_reference
from harness.rubric import read_band_section


def _default(fn, name: str):
    return inspect.signature(fn).parameters[name].default


def _set_backend(backend: str | None) -> None:
    if not backend:
        return
    if "keras" in sys.modules and sys.modules["keras"].backend.backend() != backend:
        raise click.UsageError(
            f"--backend {backend}: Keras is already loaded with backend "
            f"{sys.modules['keras'].backend.backend()!r}; set KERAS_BACKEND={backend} in the environment instead."
        )
    os.environ["KERAS_BACKEND"] = backend


def _parse_config(pairs: tuple[str, ...]) -> dict | None:
    config = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, received {pair!r}", param_hint="--config")
        config[key.strip()] = value.strip()
    return config or None


def _source(data_root: str | None):
    return DataSource.resolve(data_root)


_lab_arg = click.argument("lab", type=click.Choice(list(LABS)))
_common = [
    click.option("--quick", is_flag=True, help="Quick mode: small data, same epochs."),
    click.option("--backend", type=click.Choice(["tensorflow", "jax", "torch"]), default=None,
                 help="Keras backend (default: $KERAS_BACKEND or tensorflow)."),
    click.option("--data-root", type=click.Path(file_okay=False), default=None,
                 help="Offline data root: keras-home/, dogs-vs-cats/train.zip, sample-images/ (default: $LABGRADE_DATA, else "
                      "the Keras cache)."),
    click.option("--config", "config_pairs", multiple=True, metavar="KEY=VALUE",
                 help="Reference configuration override (repeatable), e.g. alpha=0.35 or weights=random-seed-0."),
]


def _with_common(fn):
    for opt in reversed(_common):
        fn = opt(fn)
    return fn


reference = click.Group("reference", help="Reference implementations: run, calibrate bands, compare speed.")


@reference.command("run")
@_lab_arg
@click.option("--seed", type=int, default=0, show_default=True)
@_with_common
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where figures and result.json are written (default reports/reference/<lab>/).")
def run_cmd(lab, seed, quick, backend, data_root, config_pairs, out_dir):
    """Run LAB's reference once; print its metrics and timings, write its figures."""
    _set_backend(backend)

    out = Path(out_dir) if out_dir else Path("reports") / "reference" / lab
    res = run_reference(lab, seed=seed, quick=quick, source=_source(data_root), config=_parse_config(config_pairs), out_dir=out)
    path = res.save(out / f"result-seed{seed}{'-quick' if quick else ''}.json")
    click.echo(f"{lab} (seed {seed}, {'quick' if quick else 'full'}, backend {res.backend})")
    for name, value in res.metrics.items():
        click.echo(f"  {name:32s} {value:.4f}")
    for name in ("wall_s", "train_s", "train_images_per_s", "infer_images_per_s", "peak_rss_mb"):
        if name in res.timings:
            click.echo(f"  {name:32s} {res.timings[name]:.1f}")
    for name, fig in res.figures.items():
        click.echo(f"  figure {name}: {fig}")
    click.echo(f"  result: {path}")

    page = render_reference(out, results=[res], rubric_section=read_band_section(get_lab(lab).rubric_path))
    click.echo(f"  report: {page}")


@reference.command("calibrate")
@_lab_arg
@click.option("--seeds", type=int, default=lambda: _default(calibrate, "seeds"), show_default="5",
              help="Number of seeds (0..N-1).")
@_with_common
@click.option("--margin", type=float, default=None, help="Band widening (default 0.02 full, 0.05 quick).")
@click.option("--rubric", "rubric_path", type=click.Path(dir_okay=False), default=None, help="Default rubrics/<lab>.toml.")
@click.option("--dry-run", is_flag=True, help="Measure and print, do not write the rubric.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where each run's result.json and figures go (default reports/calibration/<lab>/).")
@click.option("--variant", is_flag=True,
              help="The --config values are a student's valid choice (batch size, scaling, epochs): store the bands "
                   "as [variants.<mode>.\"<key>\"] next to the defaults instead of replacing them.")
@click.option("--grid", is_flag=True,
              help="Calibrate every configuration of the rubric's [variation] grid that differs from the defaults "
                   "(each stored as a variant).")
def calibrate_cmd(lab, seeds, quick, backend, data_root, config_pairs, margin, rubric_path, dry_run, out_dir, variant,
                  grid):
    """Run LAB's reference over N seeds, apply the olympic rule, write the bands into the rubric."""
    _set_backend(backend)

    if grid:
        for config in grid_configs(lab, rubric_path=Path(rubric_path) if rubric_path else None):
            click.echo(f"Calibrating {lab} ({'quick' if quick else 'full'}) variant {config} over {seeds} seeds...")
            cal = calibrate(lab, seeds=seeds, quick=quick, source=_source(data_root), config=config, margin=margin,
                            rubric_path=Path(rubric_path) if rubric_path else None, write=not dry_run, variant=True)
            for name, b in cal.section.get("bands", {}).items():
                click.echo(f"  {name:32s} [{b['low']:.4f}, {b['high']:.4f}]  mean {b['mean']:.4f}")
        return

    def progress(res):
        shown = ", ".join(f"{k}={v:.4f}" for k, v in list(res.metrics.items())[:4])
        click.echo(f"  seed {res.seed}: {shown} ({res.timings.get('wall_s', 0):.1f} s)")

    click.echo(f"Calibrating {lab} ({'quick' if quick else 'full'}) over {seeds} seeds...")
    out = Path(out_dir) if out_dir else Path("reports") / "calibration" / lab
    cal = calibrate(lab, seeds=seeds, quick=quick, source=_source(data_root), config=_parse_config(config_pairs),
                    margin=margin, rubric_path=Path(rubric_path) if rubric_path else None, write=not dry_run,
                    out_dir=out, on_result=progress, variant=variant)
    for name, b in cal.section.get("bands", {}).items():
        click.echo(f"  {name:32s} [{b['low']:.4f}, {b['high']:.4f}]  mean {b['mean']:.4f}  std {b['std']:.4f}")
    ttb = cal.section["calibration"]["throughput"]["time_to_band_s"]
    click.echo(f"  time to band (s): {ttb}")
    click.echo(f"  wrote {cal.rubric_path}" if cal.rubric_path else "  (dry run: rubric not written)")

    page = render_reference(out, results=cal.results, section=cal.section,
                            rubric_section=read_band_section(cal.rubric_path or get_lab(lab).rubric_path))
    click.echo(f"  report: {page}")


@reference.command("compare")
@_lab_arg
@click.option("--seed", type=int, default=0, show_default=True)
@_with_common
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Also write the comparison as JSON.")
@click.option("--write", is_flag=True, help="Store the comparison as [speed.<mode>] in the lab's rubric.")
def compare_cmd(lab, seed, quick, backend, data_root, config_pairs, json_path, write):
    """Speed: LAB's reference vs the lecture's recipe, run the same way, back to back."""
    _set_backend(backend)

    cmp = compare_speed(lab, seed=seed, quick=quick, source=_source(data_root), config=_parse_config(config_pairs))
    click.echo(format_comparison(cmp))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(cmp, indent=2, default=str))
        click.echo(f"wrote {json_path}")
    if write:

        click.echo(f"wrote {write_speed_section(cmp)}")
