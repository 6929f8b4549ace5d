"""Whether a training record agrees with itself: what a real run's trace cannot contain.

The trace is written inside the submission's process, which can reach the harness's
event writer, so a forged record carries valid signatures. Many forgeries still
contradict the record itself, which this module finds without any measurement:

* continuity: a fit starts from the weights the record last left each variable in (a
  weight that changed between two recorded states changed outside every recorded
  call: assigned directly, or the record was made up);
* compile counts: a fit's count of compile() calls of its model equals the compile
  events recorded for that model before it, and is not zero (Keras fits only
  compiled models);
* training: a fit that logged training steps changed some trainable weight (one whose
  trainable weights all stayed put trained nothing: a learning rate of 0, or a forged
  record of epochs that never ran).

A forgery consistent in all three (fingerprints computed with the harness's own
functions, found in the same process) is not caught here; what the grader measures
itself (the exported weights, held-out accuracy) is what a submission cannot forge.
"""

from __future__ import annotations

from harness.models import TraceEvent

MAX_LISTED = 3  # variables named per contradiction


def frozen_violations(fit: TraceEvent) -> list[str]:
    """Variables recorded as frozen at the start of `fit` whose fingerprint changed by its end."""
    end = {v[0]: v[1] for v in fit.weights_end}
    return [v[0] for v in fit.weights_start if v[2] == 0 and v[0] in end and end[v[0]] != v[1]]


def changed(fit: TraceEvent) -> int:
    """How many trainable weights changed during `fit` (0: the fit trained nothing).

    Weights created during the fit (layers built on the first batch) count as changed.
    """
    start = {v[0]: v[1] for v in fit.weights_start}
    return sum(1 for v in fit.weights_end if v[2] == 1 and start.get(v[0]) != v[1])


def _steps(fit: TraceEvent) -> int:
    return sum(e.steps or 0 for e in fit.epoch_logs)


def contradictions(trace: list[TraceEvent]) -> list[str]:
    """Every way the record contradicts itself (empty for a real run's trace), one sentence each."""
    problems: list[str] = []
    state: dict[str, str] = {}  # variable id -> fingerprint of its last recorded state
    compiles: dict[str, int] = {}  # model id -> compile events so far
    for ev in sorted(trace, key=lambda e: e.seq):
        if ev.kind == "compile":
            compiles[ev.model_id] = compiles.get(ev.model_id, 0) + 1
        elif ev.kind == "weights":
            state.update({v[0]: v[1] for v in ev.weights_end})
        elif ev.kind == "fit":
            label = f"fit {ev.seq} ({ev.model_name or ev.model_id})"
            moved = [v[0] for v in ev.weights_start if v[0] in state and state[v[0]] != v[1]]
            if moved:
                problems.append(f"{label} started from weights no recorded step produced ({len(moved)} changed "
                                f"since their last record, e.g. {', '.join(moved[:MAX_LISTED])})")
            if ev.complete and not ev.error and not compiles.get(ev.model_id):  # Keras refuses to fit it
                problems.append(f"{label} trained a model that was never compiled")
            elif ev.complete and not ev.error and ev.compile_count != compiles.get(ev.model_id, 0):
                problems.append(f"{label} counts {ev.compile_count} compile() call(s) of its model, but "
                                f"{compiles.get(ev.model_id, 0)} were recorded before it")
            if (ev.complete and not ev.error and _steps(ev) > 0 and not ev.stale_trainable
                    and any(v[2] == 1 for v in ev.weights_end) and not changed(ev)):
                problems.append(f"{label} logged {_steps(ev)} training step(s) but changed none of its trainable "
                                "weights (a learning rate of 0, or a record of training that did not happen)")
            if ev.complete:
                state.update({v[0]: v[1] for v in ev.weights_end})
    return problems
