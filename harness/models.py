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

from harness.serialize import SchemaError, dumps, from_jsonable

SCHEMA_VERSION = 1

ExecutionStatus = Literal["ok", "error", "timeout", "memory", "killed", "invalid"]
CellStatus = Literal["ok", "error", "timeout", "killed", "skipped", "not-run"]
ExportKind = Literal["model", "history", "histories", "callable", "class_order", "value"]


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
            FileNotFoundError: when `path` does not exist.
            ValueError: when the suffix is neither ``.ipynb`` nor ``.py``.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"Submission not found: {str(p)!r} is not a file.")
        suffix = p.suffix.lower()
        if suffix not in (".ipynb", ".py"):
            raise ValueError(
                f"Unsupported submission type {suffix or '(no suffix)'!r} for {str(p)!r}: "
                "expected a Jupyter notebook (.ipynb) or a Python module (.py)."
            )
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
    """One ``compile``, ``fit`` or ``predict`` call recorded by the prologue.

    Attributes:
        kind: ``"compile"``, ``"fit"`` or ``"predict"``.
        seq: order of the call across the whole run.
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
    """

    kind: Literal["compile", "fit", "predict"]
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
    """

    api: str
    message: str
    replacement: str
    cell_index: int = -1
    severity: Literal["error", "silent"] = "error"


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
    """

    item: str
    name: str
    status: Literal["passed", "partial", "failed", "error"]
    score: float
    max_score: float
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    visibility: Literal["visible", "hidden", "after_due_date"] = "visible"


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
