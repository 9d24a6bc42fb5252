"""The dependency direction of the package holds: layers in rank order, no cycles, checks and sandbox
apart, nothing imports cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograder"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("autograder")
        ):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("autograder"))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


# Each module's layer: a module imports only from lower layers, or from its own subpackage.
RANKS = {
    "autograder": 0,
    "autograder.errors": 0,
    "autograder.models": 1,
    "autograder.schema": 2,
    "autograder.codec": 2,
    "autograder.secret": 2,  # the course secret and the hidden seeds derived from it
    "autograder.names": 2,  # safe file names for untrusted ids
    "autograder.checks": 3,
    "autograder.sandbox": 3,
    "autograder.gradebook": 3,
    "autograder.submission": 3,
    "autograder.spec": 4,
    "autograder.prepare": 4,
    "autograder.public": 5,
    "autograder.grader": 5,
    "autograder.release": 5,
    "autograder.mistake": 5,  # a known-wrong variant spliced into the reference
    "autograder.batch": 6,
    "autograder.validate": 6,
    "autograder.report": 6,
    "autograder.export": 6,
    "autograder.history": 6,
    "autograder.selfcheck": 6,
    "autograder.mutate": 6,  # mutants of the reference, graded to prove the checks
    "autograder.distributed": 7,  # the batch, sent to a cluster
    "autograder.cli": 8,
    "autograder.__main__": 9,
}


def layer(module: str) -> str:
    """The RANKS key a module belongs to: itself, or its subpackage (autograder.checks.tensor → checks)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_every_module_has_a_layer():
    assert sorted(m for m in MODULES if layer(m) not in RANKS) == []


def test_imports_point_down_the_layers():
    wrong = []
    for module, deps in MODULES.items():
        for dep in deps:
            here, there = layer(module), layer(dep)
            if here == there and here != "autograder":
                continue  # inside one subpackage; cycles are caught below
            if dep != "autograder" and RANKS.get(there, 99) >= RANKS.get(here, -1):
                wrong.append(
                    f"{module} (layer {RANKS.get(here)}) imports {dep} (layer {RANKS.get(there)})"
                )
    assert wrong == []


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
                assert not any(
                    n.split(".")[0] in ("pickle", "dill", "cloudpickle") for n in names
                ), path.name
