"""Every `from harness... import name` in the package resolves, including the lazy ones inside functions.

Lazy imports keep start-up fast and keep Keras out of the coordinator, but a renamed function
is then only noticed when that code path runs (a batch once failed every submission this way).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent


def _harness_imports() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("harness"):
                for alias in node.names:
                    found.append((str(rel), node.lineno, node.module, alias.name))
    return found


IMPORTS = _harness_imports()


def test_the_scan_sees_lazy_imports():
    assert len(IMPORTS) > 100
    assert any(mod == "harness.report.submission" and name == "render_submission" for _, _, mod, name in IMPORTS)


@pytest.mark.parametrize("module", sorted({m for _, _, m, _ in IMPORTS}))
def test_imported_names_exist(module):
    mod = importlib.import_module(module)
    missing = [f"{where}:{line}: {name}" for where, line, m, name in IMPORTS
               if m == module and name != "*" and not hasattr(mod, name)
               and not (hasattr(mod, "__path__") and importlib.util.find_spec(f"{module}.{name}"))]
    assert not missing, f"names not found in {module}:\n" + "\n".join(missing)
