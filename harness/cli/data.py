"""``labgrade data``: what data is available, and preparing Kaggle's cats/dogs zip."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from harness.cli.options import data_root_option
from harness.data import DataSource
from harness.data.catsdogs import prepare_catsdogs as prepare
from harness.data.readiness import lab_status
from harness.data.synthetic import make_data_root
from harness.errors import EXIT_FAILED, EXIT_OK, InputError
from harness.labs import LABS, get_lab


@click.group("data")
def data():
    """Inspect and prepare the labs' data (Fashion-MNIST, ImageNet files, cats vs dogs)."""


@data.command("status")
@data_root_option
@click.option("--lab", "labs", multiple=True, type=click.Choice(list(LABS)),
              help="Only the files these labs need (repeatable). Default: every lab.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of a table.")
def status(data_root, labs, as_json):
    """List every data file the labs use (present or missing, where, size, fingerprint) and whether each lab can run.

    Exit codes: 0 every requested lab has its files (present, or downloadable by Keras when
    no data root is given); 1 some lab is missing a file (the table says which and how to get it).
    """
    source = DataSource.resolve(data_root)
    rows = source.status()
    chosen = [get_lab(lab) for lab in (labs or LABS)]
    readiness = {lab.id: lab_status(lab, source) for lab in chosen}
    missing = {lab: [r for r in reqs if r["state"] == "missing"] for lab, reqs in readiness.items()}
    ok = not any(missing.values())
    if as_json:
        click.echo(json.dumps({"source": source.describe(), "ready": ok, "files": rows, "labs": readiness}, indent=2))
        sys.exit(EXIT_OK if ok else EXIT_FAILED)
    click.echo(f"source: {source.describe()}")
    for r in rows:
        if r["present"]:
            click.echo(f"  present  {r['key']:<24} {r['bytes'] / 1e6:8.1f} MB  sha256 {r['sha256']}  {r['path']}")
        else:
            click.echo(f"  MISSING  {r['key']:<24} expected at {r['path']}\n           {r['how']}")
    click.echo("labs:")
    for lab, reqs in readiness.items():
        states = {r["state"] for r in reqs}
        verdict = "ready" if states <= {"present"} else "ready (downloads on first use)" if "missing" not in states \
            else "NOT READY: missing " + ", ".join(k for r in reqs if r["state"] == "missing" for k in r["missing"][:3])
        click.echo(f"  {lab:<18} {verdict}")
    sys.exit(EXIT_OK if ok else EXIT_FAILED)


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
    try:
        layout = prepare(zip_path, out, per_split=per_split, force=force)
    except ValueError as exc:
        raise InputError(str(exc)) from None
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
    root = make_data_root(out, seed=seed)
    click.echo(f"synthetic data root written to {root}; use --data-root {root}")
