"""The server's modules import each other without a cycle, and the layers keep their direction.

Every ``import`` and ``from ... import`` statement is read with ast, also those inside
functions (a lazy import hides a cycle, it does not remove it). The graph runs from a
module to the project modules it names; a package's ``__init__`` counts only when it
is named itself (``from . import create_app``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PROJECT = ("server", "graph_build", "gaoxin_kg")


def module_name(path: Path) -> str:
    """Name the module a file under the repository root defines."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_of(package: str) -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def is_package(module: str) -> bool:
    return (ROOT / Path(*module.split(".")) / "__init__.py").exists()


def imported(module: str, tree: ast.AST, known: set[str]) -> set[str]:
    """Return the project modules a module's import statements name, wherever the statements stand."""
    found: set[str] = set()
    package = module if is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            target = ".".join(part for part in (base, node.module or "") if part)
            found |= {f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target for alias in node.names}
    return {name for name in found if name.split(".")[0] in PROJECT}


def import_graph(packages: tuple[str, ...] = PROJECT) -> dict[str, set[str]]:
    """Map every module of the packages to the project modules it imports."""
    files = {name: path for package in packages for name, path in modules_of(package).items()}
    known = set(files)
    return {name: imported(name, ast.parse(path.read_text(encoding="utf-8")), known) for name, path in files.items()}


def cycle(graph: dict[str, set[str]], within: str) -> list[str] | None:
    """Return one import cycle among the modules of a package, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for other in sorted(graph.get(module, ())):
            if not other.startswith(within) or state.get(other) == 2:
                continue
            if state.get(other) == 1:
                return path[path.index(other) :] + [other]
            found = visit(other)
            if found:
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module.startswith(within) and module not in state and (found := visit(module)):
            return found
    return None


def test_the_reader_sees_imports_inside_functions() -> None:
    tree = ast.parse("def f():\n    from . import remote\n    import graph_build.iris\n")
    assert imported("server.executor", tree, {"server.remote", "server.executor"}) == {"server.remote", "graph_build.iris"}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"server.a": {"server.b"}, "server.b": {"server.a"}}, "server") == ["server.a", "server.b", "server.a"]


def test_server_modules_import_each_other_without_a_cycle() -> None:
    found = cycle(import_graph(("server",)), "server")
    assert found is None, " → ".join(found or ())


@pytest.mark.parametrize(("package", "forbidden"), [("server", "gaoxin_kg"), ("graph_build", "server")])
def test_layers_import_in_one_direction(package: str, forbidden: str) -> None:
    offenders = {module: sorted(n for n in names if n.split(".")[0] == forbidden) for module, names in import_graph((package,)).items()}
    assert {module: names for module, names in offenders.items() if names} == {}
