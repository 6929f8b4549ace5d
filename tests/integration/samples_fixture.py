"""Runs every sample submission once per test session, in parallel, and shares the results.

The sample submissions live in ``submissions/<lab>/``, each lab with an ``expected.toml``
stating, per case (case id = file stem), the expected execution status, the contract
names exported or missing, the Keras 2 APIs diagnosed, and the rubric items that must
pass or fail once graded. `sample_runs` executes every case in quick mode (the grader's
smaller data, same code paths) with 2 worker processes, on the real offline data, and
returns one `SampleRun` per case, so that the execution tests and the grading tests
reuse the same executions.

Optional keys of a case in ``expected.toml`` read here, beyond the documented ones:
``cell_timeout_s`` and ``timeout_s`` (limits for cases that must time out quickly),
``stdout_contains`` (strings some cell must print). resnet50-top3 cases run with the
session's fixed-seed random-weight ResNet50 file in place of the ImageNet weights
(`tests.fixtures.weights`), which are not available offline.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.models import Execution, Grade

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = REPO / "submissions"
DATA_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WORKERS = 2
GUARD_S = 420.0
"""Wall-clock guard per case (the lab's quick limit is 600 s): a run that exceeds it is
interrupted in its worker, so that a hung run fails one case instead of the session."""

STATUSES = ("ok", "error", "timeout", "memory", "killed", "invalid")
LAB_COST = {"lr-schedules": 6, "optimizers": 5, "cats-dogs": 4, "fashion-transfer": 3, "dropout": 2,
            "resnet50-top3": 1}


@dataclass(frozen=True)
class SampleCase:
    """One sample submission and what it is expected to do.

    Attributes:
        lab: lab id (the folder name under ``submissions/``).
        id: case id (the file stem).
        path: the submission file.
        expected: its table from ``expected.toml`` (``[case.<id>]``).
    """

    lab: str
    id: str
    path: Path
    expected: dict[str, Any] = field(hash=False, compare=False)

    @property
    def key(self) -> str:
        """``<lab>/<case>``, the test id."""
        return f"{self.lab}/{self.id}"

    @property
    def requires_bwrap(self) -> bool:
        """True when the expected outcome holds only with bubblewrap isolation."""
        return self.expected.get("requires") == "bwrap"

    def cost(self) -> int:
        """Rough relative run time, to start the longest cases first."""
        cheap = self.id.startswith(("hostile", "lecture"))
        return LAB_COST.get(self.lab, 1) * (1 if cheap else 10)


@dataclass
class SampleRun:
    """The outcome of running one case.

    Attributes:
        case: the case.
        execution: the Execution the harness returned (None when the worker itself failed).
        grade: its Grade, graded in the same worker (None when grading failed).
        artifacts: the run's artifacts folder (execution.json, exports/, figures/).
        wall_s: wall-clock seconds of the whole run, provisioning included.
        guard_fired: True when the run exceeded `GUARD_S` and was interrupted.
        worker_error: a traceback when the worker failed outside the harness.
    """

    case: SampleCase
    execution: Execution | None
    artifacts: Path
    wall_s: float
    guard_fired: bool = False
    worker_error: str = ""
    grade: Grade | None = None


def load_cases(root: Path = SUBMISSIONS) -> list[SampleCase]:
    """Every case of every ``submissions/<lab>/expected.toml``, in folder order."""
    cases: list[SampleCase] = []
    for toml_path in sorted(root.glob("*/expected.toml")):
        lab = toml_path.parent.name
        table = tomllib.loads(toml_path.read_text(encoding="utf-8")).get("case", {})
        for case_id, spec in table.items():
            cases.append(SampleCase(lab=lab, id=case_id, path=toml_path.parent / spec["file"], expected=spec))
    return cases


def data_root() -> Path | None:
    """The real offline data root (see `tests.fixtures.data.shared_data_root`)."""
    from tests.fixtures.data import shared_data_root

    return shared_data_root()


class _Guard(Exception):
    """Raised in a worker when a run exceeds its wall-clock guard."""


def _on_alarm(signum, frame):  # pragma: no cover - only on a hung run
    raise _Guard(f"sample guard: the run exceeded {GUARD_S:.0f} s and was interrupted")


def _run_one(job: dict) -> dict:
    """Worker: executes and grades one case with `harness.grading.grade_one`; returns both as JSON."""
    import traceback

    from harness.execute import Limits
    from harness.grading import grade_one
    from harness.labs import get_lab

    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(job["guard_s"]))
    t0 = time.monotonic()
    try:
        limits = Limits.for_lab(get_lab(job["lab"]), quick=True, cell_timeout_s=job["cell_timeout"],
                                total_timeout_s=job["timeout"])
        weights = {k: Path(v) for k, v in (job["weights"] or {}).items()} or None
        result = grade_one(job["path"], lab=job["lab"], out=job["out"], quick=True, data_root=job["data_root"],
                           limits=limits, weights=weights, student_id=job["student_id"], sandbox=job["sandbox"])
        exe, grade = result.execution, result.grade
        return {"execution": exe.to_json(), "grade": grade.to_json(), "wall_s": time.monotonic() - t0,
                "grade_s": grade.lab_result.seconds, "guard_fired": "sample guard:" in exe.status_detail}
    except _Guard as exc:
        return {"execution": None, "wall_s": time.monotonic() - t0, "guard_fired": True, "error": str(exc)}
    except BaseException:
        return {"execution": None, "wall_s": time.monotonic() - t0, "guard_fired": False,
                "error": traceback.format_exc()[-4000:]}
    finally:
        signal.alarm(0)


def run_cases(cases: list[SampleCase], *, out: Path, data: Path, resnet_weights: Path | None,
              workers: int = WORKERS) -> dict[str, SampleRun]:
    """Runs `cases` in quick mode with `workers` processes (longest first); key = ``case.key``."""
    jobs = []
    for case in sorted(cases, key=lambda c: -c.cost()):
        weights = {"resnet50": resnet_weights} if case.lab == "resnet50-top3" and resnet_weights else None
        jobs.append((case, {
            "path": str(case.path), "lab": case.lab, "out": str(out / case.lab), "data_root": str(data),
            "weights": weights, "cell_timeout": case.expected.get("cell_timeout_s"),
            "timeout": case.expected.get("timeout_s"), "student_id": case.id, "guard_s": GUARD_S,
            # The samples include hostile code: isolated where bubblewrap works (cases that need it say so).
            "sandbox": "auto",
        }))
    results: dict[str, SampleRun] = {}
    # spawn: the test process may have imported TensorFlow, which must not be forked.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(_run_one, job): case for case, job in jobs}
        for future, case in futures.items():
            raw = future.result()
            exe = Execution.from_json(raw["execution"]) if raw.get("execution") else None
            grade = Grade.from_json(raw["grade"]) if raw.get("grade") else None
            results[case.key] = SampleRun(case=case, execution=exe, grade=grade, artifacts=out / case.lab / case.id,
                                          wall_s=round(raw["wall_s"], 1), guard_fired=raw["guard_fired"],
                                          worker_error=raw.get("error", ""))
    return results


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory) -> dict[str, SampleRun]:
    """Every sample case executed once (quick mode, real data); skips without the real data."""
    data = data_root()
    if data is None:
        pytest.skip(f"the real offline data is not at {DATA_ROOT} (nor in $LABGRADE_TEST_DATA): the sample "
                    "submissions train on real Fashion-MNIST and cats/dogs images with pretrained MobileNet "
                    "weights, which cannot be generated")
    from tests.fixtures.weights import random_resnet50_weights

    base = tmp_path_factory.getbasetemp()
    weights = random_resnet50_weights(base / "resnet50-random-seed-0.weights.h5")
    out = tmp_path_factory.mktemp("samples")
    t0 = time.monotonic()
    runs = run_cases(load_cases(), out=out, data=data, resnet_weights=weights)
    total = time.monotonic() - t0
    lines = [f"{key:45s} {r.wall_s:7.1f} s  {r.execution.status if r.execution else 'no execution':8s} "
             + (f"{100 * r.grade.score / r.grade.max_score:5.1f}%  graded in {r.grade.lab_result.seconds:.1f} s"
                if r.grade else "not graded")
             for key, r in sorted(runs.items())]
    sys.stderr.write(f"\n[samples] {len(runs)} cases in {total:.0f} s wall ({WORKERS} workers)\n"
                     + "\n".join(lines) + "\n")
    return runs
