"""``labgrade data``: what data is available, and preparing Kaggle's cats/dogs zip."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import data_root_option


@click.group("data")
def data():
    """Inspect and prepare the labs' data (Fashion-MNIST, ImageNet files, cats vs dogs)."""


@data.command("status")
@data_root_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON rows instead of a table.")
def status(data_root, as_json):
    """List every data file the labs use: present or missing, where, size, fingerprint."""
    import json

    from harness.data import DataSource

    source = DataSource.resolve(data_root)
    rows = source.status()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"source: {source.describe()}")
    for r in rows:
        if r["present"]:
            click.echo(f"  present  {r['key']:<24} {r['bytes'] / 1e6:8.1f} MB  sha256 {r['sha256']}  {r['path']}")
        else:
            click.echo(f"  MISSING  {r['key']:<24} expected at {r['path']}\n           {r['how']}")


@data.command("prepare-catsdogs")
@click.argument("zip_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to create with train/, val/ and test/ (held-out) subfolders.")
@click.option("--per-split", type=int, default=250, show_default=True, help="Images per class in train and in val.")
@click.option("--force", is_flag=True, help="Rebuild even if OUT already matches the zip.")
def prepare_catsdogs(zip_path, out, per_split, force):
    """Organise Kaggle's Dogs vs. Cats train.zip as the lecture does.

    Per class, by Kaggle id: the first PER_SPLIT images to train/, the next PER_SPLIT
    to val/, the rest to test/ (the grader's held-out set, never shown to a submission).
    """
    from harness.data.catsdogs import prepare_catsdogs as prepare

    try:
        layout = prepare(zip_path, out, per_split=per_split, force=force)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for split, counts in layout.counts.items():
        click.echo(f"  {split:<5} " + ", ".join(f"{n} {cls}" for cls, n in counts.items()))
    click.echo(f"written to {layout.root} (zip fingerprint {layout.fingerprint})")


@data.command("synthesize")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to create, laid out like a data root.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the generated data.")
def synthesize(out, seed):
    """Write a small synthetic data root (learnable Fashion-MNIST-shaped images, a cats/dogs zip,
    a class index, sample images) to try labgrade without the real data.

    It holds no pretrained weights: labs that need them fail where they load them, with the
    message naming the missing file. Bands calibrated on real data do not apply to it.
    """
    from harness.data.synthetic import make_data_root

    root = make_data_root(out, seed=seed)
    click.echo(f"synthetic data root written to {root}; use --data-root {root}")
