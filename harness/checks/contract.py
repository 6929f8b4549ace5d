"""Did it run, and are the lab's names defined with the right kind?"""

from __future__ import annotations

from harness.checks.registry import register
from harness.checks.context import GradeContext, Verdict
from harness.i18n import Msg, msg
from harness.rubric import Item

_STATUS = {
    "timeout": msg("it was stopped at the time limit"),
    "memory": msg("it was stopped at the memory limit"),
    "killed": msg("its kernel/process died or was killed"),
    "invalid": msg("the file could not be read as a notebook or module"),
}


@register("runs")
def runs(ctx: GradeContext, item: Item) -> Verdict:
    """Share of code cells that ran without error; full marks for a clean run."""
    exe = ctx.execution
    code = exe.code_cells
    if exe.status == "invalid" or not code:
        return Verdict.failed(msg("Nothing ran: {detail}.", detail=exe.status_detail or msg("no code cells")))
    ok = sum(1 for c in code if c.status == "ok")
    failed = [c for c in code if c.status in ("error", "timeout", "killed")]
    skipped = sum(1 for c in code if c.status == "skipped")
    if exe.status == "ok":
        return Verdict.passed(msg("All {n} code cells ran without error.", n=len(code)), cells=len(code))
    first = failed[0] if failed else None
    parts = [msg("{ok} of {n} code cells ran cleanly", ok=ok, n=len(code))]
    if first is not None:
        # The student's own exception text, or the cell's status word, shown as it was.
        err = f"{first.error.ename}: {first.error.evalue[:200]}" if first.error else first.status
        parts.append(msg("cell {cell} failed ({error})", cell=first.index, error=err))
    if skipped:
        parts.append(msg("{n} cell(s) never ran", n=skipped))
    if exe.status in _STATUS:
        parts.append(_STATUS[exe.status])
    text = msg("{parts:; }.{note} Fix the first failing cell and run the whole notebook top to bottom.", parts=parts,
               note=ctx.diagnosis_note())
    return Verdict(ok / len(code), text, {"status": exe.status, "detail": exe.status_detail})


@register("contract")
def contract(ctx: GradeContext, item: Item) -> Verdict:
    """Required contract names exported with the right kind."""
    required = [c for c in ctx.lab.contract if c.required]
    problems = []
    for c in required:
        exp = ctx.execution.exports.get(c.name)
        if exp is None or not exp.found:
            name = (msg("{name} (or {aliases:, })", name=f"`{c.name}`", aliases=list(c.aliases)) if c.aliases
                    else f"`{c.name}`")
            # Contract descriptions live in the lab registry; the catalogue extraction reads them from there.
            problems.append(msg("{name} is not defined at the end of the run: expected {description}", name=name,
                                description=Msg(c.description)))
        elif exp.error:
            problems.append(msg("`{name}` could not be used: {error}", name=c.name, error=exp.error))
    ok = len(required) - len(problems)
    if not problems:
        return Verdict.passed(msg("{names:, } defined as expected.", names=[f"`{c.name}`" for c in required]))
    return Verdict(ok / len(required), msg("{problems:; }.{note}", problems=problems, note=ctx.diagnosis_note()),
                   {"missing": len(problems)})
