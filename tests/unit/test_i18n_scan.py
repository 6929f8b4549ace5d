"""No student-facing string bypasses the message catalogue: a scan of the sources that produce them.

Sinks, and what may reach them: a `msg(...)`/`Msg(...)` call, or a name or attribute that holds
one. A string literal, an f-string, a concatenation, ``.join``/``.format`` or ``str(...)`` reaching
a sink is English that a Korean student would see untranslated.

- every check verdict (``Verdict(fraction, message, ...)``, ``Verdict.passed/failed(message)``)
  in ``harness/checks``, following names assigned in the same function;
- the Keras 2 -> 3 diagnosis rules (``message=``, ``replacement=``);
- the facts an analysis must address (``Fact(..., measured, topic, ...)``) and the judge's message;
- module constants and tables of student text (status lines, marks, notices);
- the student-facing output modules (``report/gradescope.py``, ``report/feedback.py``): no
  sentence-like string literal outside ``msg(...)``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent
CHECKS = sorted((PACKAGE / "checks").glob("*.py"))
MARKERS = {"msg", "Msg"}
STRING_METHODS = {"join", "format", "replace", "strip", "capitalize", "upper", "lower"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_marker(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS


def stringish(node: ast.AST) -> bool:
    """True for an expression that builds plain text."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return stringish(node.left) or stringish(node.right) or isinstance(node.op, ast.Mod)
    if isinstance(node, ast.IfExp):
        return stringish(node.body) or stringish(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(stringish(v) for v in node.values)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in STRING_METHODS:
            return True
        return isinstance(node.func, ast.Name) and node.func.id == "str"
    return False


def _assignments(func: ast.AST, name: str) -> list[ast.AST]:
    out = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            out.append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                and node.target.id == name:
            out.append(node if isinstance(node, ast.AugAssign) else node.value)
    return out


def bypasses(node: ast.AST, scope: ast.AST, seen: frozenset = frozenset()) -> str | None:
    """Why `node`, passed to a sink inside `scope`, is plain text; None when it goes through the catalogue."""
    if _is_marker(node):
        return None
    if stringish(node):
        return f"line {node.lineno}: {ast.unparse(node)[:90]}"
    if isinstance(node, ast.IfExp):
        return bypasses(node.body, scope, seen) or bypasses(node.orelse, scope, seen)
    if isinstance(node, ast.Name) and node.id not in seen:
        for value in _assignments(scope, node.id):
            if isinstance(value, ast.AugAssign):
                return f"line {value.lineno}: `{node.id} += ...` builds text"
            why = bypasses(value, scope, seen | {node.id})
            if why:
                return why
    return None


def verdict_messages(tree: ast.Module) -> list[tuple[ast.AST, ast.AST]]:
    """(message expression, enclosing function) of every Verdict made in `tree`."""
    out = []
    for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
            f = call.func
            message = next((k.value for k in call.keywords if k.arg in ("message", "why")), None)
            if isinstance(f, ast.Name) and f.id == "Verdict" and message is None and len(call.args) >= 2:
                message = call.args[1]
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "Verdict" \
                    and f.attr in ("passed", "failed") and message is None and call.args:
                message = call.args[0]
            elif not (isinstance(f, ast.Name) and f.id == "Verdict") and not (
                    isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "Verdict"):
                continue
            if message is not None and not (isinstance(f, ast.Attribute) and f.attr == "unverified"):
                out.append((message, func))
    return out


def test_the_scan_finds_the_verdicts():
    found = sum(len(verdict_messages(_tree(p))) for p in CHECKS)
    assert found >= 80, found


def test_the_scan_catches_plain_text():
    bad = _tree_of("def f(ctx):\n    text = f'{n} cells'\n    text += ' ran.'\n    return Verdict(1.0, text, {})\n"
                   "def g(ctx):\n    return Verdict.failed('Nothing ran.')\n"
                   "def h(ctx):\n    return Verdict(0.5, '; '.join(parts))\n")
    reasons = [bypasses(m, f) for m, f in verdict_messages(bad)]
    assert all(reasons) and len(reasons) == 3, reasons
    good = _tree_of("def f(ctx):\n    text = msg('{n} cells', n=1) if ctx else msg('none')\n"
                    "    return Verdict(1.0, text, {})\n")
    assert [bypasses(m, f) for m, f in verdict_messages(good)] == [None]


def _tree_of(source: str) -> ast.Module:
    return ast.parse(source)


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.name)
def test_no_verdict_message_bypasses_the_catalogue(path):
    problems = [why for message, func in verdict_messages(_tree(path)) if (why := bypasses(message, func))]
    assert not problems, f"{path.name}: plain text given as a student's message:\n" + "\n".join(problems)


