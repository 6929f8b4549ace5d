"""On-demand calibration of one configuration variant, run in its own process.

``python -m harness.evaluate.ondemand REQUEST_JSON`` runs the lab's reference in the
requested configuration over the requested seeds (the same olympic rule as
``labgrade reference calibrate``) and writes the generated section (bands and
provenance) as JSON to ``request["out"]``, atomically. `harness.evaluate.variants` calls
it with a time limit and caches the result by configuration.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.calibration import calibrate
from harness.data.source import DataSource
from harness.execute.untrusted import sanitize
from harness.serialize import write_atomic


def main(argv: list[str]) -> int:
    """Runs one on-demand calibration; returns the process exit code."""
    request = json.loads(argv[0])
    source = DataSource(root=Path(request["data_root"]) if request.get("data_root") else None,
                        cache_dir=Path(request["cache_dir"]) if request.get("cache_dir") else None)
    cal = calibrate(request["lab"], seeds=int(request["seeds"]), quick=bool(request["quick"]), source=source,
                    config=request["config"], write=False)
    section = {"calibration": {**cal.section["calibration"], "on_demand": True}, "bands": cal.section["bands"]}
    write_atomic(Path(request["out"]), json.dumps(sanitize(section), default=str, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
