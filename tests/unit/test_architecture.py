"""The folder tree is the architecture: stages import downwards only, and nothing imports in a cycle.

Every ``import`` of a ``harness`` module, at the top of a file or inside a function, is an
arrow of the dependency graph. Each module belongs to one layer of `LAYERS` (lowest
first, as ARCHITECTURE.md draws them); an arrow may point to the same or a lower layer,
never up, and the graph of modules has no cycle. Imports inside functions are allowed
only for heavy third-party libraries (`LAZY_OK`), never for the project's own modules.
The in-kernel sources (``harness/execute/inkernel``) are not imported by the grader:
they are sent to the kernel as source text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent
# Lowest first. A module is in the layer of its longest matching prefix.
LAYERS: list[tuple[str, ...]] = [
    ("harness", "harness.errors", "harness.serialize", "harness.untrusted", "harness.machine"),
    ("harness.models", "harness.reference_result", "harness.integrity.models"),
    ("harness.labs", "harness.rubric", "harness.i18n"),
    ("harness.data",),
    ("harness.execute",),
    ("harness.evaluate",),
    ("harness.analysis",),
    ("harness.checks",),
    ("harness.score",),
    ("harness.results",),
    ("harness.lms", "harness.discover"),
    ("harness.report",),
    ("harness.grading",),
    ("harness.batch",),
    ("harness.integrity",),
    ("harness.calibration",),
    ("harness.autograder",),
    ("harness.api",),
    ("harness.measure",),
    ("harness.cli",),
]
# Third-party modules heavy enough to import only where used (Keras/TF take seconds and
# gigabytes; the coordinator process must never load them).
LAZY_OK = ("keras", "tensorflow", "jax", "torch", "distributed", "dask", "pandas", "nbconvert", "reference")
# The reference implementations are run by calibration and timed by the benchmarks; the grader never imports them.
MAY_IMPORT_REFERENCE = ("harness.calibration", "harness.measure")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "inkernel" not in p.parts]


def _resolve(module: str, names: list[str], known: set[str]) -> list[str]:
    """`from a.b import c`: the module a.b.c when it is one, else a.b."""
    out = []
    for name in names:
        sub = f"{module}.{name}"
        out.append(sub if sub in known else module)
    return out


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    files = _files()
    known = {_module_name(p) for p in files}
    edges: dict[str, set[str]] = {m: set() for m in known}
    lazy: list[str] = []
    for path in files:
        me = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                       for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = _resolve(node.module, [a.name for a in node.names], known) \
                    if node.module.startswith("harness") else [node.module]
            else:
                continue
            for target in targets:
                if target.startswith("harness"):
                    edges[me].add(target if target in known else target.rsplit(".", 1)[0])
                if id(node) in in_function and (target.startswith("harness") or
                                                 target.split(".")[0] not in LAZY_OK + _STDLIB_LAZY_OK):
                    lazy.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {target}")
    return edges, lazy


# Standard-library or light modules imported inside a function on purpose: none.
_STDLIB_LAZY_OK: tuple[str, ...] = ()


def layer_of(module: str) -> int:
    best, depth = None, -1
    for n, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = n, prefix.count(".")
    if best is None:
        raise AssertionError(f"{module} is in no layer of tests/unit/test_architecture.py: add it where it belongs")
    return best


EDGES, LAZY = _graph()


def test_the_scan_sees_the_package():
    assert len(EDGES) > 100 and sum(map(len, EDGES.values())) > 300


def test_every_module_has_a_layer():
    for module in EDGES:
        layer_of(module)


def test_no_upward_import():
    up = sorted(f"{a} (layer {layer_of(a)}) -> {b} (layer {layer_of(b)})"
                for a, targets in EDGES.items() for b in targets if b != "harness" and layer_of(b) > layer_of(a))
    assert not up, "imports pointing up the layers:\n" + "\n".join(up)


def test_no_import_cycle():
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(EDGES.get(node, ())):
            if nxt == node or nxt not in EDGES or nxt == "harness":
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(EDGES):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_grader_never_imports_the_references():
    found = []
    for path in _files():
        me = _module_name(path)
        if me.startswith(MAY_IMPORT_REFERENCE):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            found += [f"{me}: {n}" for n in names if n == "reference" or n.startswith("reference.")]
    assert not found, "\n".join(found)


def test_imports_are_at_the_top():
    assert not LAZY, ("imports inside functions (move them to the top; only heavy third-party libraries "
                      f"{LAZY_OK} may be imported where used):\n" + "\n".join(LAZY))


@pytest.mark.parametrize("module", ["harness.api", "harness.cli", "harness.grading", "harness.results"])
def test_the_coordinator_never_imports_keras(module):
    """Importing the API or the CLI loads no deep-learning framework (the batch coordinator stays small)."""
    import subprocess
    import sys

    code = f"import sys, {module}; bad = [m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules]; " \
           "print(','.join(bad)); sys.exit(1 if bad else 0)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, f"{module} imported {done.stdout.strip()} {done.stderr[-500:]}"


def test_the_headless_gpu_entry_needs_no_jupyter():
    """``python -m harness.measure`` runs on GPU images that carry Keras but not the Jupyter stack."""
    import subprocess
    import sys

    code = ("import sys, harness.measure.__main__; bad = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'nbclient', 'jupyter_client', 'nbformat', 'zmq', 'keras', 'tensorflow'}); print(bad); "
            "sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, f"python -m harness.measure imports {done.stdout.strip()} {done.stderr[-500:]}"