def test_keras2_rules_are_messages():
    tree = _tree(PACKAGE / "execute" / "diagnose.py")
    rules = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "Rule"]
    assert len(rules) >= 16
    for rule in rules:
        for kw in rule.keywords:
            if kw.arg in ("message", "replacement"):
                assert _is_marker(kw.value), f"diagnose.py line {kw.value.lineno}: Rule {kw.arg} is not msg(...)"
    diagnoses = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id in ("_diagnosis",)]
    assert diagnoses and all(not stringish(a) for call in diagnoses for a in call.args[1:3])


def test_analysis_facts_and_judge_speak_through_the_catalogue():
    facts = _tree(PACKAGE / "analysis" / "facts.py")
    calls = [n for n in ast.walk(facts) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "Fact"]
    assert len(calls) >= 20
    for call in calls:
        for arg in call.args[5:7]:
            func = next(f for f in ast.walk(facts) if isinstance(f, ast.FunctionDef)
                        and f.lineno <= call.lineno <= f.end_lineno)
            assert not bypasses(arg, func), f"facts.py line {arg.lineno}: a fact's measured/topic is plain text"
    judge = _tree(PACKAGE / "analysis" / "judge.py")
    message = next(f for f in ast.walk(judge) if isinstance(f, ast.FunctionDef) and f.name == "_message")
    for node in ast.walk(message):
        if isinstance(node, ast.Return):
            assert _is_marker(node.value), f"judge.py line {node.lineno}: _message returns plain text"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            assert all(_is_marker(a) for a in node.args), f"judge.py line {node.lineno}"


STUDENT_CONSTANTS = {
    "checks/context.py": ["INCONSISTENT_RECORD"], "checks/bands.py": ["REVIEW"], "checks/runner.py": ["NO_RESULTS"],
    "cli/grade.py": ["LIMITS_ONLY_NOTICE"], "checks/contract.py": ["_STATUS"],
    "report/gradescope.py": ["_STATUS_LINE"], "report/feedback.py": ["_MARK"],
}


@pytest.mark.parametrize("rel, names", sorted(STUDENT_CONSTANTS.items()))
def test_student_constants_are_messages(rel, names):
    tree = _tree(PACKAGE / rel)
    values = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
              if isinstance(t, ast.Name)}
    for name in names:
        value = values[name]
        items = value.values if isinstance(value, ast.Dict) else [value]
        assert items and all(_is_marker(v) for v in items), f"{rel}: {name} holds plain text"


SENTENCE = __import__("re").compile(r"[A-Za-z]{3,} [A-Za-z]{2,}")


@pytest.mark.parametrize("rel", ["report/gradescope.py", "report/feedback.py"])
def test_output_modules_have_no_sentence_outside_the_catalogue(rel):
    tree = _tree(PACKAGE / rel)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    inside = {id(c) for call in ast.walk(tree) if _is_marker(call) for c in ast.walk(call)}
    loose = [f"line {n.lineno}: {n.value[:60]!r}" for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, str) and SENTENCE.search(n.value)
             and id(n) not in docstrings and id(n) not in inside]
    assert not loose, f"{rel}: text outside msg(...):\n" + "\n".join(loose)
