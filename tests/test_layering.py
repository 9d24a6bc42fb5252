"""The dependency direction of the package holds: no cycles, checks and sandbox apart, nothing imports cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograder"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograder"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("autograder"))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def test_nothing_imports_the_cli():
    importers = [m for m, deps in MODULES.items() if "autograder.cli" in deps]
    assert importers == ["autograder.__main__"]  # `python -m autograder` is the CLI itself


def test_checks_and_sandbox_do_not_import_each_other():
    for module, deps in MODULES.items():
        if module.startswith("autograder.checks"):
            assert not any(d.startswith("autograder.sandbox") for d in deps), module
        if module.startswith("autograder.sandbox"):
            assert not any(d.startswith("autograder.checks") for d in deps), module


def test_no_import_cycles():
    def visit(module: str, stack: tuple[str, ...]) -> None:
        assert module not in stack, " -> ".join((*stack, module))
        for dep in MODULES.get(module, ()):
            if dep in MODULES and dep != module:
                visit(dep, (*stack, module))

    for module in MODULES:
        visit(module, ())


def test_the_grader_never_evals_or_unpickles():
    banned = {"eval", "exec", "sympify", "parse_expr"}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                assert name not in banned, f"{path.name} calls {name}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("pickle", "dill", "cloudpickle") for n in names), path.name
