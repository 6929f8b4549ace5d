"""Did it run, and are the lab's names defined with the right kind?"""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.context import GradeContext, Verdict
from harness.rubric import Item

_STATUS = {
    "timeout": "it was stopped at the time limit",
    "memory": "it was stopped at the memory limit",
    "killed": "its kernel/process died or was killed",
    "invalid": "the file could not be read as a notebook or module",
}


@register("runs")
def runs(ctx: GradeContext, item: Item) -> Verdict:
    """Share of code cells that ran without error; full marks for a clean run."""
    exe = ctx.execution
    code = exe.code_cells
    if exe.status == "invalid" or not code:
        return Verdict.failed(f"Nothing ran: {exe.status_detail or 'no code cells'}.")
    ok = sum(1 for c in code if c.status == "ok")
    failed = [c for c in code if c.status in ("error", "timeout", "killed")]
    skipped = sum(1 for c in code if c.status == "skipped")
    if exe.status == "ok":
        return Verdict.passed(f"All {len(code)} code cells ran without error.", cells=len(code))
    first = failed[0] if failed else None
    why = _STATUS.get(exe.status, "")
    msg = f"{ok} of {len(code)} code cells ran cleanly"
    if first is not None:
        err = f"{first.error.ename}: {first.error.evalue[:200]}" if first.error else first.status
        msg += f"; cell {first.index} failed ({err})"
    if skipped:
        msg += f"; {skipped} cell(s) never ran"
    if why:
        msg += f"; {why}"
    msg += "." + ctx.diagnosis_note() + " Fix the first failing cell and run the whole notebook top to bottom."
    return Verdict(ok / len(code), msg, {"status": exe.status, "detail": exe.status_detail})


@register("contract")
def contract(ctx: GradeContext, item: Item) -> Verdict:
    """Required contract names exported with the right kind."""
    required = [c for c in ctx.lab.contract if c.required]
    problems = []
    for c in required:
        exp = ctx.execution.exports.get(c.name)
        if exp is None or not exp.found:
            alias = f" (or {', '.join(c.aliases)})" if c.aliases else ""
            problems.append(f"`{c.name}`{alias} is not defined at the end of the run: expected {c.description}")
        elif exp.error:
            problems.append(f"`{c.name}` could not be used: {exp.error}")
    ok = len(required) - len(problems)
    if not problems:
        names = ", ".join(f"`{c.name}`" for c in required)
        return Verdict.passed(f"{names} defined as expected.")
    return Verdict(ok / len(required), "; ".join(problems) + "." + ctx.diagnosis_note(),
                   {"missing": len(problems)})
