"""The stage values of a grading run and their JSON round-trip.

Flow: `Submission` -> `Execution` -> `LabResult` -> `Grade` -> report. Each stage is a
plain dataclass, JSON-serialisable, carrying `schema_version` where it is written to
disk on its own. Paths inside an `Execution` are relative to its artifacts folder so
that a results folder can be moved or copied between machines.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import InputError
from harness.serialize import SchemaError, dumps, from_jsonable

SCHEMA_VERSION = 1

ExecutionStatus = Literal["ok", "error", "timeout", "memory", "disk", "killed", "invalid"]
CellStatus = Literal["ok", "error", "timeout", "killed", "skipped", "not-run"]
ExportKind = Literal["model", "history", "histories", "callable", "class_order", "value"]


MAX_SUBMISSION_BYTES = 50 << 20


class SubmissionFileError(InputError, FileNotFoundError):
    """A submission path that is not a usable notebook or module (missing, a folder, wrong type, too big)."""


@dataclass
class Submission:
    """One file handed in by one student for one lab.

    Attributes:
        path: where the file was read from (informational; the content is what counts).
        lab: lab id, e.g. ``"fashion-transfer"``.
        student_id: who handed it in; derived from the file or folder name by default.
        sha256: hex digest of the file's bytes; part of the result-store key.
        kind: ``"notebook"`` for ``.ipynb``, ``"module"`` for ``.py``.
        size_bytes: size of the file.
    """

    path: str
    lab: str
    student_id: str
    sha256: str
    kind: Literal["notebook", "module"]
    size_bytes: int = 0

    @classmethod
    def from_path(cls, path: str | Path, *, lab: str, student_id: str | None = None) -> "Submission":
        """Reads `path` once to fingerprint it.

        Args:
            path: a ``.ipynb`` notebook or ``.py`` module.
            lab: the lab id it is graded against.
            student_id: defaults to the file stem (``alice.ipynb`` -> ``alice``).

        Raises:
            SubmissionFileError: when `path` is not a file, too large, or neither ``.ipynb`` nor ``.py``.
        """
        p = Path(path)
        if not p.is_file():
            what = "is a folder" if p.is_dir() else "does not exist"
            raise SubmissionFileError(f"Submission not found: {str(p)!r} {what}. Pass the path of a .ipynb notebook "
                                      "or a .py module" + (" (to grade a folder, use `labgrade grade`)."
                                                           if p.is_dir() else "."))
        suffix = p.suffix.lower()
        if suffix not in (".ipynb", ".py"):
            raise SubmissionFileError(
                f"Unsupported submission type {suffix or '(no suffix)'!r} for {str(p)!r}: "
                "expected a Jupyter notebook (.ipynb) or a Python module (.py)."
            )
        size = p.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise SubmissionFileError(f"{str(p)!r} is {size >> 20} MB; at most {MAX_SUBMISSION_BYTES >> 20} MB is "
                                      "accepted. Clear the notebook's outputs and submit again.")
        data = p.read_bytes()
        return cls(
            path=str(p),
            lab=lab,
            student_id=student_id or p.stem,
            sha256=hashlib.sha256(data).hexdigest(),
            kind="notebook" if suffix == ".ipynb" else "module",
            size_bytes=len(data),
        )


@dataclass
class ErrorInfo:
    """An exception raised by student code (or by the harness on its behalf).

    Attributes:
        ename: exception class name, e.g. ``"TypeError"``.
        evalue: exception message.
        traceback: plain-text traceback (ANSI colour codes removed), capped.
    """

    ename: str
    evalue: str
    traceback: str = ""


@dataclass
class Figure:
    """An image the submission displayed (``plt.show()``, ``display()``, inline plots).

    Attributes:
        cell_index: index of the notebook cell that produced it.
        path: PNG file, relative to the execution's artifacts folder.
        sha256: digest of the PNG bytes.
        width: pixels.
        height: pixels.
        blank: True when every pixel has the same colour (an empty plot).
    """

    cell_index: int
    path: str
    sha256: str
    width: int = 0
    height: int = 0
    blank: bool = False


@dataclass
class Cell:
    """One notebook cell (or one ``# %%`` section of a module) and what running it did.

    Attributes:
        index: position in the notebook, counting every cell.
        cell_type: ``"code"``, ``"markdown"`` or ``"raw"``.
        source: the cell's text (markdown cells are the student's written analysis).
        status: for code cells, how running it ended; ``"not-run"`` for other cells.
        duration_s: wall time spent executing it, when it ran.
        output: captured text output (stdout, stderr, text results), capped.
        output_truncated: True when the cap cut the output.
        error: the exception it raised, if any.
        figures: indexes into `Execution.figures` of the images it displayed.
    """

    index: int
    cell_type: str
    source: str
    status: CellStatus = "not-run"
    duration_s: float | None = None
    output: str = ""
    output_truncated: bool = False
    error: ErrorInfo | None = None
    figures: list[int] = field(default_factory=list)


@dataclass
class EpochLog:
    """One epoch of one ``fit`` call, as the trace saw it.

    Attributes:
        epoch: 0-based epoch number within the fit call.
        lr: learning rate in effect at the start of the epoch (schedules resolved).
        lr_end: learning rate at the end of the epoch (differs for per-step schedules).
        logs: the metrics Keras reported for the epoch (loss, accuracy, val_*...).
        seconds: wall time of the epoch.
        steps: training steps run in the epoch.
    """

    epoch: int
    lr: float | None = None
    lr_end: float | None = None
    logs: dict[str, float] = field(default_factory=dict)
    seconds: float | None = None
    steps: int | None = None


@dataclass
class TraceEvent:
    """One ``compile``, ``fit``, ``predict`` call or weights change recorded by the trace.

    The trace is recorded inside the submission's process and streamed to the grader as
    it happens; it is evidence the grader cross-checks, never ground truth.

    Attributes:
        kind: ``"compile"``, ``"fit"``, ``"predict"`` or ``"weights"`` (set_weights,
            load_weights, load_model).
        seq: order of the event across the whole run (the channel's sequence number).
        cell_index: the cell that made the call (-1 when unknown).
        model_name: ``model.name``.
        model_id: a stable id of the Python object (distinguishes a clone from the original).
        trainable_params: trainable weight count at the time of the call.
        non_trainable_params: non-trainable weight count at the time of the call.
        trainable_layers: names of layers whose ``trainable`` flag was on.
        frozen_layers: names of layers (with weights) whose ``trainable`` flag was off.
        optimizer: optimizer class name (``"SGD"``, ``"Adam"``...).
        optimizer_id: identity of the optimizer object; a new one means a recompile.
        optimizer_config: the optimizer's configuration (learning rate or schedule config...).
        compile_count: how many times this model had been compiled when the call was made.
        epochs: ``epochs`` argument of ``fit``.
        initial_epoch: ``initial_epoch`` argument of ``fit``.
        batch_size: effective batch size (32 when left to Keras' default for arrays).
        samples: training samples per epoch when known.
        epoch_logs: per-epoch records (``fit`` only).
        seconds: wall time of the call.
        error: exception raised by the call, if any.
        warnings: warnings emitted during the call (e.g. ignored ``decay=``).
        stale_trainable: True when layers' ``trainable`` flags changed since the last compile.
        input_stats: for array inputs, their shape and value range (``min``, ``max``,
            ``mean``): shows the preprocessing actually applied (e.g. /255 vs [-1, 1]).
        callbacks: class names of the callbacks passed to ``fit``.
        data: what ``fit`` was given: type, shape, value range, a hash of sampled rows.
        weights_start: ``[variable id, fingerprint, trainable]`` per weight when ``fit`` started.
        weights_end: the same when ``fit`` returned (or the state after a ``weights`` event).
        how: for ``weights`` events: ``set_weights``, ``load_weights`` or ``load_model``.
        complete: False when the fit's end never reached the grader (the run died inside it).
    """

    kind: Literal["compile", "fit", "predict", "weights"]
    seq: int
    cell_index: int = -1
    model_name: str = ""
    model_id: str = ""
    trainable_params: int = 0
    non_trainable_params: int = 0
    trainable_layers: list[str] = field(default_factory=list)
    frozen_layers: list[str] = field(default_factory=list)
    optimizer: str | None = None
    optimizer_id: str | None = None
    optimizer_config: dict[str, Any] = field(default_factory=dict)
    compile_count: int = 0
    epochs: int | None = None
    initial_epoch: int = 0
    batch_size: int | None = None
    samples: int | None = None
    epoch_logs: list[EpochLog] = field(default_factory=list)
    seconds: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    stale_trainable: bool = False
    input_stats: dict[str, Any] = field(default_factory=dict)
    callbacks: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    weights_start: list[list[Any]] = field(default_factory=list)
    weights_end: list[list[Any]] = field(default_factory=list)
    how: str = ""
    complete: bool = True


@dataclass
class FigureData:
    """The structure of one figure the submission rendered, recorded by the trace (not its pixels).

    Attributes:
        cell_index: the cell that displayed it (-1 when unknown).
        number: order among the figures of the run.
        how: ``display`` (inline backend, ``plt.show()``, ``display(fig)``) or ``runner`` (a module's figure).
        axes: one dict per axes: ``title``, ``xlabel``, ``ylabel``, ``lines`` (``label``, down-sampled
            ``x``/``y``, ``n`` points), ``bars``, ``images`` (shapes), ``legend``.
        suptitle: the figure's title.
    """

    cell_index: int = -1
    number: int = 0
    how: str = ""
    axes: list[dict[str, Any]] = field(default_factory=list)
    suptitle: str = ""


@dataclass
class TraceIntegrity:
    """How far the trace can be trusted: what the channel delivered and what did not add up.

    Attributes:
        channel: ``ok``, ``unauthenticated`` (no announcement before the first cell) or ``none``
            (nothing was received).
        problems: forged, malformed or out-of-order lines, floods (instructor-only).
        events: events received.
        salt: the fingerprint salt of this run (instructor-only; never shown to a student).
    """

    channel: str = "none"
    problems: list[str] = field(default_factory=list)
    events: int = 0
    salt: str = ""

    @property
    def ok(self) -> bool:
        """True when the channel was authenticated and nothing on it was out of order or forged."""
        return self.channel == "ok" and not self.problems


@dataclass
class CallRecord:
    """One call the grader made to an exported callable (e.g. ``classify(img_path)``).

    Attributes:
        input: the argument as the grader named it (file name, not the private path).
        returned: the return value converted to JSON (tuples become lists), or None.
        printed: what the call printed (capped).
        seconds: wall time of the call.
        error: exception raised, if any.
    """

    input: str
    returned: Any = None
    printed: str = ""
    seconds: float | None = None
    error: ErrorInfo | None = None


@dataclass
class Export:
    """One contract name exported from the submission's namespace after its last cell.

    Attributes:
        name: the contract name (``model_A``, ``histories``...).
        kind: what the contract expects it to be.
        found: False when the name was not defined at the end of the run.
        type_name: the Python type of the object found.
        path: exported file, relative to the artifacts folder (``.keras`` or ``.json``).
        data: small JSON payloads inline (a history, class order, a model summary).
        calls: calls made by the grader (callables only).
        error: why exporting failed, if it did.
    """

    name: str
    kind: ExportKind
    found: bool = False
    type_name: str = ""
    path: str | None = None
    data: Any = None
    calls: list[CallRecord] = field(default_factory=list)
    error: str | None = None


@dataclass
class Diagnosis:
    """A plain-language explanation of a Keras 2 API that Keras 3 removed or changed.

    Attributes:
        api: the old API (``"lr="``, ``"fit_generator"``...).
        message: what happened and why.
        replacement: the Keras 3 way to write it.
        cell_index: the cell it was found in (-1 when it comes from the trace).
        severity: ``"error"`` (the code failed) or ``"silent"`` (it ran but did something else).
        message_id: catalogue id of `message` (its English template; see `harness.i18n`), so the
            diagnosis can be shown in the student's language; empty in older results.
        message_args: the arguments of `message_id` (JSON).
        replacement_id: catalogue id of `replacement`; empty in older results.
        replacement_args: the arguments of `replacement_id` (JSON).
    """

    api: str
    message: str
    replacement: str
    cell_index: int = -1
    severity: Literal["error", "silent"] = "error"
    message_id: str = ""
    message_args: dict[str, Any] = field(default_factory=dict)
    replacement_id: str = ""
    replacement_args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Isolation:
    """How the submission was contained, so a report can say what protected what.

    Attributes:
        mode: ``"bwrap"`` (namespaces + read-only root) or ``"limits-only"``.
        network: ``"none"`` (own empty network namespace) or ``"host"``.
        filesystem: ``"private"`` (only the workspace is visible and writable) or ``"host"``.
        user: the uid the code ran as.
        process_limit: how the process-count limit was enforced.
        notes: anything that weakened the sandbox on this machine.
    """

    mode: Literal["bwrap", "limits-only"] = "limits-only"
    network: Literal["none", "host"] = "host"
    filesystem: Literal["private", "host"] = "host"
    user: int = -1
    process_limit: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Execution:
    """Everything running a submission produced; also produced for failed or killed runs.

    Attributes:
        schema_version: version of this JSON layout.
        submission: what was run.
        status: ``ok``, ``error`` (a cell raised), ``timeout``, ``memory``, ``killed``
            (the process died or was killed, e.g. ``os._exit``), ``invalid`` (the file
            could not be read as a notebook or module).
        status_detail: one sentence explaining the status.
        harness_version: version of labgrade that ran it.
        started_at: ISO-8601 UTC start time.
        wall_time_s: total wall time, kernel start-up included.
        startup_s: time to start the kernel or child process.
        cell_time_s: time spent inside student cells.
        quick: True when the lab's quick (small data) mode was provisioned.
        isolation: how it was contained.
        limits: the limits it ran under.
        cells: every cell, in order.
        figures: every image displayed.
        trace: every compile/fit call.
        exports: contract names exported after the last cell.
        diagnoses: Keras 2 API diagnoses.
        environment: versions seen inside the sandbox (python, keras, backend...).
        peak_rss_mb: peak resident memory of the submission's process tree.
        stdout: output not tied to a cell (module runs, kernel messages), capped.
        figure_data: the structure of every figure rendered (from the trace).
        integrity: what the trace channel delivered and its problems.
    """

    submission: Submission
    status: ExecutionStatus
    status_detail: str = ""
    schema_version: int = SCHEMA_VERSION
    harness_version: str = ""
    started_at: str = ""
    wall_time_s: float = 0.0
    startup_s: float = 0.0
    cell_time_s: float = 0.0
    quick: bool = False
    isolation: Isolation = field(default_factory=Isolation)
    limits: dict[str, Any] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    trace: list[TraceEvent] = field(default_factory=list)
    exports: dict[str, Export] = field(default_factory=dict)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    stdout: str = ""
    figure_data: list[FigureData] = field(default_factory=list)
    integrity: TraceIntegrity = field(default_factory=TraceIntegrity)

    @property
    def code_cells(self) -> list[Cell]:
        """The code cells, in order."""
        return [c for c in self.cells if c.cell_type == "code"]

    @property
    def markdown_cells(self) -> list[Cell]:
        """The markdown cells (the student's written analysis), in order."""
        return [c for c in self.cells if c.cell_type == "markdown"]

    def analysis_words(self) -> int:
        """Number of words across all markdown cells."""
        return sum(len(c.source.split()) for c in self.markdown_cells)

    def to_json(self) -> str:
        """Serialises to schema-versioned JSON."""
        return dumps(self)

    @classmethod
    def from_json(cls, text: str) -> "Execution":
        """Parses JSON written by `to_json`, checking the schema version and types."""
        return _load_versioned(cls, text)


@dataclass
class ModelFacts:
    """What the grader saw of one exported model, loaded safely in its own limited process.

    Attributes:
        name: the contract name (``model``, ``model_A``...).
        loaded: True when the archive passed the pre-load check and loaded with ``safe_mode``.
        error: why not (student-safe), when it did not load.
        declared_params: parameters its configuration declares (estimated before loading).
        params: parameters of the loaded model.
        trainable_params: trainable parameters of the loaded model.
        layers: one row per top-level layer (class, name, trainable, rate, units, activation...).
        weights: ``[fingerprint, shape]`` per weight, in ``model.weights`` order (instructor-only).
        input_shape: the model's input shape.
        output_shape: the model's output shape.
    """

    name: str
    loaded: bool = False
    error: str = ""
    declared_params: int = 0
    params: int = 0
    trainable_params: int = 0
    layers: list[dict[str, Any]] = field(default_factory=list)
    weights: list[list[Any]] = field(default_factory=list)
    input_shape: Any = None
    output_shape: Any = None


@dataclass
class Metric:
    """One metric the grader measured itself on held-out data.

    Attributes:
        value: the metric (accuracy) on the held-out images; None when it could not be measured.
        n: held-out examples used.
        preprocessing: the input preparation that matched the model (chosen on the public
            validation split, or from the training input range the trace saw).
        validation: the metric on the validation split with that preparation.
        perturbed: the metric on a private perturbation of the held-out images.
        details: candidates tried, class mapping... (instructor-only).
        error: why it could not be measured (student-safe).
    """

    value: float | None = None
    n: int = 0
    preprocessing: str = ""
    validation: float | None = None
    perturbed: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class ModelEvidence:
    """How an exported model's weights relate to the training record (instructor-only).

    The grader fingerprints the weights of the file it loaded and compares each with the
    last state the trace recorded for that variable (the end of a fit, ``set_weights``,
    ``load_weights``, ``load_model``).

    Attributes:
        name: the contract name.
        status: ``consistent`` (every traced weight equals its last recorded state),
            ``inconsistent`` (some weight is not what the record says: edited after training,
            or a forged record), ``untraced`` (no recorded state for its weights: never
            trained or loaded under the trace), ``unverified`` (the trace itself did not
            arrive intact), ``missing`` (no model to compare).
        trained: True when a complete traced fit of this model's weights ended in the exported state.
        fits: complete traced fits of this model object.
        mismatched: weights whose fingerprint differs from the record.
        untraced: weights with no recorded state.
        frozen_violations: sequence numbers of fits in which weights recorded as frozen changed.
        detail: one sentence for the instructor.
    """

    name: str
    status: str = "missing"
    trained: bool = False
    fits: int = 0
    mismatched: int = 0
    untraced: int = 0
    frozen_violations: list[int] = field(default_factory=list)
    detail: str = ""


@dataclass
class Measurements:
    """The evaluate stage: everything the grader measured itself, in a separate limited process.

    Attributes:
        schema_version: version of this JSON layout.
        status: ``ok``, ``skipped`` (nothing to measure), ``error``, ``timeout`` or ``memory``
            (the evaluation process failed; the message says how).
        detail: one sentence about the status.
        models: contract name -> what the loaded model is.
        metrics: ``"<model>:<task>"`` -> the metric measured on held-out data.
        samples: ``"<model>:<image key>"`` -> ``{"probs": {preprocessing: [p per output column]}}``.
        reference: reference outputs computed for this submission's inputs (ResNet50 top-3, latencies).
        perturb_seed: the secret seed of the held-out perturbation (instructor-only).
        seconds: wall time of the evaluation.
        evidence: contract name -> how the exported model's weights relate to the trace.
        config: the configuration the run used (batch size, input scaling, epochs), read from the trace.
        bands_source: where the bands that judge this run come from (the reference's own
            configuration, a variant stored in the rubric, one calibrated on demand, or a
            configuration the lab does not allow).
        bands: metric -> ``{"low", "high", "mean", "values"}`` calibrated for `config` (empty: the
            rubric's default bands apply).
        config_allowed: False when the configuration is outside what the lab allows.
    """

    status: str = "skipped"
    detail: str = ""
    models: dict[str, ModelFacts] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    perturb_seed: int | None = None
    seconds: float = 0.0
    evidence: dict[str, ModelEvidence] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    bands_source: str = ""
    bands: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_allowed: bool = True
    schema_version: int = SCHEMA_VERSION

    def metric(self, model: str, task: str) -> Metric | None:
        """The measured metric of `model` on `task`, when it was requested."""
        return self.metrics.get(f"{model}:{task}")

    def to_json(self) -> str:
        """Serialises to schema-versioned JSON."""
        return dumps(self)

    @classmethod
    def from_json(cls, text: str) -> "Measurements":
        """Parses JSON written by `to_json`."""
        return _load_versioned(cls, text)


@dataclass
class CheckResult:
    """The outcome of one rubric item.

    Attributes:
        item: rubric item id.
        name: short human title.
        status: ``passed``, ``partial``, ``failed`` or ``error`` (the check itself could not run).
        score: points earned.
        max_score: points available.
        message: what was expected, what was found, how to fix it.
        evidence: measured values backing the message (accuracy, band, ratios...).
        visibility: ``visible``, ``hidden`` or ``after_due_date`` (Gradescope's vocabulary).
        flag: instructor-only marker: ``review`` (a result to look at before trusting it, e.g.
            accuracy far above the reference) or ``evidence`` (the training record does not
            add up); empty when nothing is flagged. Never shown to the student.
        message_id: catalogue id of `message` (its English template; see `harness.i18n`): the
            student's view renders it in the student's language; empty for a message that has
            no id (older results, manual text), which is shown as written.
        message_args: the arguments of `message_id` as JSON (nested messages as
            ``{"msgid", "args"}``).
    """

    item: str
    name: str
    status: Literal["passed", "partial", "failed", "error"]
    score: float
    max_score: float
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    visibility: Literal["visible", "hidden", "after_due_date"] = "visible"
    flag: str = ""
    message_id: str = ""
    message_args: dict[str, Any] = field(default_factory=dict)


@dataclass
class LabResult:
    """Every check run on one execution.

    Attributes:
        lab: lab id.
        rubric_version: version string of the rubric used.
        checks: one result per rubric item, in rubric order.
        metrics: values measured by the grader on held-out data.
        seconds: time spent evaluating and checking (not executing).
    """

    lab: str
    rubric_version: str
    checks: list[CheckResult] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Override:
    """A manual grade for one item, merged over the automatic one.

    Attributes:
        item: rubric item id.
        points: points awarded by the grader (a person).
        comment: why.
        automatic: the automatic score it replaced (kept for the report).
    """

    item: str
    points: float
    comment: str = ""
    automatic: float | None = None


@dataclass
class Grade:
    """The final grade of one submission.

    Attributes:
        schema_version: version of this JSON layout.
        submission: what was graded.
        lab_result: the checks behind the grade.
        score: total points (overrides applied).
        max_score: total points available.
        execution_status: status of the run that was graded.
        overrides: manual grades applied.
        harness_version: version of labgrade that graded it.
        graded_at: ISO-8601 UTC time.
        execution_time_s: wall time of the execution.
        isolation: how the graded run was contained (``bwrap`` or ``limits-only``): a grade
            from a run that was not isolated is shown as such everywhere.
        raw_score: the score before the late penalty (equal to `score` without one).
        late: the late policy's verdict (``status``, ``fraction``, ``points``, ``line``,
            ``flagged``...; see `harness.lms.late.LateResult`); empty without a policy.
    """

    submission: Submission
    lab_result: LabResult
    score: float
    max_score: float
    execution_status: str = ""
    overrides: list[Override] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    harness_version: str = ""
    graded_at: str = ""
    execution_time_s: float = 0.0
    isolation: str = ""
    raw_score: float | None = None
    late: dict[str, Any] = field(default_factory=dict)

    @property
    def flags(self) -> list[str]:
        """``item:flag`` for every item flagged for the instructor (review, evidence)."""
        return [f"{c.item}:{c.flag}" for c in self.lab_result.checks if c.flag]

    def to_json(self) -> str:
        """Serialises to schema-versioned JSON."""
        return dumps(self)

    @classmethod
    def from_json(cls, text: str) -> "Grade":
        """Parses JSON written by `to_json`, checking the schema version and types."""
        return _load_versioned(cls, text)


def _load_versioned(cls, text: str):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"Not JSON ({exc}); expected a {cls.__name__} written by labgrade.") from exc
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"{cls.__name__} JSON has schema_version={version!r}; this labgrade reads version "
            f"{SCHEMA_VERSION}. Regrade with this version (labgrade grade --force)."
        )
    return from_jsonable(cls, data)
