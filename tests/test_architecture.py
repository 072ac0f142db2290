"""The shape of the package, read from its source with ``ast``.

The stages import downwards only (``STAGES``: a module imports its own
stage's modules and lower stages'), no import cycle (imports inside functions
count: a lazy import hides a cycle, it does not remove it; imports under ``if
TYPE_CHECKING:`` do not run and do not count), no detector imports the
store, only the CLI imports click, at most MAX_TOP_LEVEL_MODULES modules at
the top of the package and no module over MAX_MODULE_LINES.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "collusion"
MAX_MODULE_LINES = 700  # past this a module usually holds several stages
MAX_TOP_LEVEL_MODULES = 12  # past this, modules side by side hide the stages
# The pipeline's stages, lowest first. The base is what every stage shares:
# the data passed between stages, the settings (every stage's settings module
# too: the root Settings gathers them), the errors, the history's protocol,
# the keys values are compared by, and the words and legal clauses alerts
# are written in.
BASE = ("errors", "models", "settings", "history", "keys", "labels", "basis")
STAGES = (
    "base",
    "runtime",
    "project",
    "extract",
    "analysis",
    "detectors",
    "scoring",
    "report",
    "scan",
    "store",
    "nightly",
    "cli",
)
# Import edges allowed to close a cycle. Empty: store <-> migrations was
# removed by the store rework before this test was written.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(path: Path) -> set[str]:
    """Every module name imported anywhere in the file (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for inner in ast.walk(node)
    }
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from pkg import mod`` is ``pkg.mod``)."""
    known = modules()
    graph = {}
    for name, path in known.items():
        names = imported_names(path)
        targets = {n for n in names if n in known}
        # ``from collusion.x import y``: y is a module (an edge to it) or a name
        # of x (an edge to x); drop x when every name taken from it is a module.
        for n in list(targets):
            children = {t for t in names if t.startswith(n + ".") and "." not in t[len(n) + 1 :]}
            if children and children <= known.keys() and not _takes_names_from(path, n):
                targets.discard(n)
        targets.discard(name)
        graph[name] = targets
    return graph


def _takes_names_from(path: Path, module: str) -> bool:
    """Whether the file imports ``module`` itself or a non-module name from it."""
    known = modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == module for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == module and not node.level:
            if any(f"{module}.{a.name}" not in known for a in node.names):
                return True
    return False


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def stage_of(module: str) -> str:
    """The stage a module belongs to: its folder (or top-level module) under collusion."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE or parts[-1] == "settings":
        return "base"
    return "cli" if parts[1] == "__main__" else parts[1]


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a module to a module of a higher stage."""
    rank = {stage: i for i, stage in enumerate(STAGES)}
    return sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if target.startswith("collusion") and rank[stage_of(target)] > rank[stage_of(source)]
    )


def test_every_module_has_a_stage():
    assert {stage_of(m) for m in import_graph()} <= set(STAGES)


def test_stages_import_downwards_only():
    assert upward_imports(import_graph()) == []


def test_a_wrong_way_import_would_be_found():
    """A planted import of the report by the extraction stage is found."""
    graph = import_graph()
    graph["collusion.extract.pdf"] = graph["collusion.extract.pdf"] | {"collusion.report.build"}
    assert upward_imports(graph) == [("collusion.extract.pdf", "collusion.report.build")]


def test_few_modules_at_the_top():
    top = [p for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(p.name for p in top)


def test_the_graph_is_read():
    graph = import_graph()
    assert "collusion.store" in graph["collusion.cli"] or any(
        "collusion.store" in graph[m] for m in graph
    )
    # ``from package import module`` is an edge to the module.
    assert "collusion.detectors.company_link" in graph["collusion.detectors"]


def test_no_import_cycle():
    graph = {
        m: {t for t in ts if (m, t) not in KNOWN_CYCLE_EDGES} for m, ts in import_graph().items()
    }
    assert cycles(graph) == []


def test_a_cycle_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def detectors_importing_the_store(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    offenders = {
        m: sorted(t for t in targets if t.startswith(("collusion.store", "collusion.store.pgdb")))
        for m, targets in graph.items()
        if m.startswith("collusion.detectors")
    }
    return {m: t for m, t in offenders.items() if t}


def test_no_detector_imports_the_store():
    assert detectors_importing_the_store(import_graph()) == {}


def test_only_the_cli_imports_click():
    users = sorted(
        name
        for name, path in modules().items()
        if any(n == "click" or n.startswith("click.") for n in imported_names(path))
    )
    assert users and all(u == "collusion.cli" or u.startswith("collusion.cli.") for u in users)


def test_no_module_over_the_line_limit():
    root = PACKAGE.parent
    over = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules().values()
    }
    over = {p: n for p, n in over.items() if n > MAX_MODULE_LINES}
    assert over == {}


def test_the_migrations_do_not_import_the_store():
    assert not any(
        t.startswith("collusion.store") for t in import_graph()["collusion.store.migrations"]
    )


def test_deferred_imports_count():
    """nightly imports the scan pipeline inside a function: still an edge."""
    assert "collusion.scan" in import_graph()["collusion.nightly.run"]


def test_the_checks_catch_what_they_guard():
    """A planted cycle through the real graph, and a planted store import, are found."""
    graph = import_graph()
    assert "collusion.analysis.minhash" in graph["collusion.store.queries"]
    graph["collusion.analysis.minhash"] = graph["collusion.analysis.minhash"] | {
        "collusion.store.queries"
    }
    assert any("collusion.analysis.minhash" in cycle for cycle in cycles(graph))
    graph = import_graph()
    graph["collusion.detectors.cross_project"].add("collusion.store")
    assert detectors_importing_the_store(graph) == {
        "collusion.detectors.cross_project": ["collusion.store"]
    }


# ---------------------------------------------------------------------------
# The store owns the database: its SQL and its drivers' exceptions
# ---------------------------------------------------------------------------

STORE = "collusion.store"
DRIVERS = ("sqlite3", "psycopg", "psycopg2", "apsw")
# SQL as this code writes it: upper-case keywords in their statement shapes.
SQL_TEXT = re.compile(
    r"\bSELECT\b[^;]{0,300}?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|DROP)\s+(?:TABLE|INDEX|UNIQUE\s+INDEX)\b|\bALTER\s+TABLE\b|\bPRAGMA\s+\w+"
    r"|\bBEGIN(?:\s+IMMEDIATE)?\s*$|\bSAVEPOINT\b|\bON\s+CONFLICT\b"
)
# Calls that hand SQL to a connection.
SQL_CALLS = {"execute", "executemany", "executescript"}


def outside_the_store() -> dict[str, str]:
    """Module name -> source, for every module outside collusion/store/."""
    return {
        name: path.read_text(encoding="utf-8")
        for name, path in modules().items()
        if name != STORE and not name.startswith(STORE + ".")
    }


def sql_outside_the_store(sources: dict[str, str]) -> dict[str, list[str]]:
    """Where a module writes SQL text or hands a statement to a connection."""
    found: dict[str, list[str]] = {}
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL_TEXT.search(node.value):
                    found.setdefault(name, []).append(f"line {node.lineno}: SQL text")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in SQL_CALLS:
                    found.setdefault(name, []).append(f"line {node.lineno}: .{node.func.attr}()")
    return found


def drivers_named_outside_the_store(sources: dict[str, str]) -> dict[str, list[str]]:
    """Where a module imports a database driver or names one of its exceptions."""
    found: dict[str, list[str]] = {}
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            hits = []
            if isinstance(node, ast.Import):
                hits = [a.name for a in node.names if a.name.split(".")[0] in DRIVERS]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DRIVERS:
                hits = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute) and node.attr[:1].isupper():  # a class
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in DRIVERS:
                    hits = [f"{base.id}….{node.attr}"]
            found.setdefault(name, []).extend(f"line {node.lineno}: {h}" for h in hits)
    return {name: hits for name, hits in found.items() if hits}


def test_no_sql_outside_the_store():
    assert sql_outside_the_store(outside_the_store()) == {}


def test_no_driver_exception_outside_the_store():
    assert drivers_named_outside_the_store(outside_the_store()) == {}


def test_the_store_checks_catch_a_planted_violation():
    """nightly running its own query and catching sqlite3's error by name is found."""
    sources = outside_the_store()
    assert sql_outside_the_store(sources) == {}
    sources["collusion.nightly.planted"] = (
        "import sqlite3\n"
        "def known(db):\n"
        "    try:\n"
        "        return db.conn.execute('SELECT folder, manifest_hash FROM inbox_projects')\n"
        "    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):\n"
        "        return None\n"
        "def mark(db):\n"
        "    db.query(f'UPDATE runs SET status = {1!r}')\n"
    )
    assert sql_outside_the_store(sources) == {
        "collusion.nightly.planted": [
            "line 4: .execute()",
            "line 4: SQL text",
            "line 8: SQL text",
        ]
    }
    assert drivers_named_outside_the_store(sources) == {
        "collusion.nightly.planted": [
            "line 1: sqlite3",
            "line 5: sqlite3….OperationalError",
            "line 5: psycopg….UndefinedTable",
        ]
    }
    # The store itself is where both belong.
    inside = {n: p.read_text(encoding="utf-8") for n, p in modules().items() if n.startswith(STORE)}
    assert sql_outside_the_store(inside) and drivers_named_outside_the_store(inside)
