"""The import graph of ``warehouse.ml`` (built by grimp, which also sees imports inside functions):
no cycle, the engine below the SQL front end, and the model types reached only through the table."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import grimp
import pytest

import warehouse.ml

PACKAGE = "warehouse.ml"
MODELS = "warehouse.ml.models"
ROOT = Path(warehouse.ml.__file__).parent


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("warehouse", cache_dir=None)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as [a, b, ..., a], or None (iterative depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    for start in sorted(edges):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(edges[start]))]
        state[start] = "open"
        while stack:
            successor = next(stack[-1], None)
            if successor is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(successor) == "open":
                return [*path[path.index(successor) :], successor]
            elif successor not in state:
                state[successor] = "open"
                path.append(successor)
                stack.append(iter(sorted(edges.get(successor, set()))))
    return None


def test_find_cycle_finds_one_and_only_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]


def test_no_import_cycle_inside_warehouse_ml(graph: grimp.ImportGraph) -> None:
    modules = {m for m in graph.modules if _inside(m, PACKAGE)}
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m) if t in modules} for m in modules}
    assert len(modules) > 20  # the graph really holds the package
    assert find_cycle(edges) is None


def test_no_import_cycle_between_the_parts_of_any_package(graph: grimp.ImportGraph) -> None:
    """Inside each package, its modules and subpackages (each taken whole) import each other without a
    cycle: registry -> preprocessing -> registry would be one, even with no cycle between modules."""
    modules = {m for m in graph.modules if _inside(m, PACKAGE)}
    packages = {m.rsplit(".", 1)[0] for m in modules if m != PACKAGE}
    assert {"warehouse.ml", "warehouse.ml.models", "warehouse.ml.preprocessing"} <= packages
    cycles = {}
    for package in sorted(packages):

        def part(module: str, package: str = package) -> str:
            return package + "." + module[len(package) + 1 :].split(".")[0]

        inside = {m for m in modules if _inside(m, package) and m != package}
        edges: dict[str, set[str]] = {part(m): set() for m in inside}
        for m in inside:
            edges[part(m)] |= {
                part(t)
                for t in graph.find_modules_directly_imported_by(m)
                if t in inside and part(t) != part(m)
            }
        cycle = find_cycle(edges)
        if cycle:
            cycles[package] = cycle
    assert cycles == {}


def test_the_engine_does_not_import_the_sql_front_end(graph: grimp.ImportGraph) -> None:
    """The front end (warehouse.sql) calls the engine; the engine gets what it needs as arguments."""
    reached = {
        (m, t)
        for m in graph.modules
        if _inside(m, PACKAGE)
        for t in graph.find_modules_directly_imported_by(m)
        if _inside(t, "warehouse.sql")
    }
    assert reached == set()


def test_only_the_types_table_imports_the_model_types(graph: grimp.ImportGraph) -> None:
    generic = {m for m in graph.modules if _inside(m, PACKAGE) and not _inside(m, MODELS)}
    importers = {m for m in generic for t in graph.find_modules_directly_imported_by(m) if _inside(t, MODELS)}
    assert importers == {"warehouse.ml.types"}


def test_a_model_type_imports_no_other_model_type(graph: grimp.ImportGraph) -> None:
    """A type's folder may use a family folder (models/glm), never another type's folder."""
    folders = {m.split(".")[3] for m in graph.modules if _inside(m, MODELS) and m != MODELS}
    types = {f for f in folders if hasattr(importlib.import_module(f"{MODELS}.{f}"), "MODEL_TYPE")}
    assert types == {
        "kmeans",
        "linear_reg",
        "logistic_reg",
        "pca",
        "boosted_tree_classifier",
        "boosted_tree_regressor",
        "random_forest_classifier",
        "random_forest_regressor",
        "dnn_classifier",
        "dnn_regressor",
    }
    assert {"glm", "trees", "dnn"} <= folders
    crossing = {
        (m, t)
        for m in graph.modules
        if _inside(m, MODELS) and m != MODELS
        for t in graph.find_modules_directly_imported_by(m)
        if _inside(t, MODELS) and t.split(".")[3] in types - {m.split(".")[3]}
    }
    assert crossing == set()


def test_no_import_inside_a_function() -> None:
    """In-repo imports are plain top-level imports (an import in a function can hide a cycle)."""
    nested = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                nested += [
                    f"{path.relative_to(ROOT)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert nested == []
