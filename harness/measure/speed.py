"""Speed: a lab's reference against the lecture's recipe, run the same way, back to back.

Each recipe runs in a fresh Python process (same backend, same data source, disk caches
as they are), so peak memory is per run and in-process caches cannot favour either.
Both are measured identically: held-out curves after each epoch with measurement time
excluded, time-to-band against the rubric's band of the same mode, images/s for
training (images seen / time in training) and inference.

Run one recipe in-process: ``python -m harness.measure.speed --lab LAB --recipe reference|lecture
--out result.json [--seed S] [--quick] [--data-root DIR]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.calibration import bands_for, result_time_to_band
from harness.data.source import DataSource
from harness.machine import machine_info
from harness.reference_result import ReferenceResult

RECIPES = ("reference", "lecture")


def recipe_module(lab: str, recipe: str):
    """``reference.<lab>`` or ``reference.lecture.<lab>`` (imports Keras)."""
    if recipe not in RECIPES:
        raise ValueError(f"Unknown recipe {recipe!r}; expected one of {RECIPES}.")
    name = lab.replace("-", "_")
    return importlib.import_module(f"reference.{name}" if recipe == "reference" else f"reference.lecture.{name}")


def run_isolated(lab: str, *, recipe: str, seed: int = 0, quick: bool = False, source: DataSource,
                 config: dict | None = None, timeout_s: float = 3600) -> ReferenceResult:
    """Runs one recipe in a fresh Python process and returns its result.

    Raises:
        RuntimeError: when the child fails (its stderr tail is included).
    """
    with tempfile.TemporaryDirectory(prefix="labgrade-speed-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "harness.measure.speed", "--lab", lab, "--recipe", recipe, "--seed", str(seed),
               "--out", str(out)]
        if quick:
            cmd.append("--quick")
        if source.root:
            cmd += ["--data-root", str(source.root)]
        if config:
            cmd += ["--config", json.dumps(config)]
        env = dict(os.environ)
        if source.cache_dir:
            env["LABGRADE_CACHE"] = str(source.cache_dir)
        root = Path(__file__).resolve().parent.parent
        env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s, cwd=root)
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"{recipe} run of {lab} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return ReferenceResult.from_dict(json.loads(out.read_text()))


def _summary(res: ReferenceResult, bands: dict) -> dict:

    t = res.timings
    return {
        "time_to_band_s": result_time_to_band(res, bands) if bands else None,
        "wall_s": t.get("wall_s"),
        "cpu_s": t.get("cpu_s"),
        "train_s": t.get("train_s"),
        "train_images_per_s": t.get("train_images_per_s"),
        "infer_images_per_s": t.get("infer_images_per_s"),
        "peak_rss_mb": t.get("peak_rss_mb"),
        "latency_second_s": t.get("latency_second_s"),
        "metrics": res.metrics,
    }


def _ratio(a, b) -> float | None:
    return a / b if a and b else None


def compare_speed(lab: str, *, seed: int = 0, quick: bool = False, source: DataSource, config: dict | None = None,
                  rubric_path: Path | None = None) -> dict:
    """Runs the reference, then the lecture's recipe, each in a fresh process, and compares.

    Returns:
        ``{"lab", "mode", "seed", "machine", "bands_from", "reference": {...}, "lecture": {...},
        "ratios": {...}}``; ratios > 1 mean the reference is faster
        (``time_to_band``, ``wall``: lecture / reference; images/s: reference / lecture).
    """

    mode = "quick" if quick else "full"
    bands = bands_for(lab, mode, rubric_path=rubric_path)
    runs = {recipe: run_isolated(lab, recipe=recipe, seed=seed, quick=quick, source=source,
                                 config=config) for recipe in RECIPES}
    summary = {recipe: _summary(res, bands) for recipe, res in runs.items()}
    ref, lec = summary["reference"], summary["lecture"]
    ratios = {
        "time_to_band": _ratio(lec["time_to_band_s"], ref["time_to_band_s"]),
        "wall": _ratio(lec["wall_s"], ref["wall_s"]),
        "cpu": _ratio(lec["cpu_s"], ref["cpu_s"]),
        "train_images_per_s": _ratio(ref["train_images_per_s"], lec["train_images_per_s"]),
        "infer_images_per_s": _ratio(ref["infer_images_per_s"], lec["infer_images_per_s"]),
    }
    if ref.get("latency_second_s") and lec.get("latency_second_s"):
        ratios["latency_second_call"] = lec["latency_second_s"] / ref["latency_second_s"]
    info = machine_info()
    return {"lab": lab, "mode": mode, "seed": seed, "backend": info["backend"], "device": info["device"],
            "cpu": info["cpu"], "cpu_count": info["cpu_count"], "bands_from": "rubric" if bands else "none (not calibrated)",
            "reference": ref, "lecture": lec, "ratios": ratios}


def format_comparison(cmp: dict) -> str:
    """The comparison as a small text table."""
    def fmt(v):
        return "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))

    rows = [f"{cmp['lab']} ({cmp['mode']}, seed {cmp['seed']}, {cmp['backend']} on {cmp['device']}, {cmp['cpu']} x{cmp['cpu_count']})",
            f"{'':24s}{'reference':>12s}{'lecture':>12s}{'ratio':>8s}"]
    for key, rkey in (("time_to_band_s", "time_to_band"), ("wall_s", "wall"), ("cpu_s", "cpu"), ("train_images_per_s", "train_images_per_s"),
                      ("infer_images_per_s", "infer_images_per_s"), ("latency_second_s", "latency_second_call"),
                      ("peak_rss_mb", None)):
        ref, lec = cmp["reference"].get(key), cmp["lecture"].get(key)
        if ref is None and lec is None:
            continue
        rows.append(f"{key:24s}{fmt(ref):>12s}{fmt(lec):>12s}{fmt(cmp['ratios'].get(rkey)) if rkey else '':>8s}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """Child-process entry: run one recipe and write its result JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lab", required=True)
    parser.add_argument("--recipe", choices=RECIPES, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--config", default=None, help="JSON object")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    module = recipe_module(args.lab, args.recipe)
    res = module.run(seed=args.seed, quick=args.quick, source=DataSource.resolve(args.data_root),
                     config=json.loads(args.config) if args.config else None)
    res.save(Path(args.out))


if __name__ == "__main__":
    main()
