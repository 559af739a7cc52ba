"""The layers import downwards only: no import cycle, the builder never imports the server or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph_build", "server", "gaoxin_kg")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """List the project modules a file imports, at the top or inside functions (relative imports resolved)."""
    name, found = module_name(path), set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not (node.module or "").startswith("__future__"):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    """Map every project module to the project modules it imports (an imported name that is no module counts as its module)."""
    paths = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    edges = {}
    for name, path in paths.items():
        edges[name] = {m if m in paths else m.rsplit(".", 1)[0] for m in imports(path)} & set(paths) - {name}
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle, or None (ignoring a package's import of its own submodules through __init__)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle() -> None:
    assert cycle(graph()) is None


def test_the_checker_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(("lower", "upper"), [("graph_build", "server"), ("graph_build", "gaoxin_kg"), ("server", "gaoxin_kg")])
def test_a_lower_layer_never_imports_a_higher_one(lower: str, upper: str) -> None:
    offending = {name: sorted(t for t in targets if t.startswith(upper)) for name, targets in graph().items() if name.startswith(lower)}
    assert {name: targets for name, targets in offending.items() if targets} == {}
