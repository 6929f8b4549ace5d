"""Cross-checks the grader makes between the trace and what it measured itself.

The trace is recorded inside the submission's process: it is evidence, never truth. A
forged or edited record shows up here, because the grader fingerprints the weights of
the model file it loaded and compares them with the state the record claims:

* every exported weight must equal the last recorded state of its variable (the end of
  a fit, or a traced ``set_weights``/``load_weights``/``load_model``);
* weights a fit recorded as frozen must not have changed during that fit;
* a history counts only when a recorded fit logged the same values (`harness.evaluate.histories`).

Contradictions inside the record itself (`harness.execute.consistency`: a fit starting
from weights nothing recorded produced, compile counts that do not add up, a fit that
logged training and changed nothing) are integrity problems of the execution, found
when the trace is assembled; they make every model's evidence ``unverified``.
"""

from __future__ import annotations

from harness.execute.consistency import changed, frozen_violations
from harness.models import Execution, ModelEvidence, ModelFacts, TraceEvent

__all__ = ["changed", "cross_check", "frozen_violations", "last_states"]


def last_states(trace: list[TraceEvent]) -> dict[str, tuple[str, TraceEvent]]:
    """Variable id -> (fingerprint, event) of the last recorded state of every variable."""
    states: dict[str, tuple[str, TraceEvent]] = {}
    for ev in sorted(trace, key=lambda e: e.seq):
        if (ev.kind == "fit" and ev.complete) or ev.kind == "weights":
            for var_id, fp, _ in ev.weights_end:
                states[var_id] = (fp, ev)
    return states


def cross_check(execution: Execution, models: dict[str, ModelFacts]) -> dict[str, ModelEvidence]:
    """One `ModelEvidence` per exported model."""
    out: dict[str, ModelEvidence] = {}
    states = last_states(execution.trace)
    for name, exp in execution.exports.items():
        if exp.kind != "model":
            continue
        ev = ModelEvidence(name=name)
        out[name] = ev
        facts = models.get(name)
        summary = exp.data if isinstance(exp.data, dict) else {}
        if facts is None or not facts.loaded or not facts.weights:
            ev.detail = "no loaded model to compare with the training record"
            continue
        model_id = summary.get("model_id")
        own_fits = [t for t in execution.trace if t.kind == "fit" and t.model_id == model_id and t.complete
                    and not t.error and t.epoch_logs]
        ev.fits = len(own_fits)
        if not execution.integrity.ok:
            ev.status = "unverified"
            ev.detail = "the training record did not arrive intact: " + "; ".join(execution.integrity.problems[:3])
            continue
        variables = summary.get("variables") if isinstance(summary.get("variables"), list) else []
        if len(variables) != len(facts.weights):
            ev.status = "inconsistent"
            ev.detail = (f"the model file holds {len(facts.weights)} weights but the export recorded "
                         f"{len(variables)} variables")
            continue
        sources: set[int] = set()
        for (var, shape), (fp, loaded_shape) in zip(variables, facts.weights):
            if not isinstance(var, str) or list(shape or []) != list(loaded_shape or []):
                ev.mismatched += 1
                continue
            state = states.get(var)
            if state is None:
                ev.untraced += 1
            elif state[0] != fp:
                ev.mismatched += 1
            else:
                sources.add(state[1].seq)
        for fit in execution.trace:
            if fit.kind == "fit" and fit.complete and frozen_violations(fit):
                ids = {v[0] for v in fit.weights_end}
                if any(v[0] in ids for v in variables if isinstance(v, list) and v):
                    ev.frozen_violations.append(fit.seq)
        if ev.mismatched:
            ev.status = "inconsistent"
            ev.detail = (f"{ev.mismatched} of {len(variables)} weights differ from their last recorded state "
                         "(changed outside any traced fit or load, or the record was forged)")
        elif ev.frozen_violations:
            ev.status = "inconsistent"
            ev.detail = (f"weights recorded as frozen changed during fit(s) {ev.frozen_violations}: the record of "
                         "which layers were frozen does not match what happened")
        elif not sources:
            ev.status = "untraced"
            ev.detail = "none of its weights was produced by a recorded fit or load: it was never trained under the trace"
        else:
            ev.status = "consistent"
            by_seq = {t.seq: t for t in execution.trace}
            ev.trained = any(by_seq[s].kind == "fit" and by_seq[s].epoch_logs and changed(by_seq[s]) for s in sources)
            ev.detail = (f"weights match the record ({len(variables) - ev.untraced} of {len(variables)} traced"
                         + (f", {ev.untraced} never recorded" if ev.untraced else "") + ")")
    return out
