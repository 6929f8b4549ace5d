"""Grading a class: local worker processes or a Dask cluster, progress, crash-safe resume.

Every submission is graded by the same task function (`harness.batch.task.grade_task`),
which receives the submission's bytes and returns its result files: a local process
pool and a Dask cluster run it the same way, and no shared filesystem is assumed
between the coordinator and the workers. The coordinator commits each result
atomically into ``OUT/<submission-id>/`` (`harness.batch.store`), so a batch killed
at any moment resumes without losing or duplicating a result.
"""

from harness.batch.runner import BatchSummary, run_batch

__all__ = ["BatchSummary", "run_batch"]
