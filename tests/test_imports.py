"""The package's import graph, read with ``ast``: no cycles, detectors never see the store.

Every import counts, at module level or inside a function (a deferred
import only hides a cycle), except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import collusion

PACKAGE = Path(collusion.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules that ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules and name != own}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph.get(name, ())):
            # A package's __init__ importing its own submodules is not a cycle.
            if target.startswith(name + "."):
                continue
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()) or [])


def detectors_importing_the_store(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        name
        for name, targets in graph.items()
        if name.startswith("collusion.detectors")
        and any(t == "collusion.store" or t.startswith("collusion.store.") for t in targets)
    )


def test_no_detector_imports_the_store():
    assert detectors_importing_the_store(import_graph()) == []


def test_the_migrations_do_not_import_the_store():
    assert "collusion.store" not in import_graph()["collusion.migrations"]


def test_the_checks_catch_what_they_guard():
    """A planted cycle (through a deferred import) and a planted store import are found."""
    graph = import_graph()
    assert "collusion.minhash" in graph and "collusion.store.queries" in graph
    # collusion.store is a package of re-exports; its queries module imports minhash.
    graph["collusion.minhash"] = {"collusion.store.queries"}
    cycle = find_cycle(graph)
    assert cycle is not None and "collusion.minhash" in cycle
    graph = import_graph()
    graph["collusion.detectors.cross_project"].add("collusion.store")
    assert detectors_importing_the_store(graph) == ["collusion.detectors.cross_project"]


def test_deferred_imports_count():
    """nightly imports the scan pipeline inside a function: still an edge."""
    assert "collusion.scan" in import_graph()["collusion.nightly"]
