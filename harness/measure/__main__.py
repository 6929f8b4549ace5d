"""Headless entry for GPU runners: ``python -m harness.measure {run,verify} ...``.

The same keyword-only functions as ``labgrade bench`` and ``labgrade reference verify``,
without importing the ``labgrade`` CLI package (which loads the Jupyter stack that GPU
images do not carry). Exit status as the CLI's.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from harness.data.source import DataSource
from harness.measure.runner import bench
from harness.measure.verify import format_report, verify


def main(argv: list[str] | None = None) -> int:
    """Parses `argv` and runs the benchmark suites or the reference gate; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m harness.measure", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True)
    run = sub.add_parser("run", help="benchmark suites (labgrade bench)")
    run.add_argument("--suite", action="append", dest="suites")
    run.add_argument("--gpu-suite", action="store_true")
    run.add_argument("--precision", default=None)
    run.add_argument("--only", action="append")
    run.add_argument("--rounds", type=int)
    run.add_argument("--warmup", type=int)
    run.add_argument("--out", default="reports/bench")
    run.add_argument("--baselines", default=None)
    run.add_argument("--save", action="store_true")
    run.add_argument("--compare", action="store_true")
    ver = sub.add_parser("verify", help="the reference gate (labgrade reference verify)")
    ver.add_argument("labs", nargs="*")
    ver.add_argument("--quick", action="store_true")
    ver.add_argument("--precision", default="float32")
    ver.add_argument("--data-root", default=None)
    ver.add_argument("--json", default="reports/verify/verify.json")
    ver.add_argument("--baselines", default=None)
    ver.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args(argv)
    if args.verb == "run":
        suites = args.suites or (["gpu"] if args.gpu_suite else ["models"])
        precision = args.precision or ("mixed_bfloat16" if args.gpu_suite else "float32")
        kw = {"baselines_dir": args.baselines} if args.baselines else {}
        outcome = bench(suites=suites, precision=precision, only=args.only, rounds=args.rounds, warmup=args.warmup,
                        out=args.out,
                        save=args.save, compare=args.compare, progress=lambda line: print(f"  {line}", flush=True), **kw)
        print(outcome.table)
        print(f"wrote {outcome.json_path}")
        return outcome.exit_code
    kw = {"baselines_dir": args.baselines} if args.baselines else {}
    def progress(v) -> None:
        t = v.throughput
        print(f"  {v.lab}: {v.status} ({v.precision}), wall {v.wall_s:.1f} s, time to band {v.time_to_band_s}, "
              f"{t.name + ' ' + format(t.value, '.1f') if t else ''} {v.error.splitlines()[0] if v.error else ''}",
              flush=True)
        print("  VERIFY_LAB_JSON " + json.dumps(asdict(v), default=str), flush=True)

    report = verify(args.labs or None, quick=args.quick, source=DataSource.resolve(args.data_root, allow_download=False),
                    precision=args.precision, save_baseline=args.save_baseline, progress=progress, **kw)
    print(format_report(report))
    print(f"wrote {report.save(args.json)}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
