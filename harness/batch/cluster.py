"""Running the batch on a Dask distributed cluster (a LocalCluster for trying it on one machine).

Submissions travel to the workers as bytes inside the task, results come back as
bytes: the coordinator and the workers share no filesystem. Workers need the
labgrade package, the data root (``--data-root``/``LABGRADE_DATA`` valid on the
worker) and, for GPU labs, a ``GPU`` resource: start them with
``dask worker tcp://SCHEDULER:8786 --nthreads 1 --resources "GPU=1"``. When any worker
advertises a GPU, GPU labs (cats-dogs, resnet50-top3) are sent only to those workers.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

from harness.batch.task import GradeJob, TaskResult, grade_task
from harness.labs import get_lab


@contextmanager
def dask_executor(*, scheduler: str | None = None, local_workers: int | None = None,
                  connect_timeout_s: float = 30.0) -> Iterator[Callable[[list[GradeJob]], Iterator[TaskResult]]]:
    """An executor for `harness.batch.run_batch` backed by Dask.

    Args:
        scheduler: address of a running scheduler (``tcp://host:8786``).
        local_workers: start a ``LocalCluster`` with this many single-threaded worker
            processes instead (ignored when `scheduler` is given).
        connect_timeout_s: how long to wait for the scheduler.

    Raises:
        OSError: when the scheduler cannot be reached (the message names the address).
    """
    from distributed import Client, LocalCluster  # heavy: imported only when a cluster is used

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            raise OSError(f"could not reach the Dask scheduler at {scheduler!r} within {connect_timeout_s:.0f} s: "
                          f"{exc}. Start one with `dask scheduler` and pass its tcp:// address.") from None
    else:
        cluster = LocalCluster(n_workers=max(1, local_workers or 1), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        workers = client.scheduler_info().get("workers", {})
        has_gpu = any("GPU" in (w.get("resources") or {}) for w in workers.values())

        def run(jobs: list[GradeJob]) -> Iterator[TaskResult]:
            from distributed import as_completed

            tag = uuid.uuid4().hex[:8]
            futures = {}
            for job in jobs:
                resources = {"GPU": 1} if has_gpu and get_lab(job.lab).accelerator else None
                fut = client.submit(grade_task, job, key=f"labgrade-{job.sid}-{tag}", pure=False,
                                    resources=resources)
                futures[fut] = job.sid
            for fut in as_completed(futures):
                sid = futures[fut]
                try:
                    yield fut.result()
                except Exception:
                    yield TaskResult(sid=sid, error="the Dask task failed:\n" + traceback.format_exc()[-4000:])
                finally:
                    fut.release()

        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
