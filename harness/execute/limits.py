"""Resource limits for one submission run, with per-lab defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from harness.labs import LabSpec
from harness.machine import machine_info, same_machine

# Time limits from the reference's measured run time on this machine: generous for a student's
# slower code, tight enough that a hung submission does not hold a worker for an hour.
MEASURED_FACTOR = 10.0
STARTUP_ALLOWANCE_S = 60.0
FLOOR_S = {"quick": 180.0, "full": 600.0}


@dataclass(frozen=True)
class Limits:
    """What a submission may use. Every field can be overridden per lab and per call.

    Attributes:
        cell_timeout_s: wall-clock limit of one cell (one ``# %%`` section of a module).
        total_timeout_s: wall-clock limit of the whole run, kernel start-up included.
        memory_mb: resident memory of the submission's whole process tree; beyond it
            the run is killed with status ``memory``. The address space is capped
            higher (see `address_space_mb`) so that one huge allocation fails at once.
        max_processes: processes and threads of the sandbox user (RLIMIT_NPROC), and
            processes in the submission's tree (watchdog).
        max_file_mb: largest file the submission may write (RLIMIT_FSIZE).
        max_output_kb: captured text output per run (stdout, stderr, results); the
            rest is dropped and the truncation recorded.
        max_figures: images kept; more are counted but not stored.
        tmp_mb: size of the sandbox's private ``/tmp`` (bwrap only); its use counts against `memory_mb`.
        shm_mb: size of the sandbox's ``/dev/shm`` (bwrap only); its use counts against `memory_mb`.
        disk_mb: disk the workspace may use (files written by the submission, provisioned data included).
        startup_timeout_s: time allowed for the kernel to start.
        export_grace_s: time reserved, inside `total_timeout_s`, for exporting the contract
            names after the last cell (saving models, calling ``classify`` on the grader's images).
        origin: where the time limits came from (shown in reports).
    """

    cell_timeout_s: float = 1800.0
    total_timeout_s: float = 3600.0
    memory_mb: int = 6144
    max_processes: int = 512
    max_file_mb: int = 2048
    max_output_kb: int = 1024
    max_figures: int = 100
    tmp_mb: int = 1024
    shm_mb: int = 256
    disk_mb: int = 4096
    startup_timeout_s: float = 120.0
    export_grace_s: float = 30.0
    origin: str = "default"

    @property
    def address_space_mb(self) -> int:
        """RLIMIT_AS: generous (TensorFlow maps far more than it touches), yet finite."""
        return max(2 * self.memory_mb, self.memory_mb + 8192)

    @classmethod
    def for_lab(cls, lab: LabSpec, *, quick: bool = False, **overrides) -> "Limits":
        """Defaults for `lab` (its own timeouts), then `overrides` (None values ignored).

        Raises:
            TypeError: naming an unknown field.
            ValueError: for a non-positive limit.
        """
        base = cls(
            cell_timeout_s=lab.quick_cell_timeout_s if quick else lab.cell_timeout_s,
            total_timeout_s=lab.quick_total_timeout_s if quick else lab.total_timeout_s,
            export_grace_s=lab.export_grace_s,
            origin=f"the lab's default for {'quick' if quick else 'full'} mode",
        )
        return base.replace(**overrides)

    @classmethod
    def measured(cls, lab: LabSpec, *, quick: bool = False, calibration: dict | None = None,
                 here: dict | None = None, **overrides) -> "Limits":
        """Like `for_lab`, with the time limits sized from the reference's measured run time.

        When the rubric's calibration of this mode was measured on this machine (same
        fingerprint), the per-submission limit is `MEASURED_FACTOR` times its slowest run
        plus a start-up allowance, at least the mode's floor; otherwise the lab's flat
        default applies. `origin` says which, for the report.

        Args:
            lab: the lab.
            quick: quick mode.
            calibration: the rubric's ``[calibration.<mode>]`` table.
            here: this machine's info (default: `machine_info()`).
            overrides: explicit limits (they win).
        """
        base = cls.for_lab(lab, quick=quick)
        mode = "quick" if quick else "full"
        walls = [w for w in (calibration or {}).get("wall_s") or [] if isinstance(w, (int, float)) and w > 0]
        if walls and same_machine(calibration, here if here is not None else machine_info()):
            total = max(FLOOR_S[mode], MEASURED_FACTOR * max(walls) + STARTUP_ALLOWANCE_S + base.export_grace_s)
            base = dataclasses.replace(
                base, total_timeout_s=round(total), cell_timeout_s=round(total),
                origin=(f"{MEASURED_FACTOR:g}x the reference's slowest calibration run on this machine "
                        f"({max(walls):.0f} s, {mode} mode) + {STARTUP_ALLOWANCE_S:.0f} s start-up + "
                        f"{base.export_grace_s:.0f} s export, at least {FLOOR_S[mode]:.0f} s"))
        elif calibration:
            base = dataclasses.replace(base, origin=f"the lab's {mode}-mode default (the reference was timed on "
                                                    "another machine)")
        return base.replace(**overrides)

    def replace(self, **overrides) -> "Limits":
        """A copy with `overrides` applied (None values ignored), validated."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(overrides) - names
        if unknown:
            raise TypeError(f"Unknown limit(s) {sorted(unknown)}; known: {sorted(names)}.")
        clean = {k: v for k, v in overrides.items() if v is not None}
        for k, v in clean.items():
            if k == "origin":
                if not isinstance(v, str):
                    raise ValueError(f"Limit origin must be a string; received {v!r}.")
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 or v == float("inf"):
                raise ValueError(f"Limit {k} must be a positive number; received {v!r}.")
        timing = {"cell_timeout_s", "total_timeout_s", "export_grace_s"} & set(clean)
        if timing and "origin" not in clean:
            clean["origin"] = "given: " + ", ".join(f"{k}={clean[k]:g}" for k in sorted(timing))
        out = dataclasses.replace(self, **clean)
        if out.cell_timeout_s > out.total_timeout_s:
            out = dataclasses.replace(out, cell_timeout_s=out.total_timeout_s)
        return out

    def to_dict(self) -> dict:
        """Plain dict for the Execution record."""
        return dataclasses.asdict(self)
