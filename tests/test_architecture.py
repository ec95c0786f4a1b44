"""The shape of the code: layers, no import cycle, no module past 500 lines, no hidden import.

Every module of ``ontology``, ``shapes``, ``graph`` and ``server`` is read with :mod:`ast` (nothing
is imported). Contract:

- no import cycle between modules;
- the packages form layers, each importing only itself and those below it: bench → server →
  graph → shapes → ontology; inside ``server`` the subpackages do too: cli → run → app → views →
  sparql → publish → render → settings/errors/logs (a type or constant two layers need lives in the
  lower one), and every module of ``server`` belongs to one of them;
- every import of a project module names a module that exists;
- no module is longer than 500 lines;
- no function-local import of a project module (the way a cycle gets hidden), but those on
  :data:`LOCAL_IMPORTS`.

The checks are also run on small made-up trees, one violation each, so that each is seen to fail.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The top-level packages, top layer first; ``bench`` is not walked, only forbidden as a target.
PACKAGES = ("bench", "server", "graph", "shapes", "ontology")
WALKED = ("ontology", "shapes", "graph", "server")
#: The layers of ``server``, top first: a module belongs to the layer of its longest prefix.
SERVER_LAYERS = (
    ("server.cli",),
    ("server.run",),
    ("server.app",),
    ("server.views",),
    ("server.sparql",),
    ("server.publish",),
    ("server.render",),
    ("server.settings", "server.errors", "server.logs", "server"),
)
MAX_LINES = 500
#: Modules allowed past MAX_LINES for now, with the reason; an entry that fits fails the test.
OVERSIZE: dict[str, str] = {}
#: (module, imported module) → why a function-local import is right there. Keep it short.
LOCAL_IMPORTS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported project module (or the package a name was imported from)
    line: int
    local: bool  # inside a function
    typing_only: bool  # under ``if TYPE_CHECKING:``


def module_files(root: Path, packages=WALKED) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file under the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from (PEP 328 relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The imports of project modules (those of :data:`PACKAGES`) made by ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, local: bool, typing_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                source = _absolute(module, is_package, node)
                # ``from package import submodule`` imports the submodule; a name, the package.
                targets = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                    for alias in node.names
                ]
            for target in targets:
                if target.split(".")[0] in PACKAGES:
                    found.append(Import(module, target, node.lineno, local, typing_only))
            return
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            guarded = typing_only or (
                isinstance(node, ast.If) and _is_type_checking(node) and child in node.body
            )
            visit(child, inner, guarded)

    visit(tree, False, False)
    return found


def server_layer(module: str) -> int | None:
    """The index of ``module``'s layer in :data:`SERVER_LAYERS`, or None if it has none (the
    package ``server`` itself is its own entry: its modules are not thereby in the bottom layer)."""
    best, best_length = None, -1
    for index, prefixes in enumerate(SERVER_LAYERS):
        for prefix in prefixes:
            inside = prefix != "server" and module.startswith(prefix + ".")
            if (module == prefix or inside) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or a module importing
    itself (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    found.append(sorted(component))
    return found


def problems(root: Path, packages=WALKED, oversize=None, local_imports=None) -> dict[str, list]:
    """Every violation of the contract in the tree at ``root``, by check."""
    oversize = OVERSIZE if oversize is None else oversize
    local_imports = LOCAL_IMPORTS if local_imports is None else local_imports
    files = module_files(root, packages)
    known = set(files)
    imports = [item for name, path in files.items() for item in imports_of(name, path, known)]
    out: dict[str, list] = {
        "cycles": [],
        "upward": [],
        "unlayered": [],
        "missing": [],
        "long": [],
        "local": [],
    }
    edges: dict[str, set[str]] = {name: set() for name in files}
    for item in imports:
        if item.target not in known:
            out["missing"].append(f"{item.module}:{item.line} imports {item.target}")
            continue
        if not item.typing_only and item.target != item.module:
            edges[item.module].add(item.target)
        if item.local and (item.module, item.target) not in local_imports:
            out["local"].append(f"{item.module}:{item.line} imports {item.target} in a function")
        above = PACKAGES.index(item.module.split(".")[0])
        below = PACKAGES.index(item.target.split(".")[0])
        if below < above:
            out["upward"].append(f"{item.module}:{item.line} imports {item.target}")
            continue
        if item.module.startswith("server") and item.target.startswith("server"):
            here, there = server_layer(item.module), server_layer(item.target)
            if here is not None and there is not None and there < here:
                out["upward"].append(f"{item.module}:{item.line} imports {item.target}")
    out["cycles"] = [", ".join(component) for component in cycles(edges)]
    out["unlayered"] = sorted(
        name for name in files if name.startswith("server") and server_layer(name) is None
    )
    for name, path in files.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in oversize:
            out["long"].append(f"{name}: {lines} lines")
        if lines <= MAX_LINES and name in oversize:
            out["long"].append(f"{name}: {lines} lines, no longer needs its OVERSIZE entry")
    return out


# -- the project ----------------------------------------------------------------------------------

FOUND = problems(ROOT)


def test_no_import_cycle():
    assert not FOUND["cycles"], "import cycles:\n" + "\n".join(FOUND["cycles"])


def test_imports_point_down_the_layers():
    assert not FOUND["upward"], "imports pointing up a layer:\n" + "\n".join(FOUND["upward"])


def test_every_server_module_has_a_layer():
    assert not FOUND["unlayered"], f"server modules in no layer: {FOUND['unlayered']}"


def test_every_project_import_names_a_module_that_exists():
    assert not FOUND["missing"], "imports of no module:\n" + "\n".join(FOUND["missing"])


def test_no_module_is_longer_than_500_lines():
    assert not FOUND["long"], "\n".join(FOUND["long"])


def test_no_function_local_import_of_a_project_module():
    assert not FOUND["local"], "function-local imports:\n" + "\n".join(FOUND["local"])


def test_the_walk_sees_the_whole_project():
    """The checks above are vacuous if the walk finds nothing: it sees every layer."""
    files = module_files(ROOT)
    assert {"ontology", "shapes", "graph", "graph.store", "server", "server.app"} <= set(files)
    layers = {server_layer(name) for name in files if name.startswith("server")}
    assert layers == set(range(len(SERVER_LAYERS)))


# -- each check fails on a violation -------------------------------------------------------------


def _tree(root: Path, modules: dict[str, str]) -> Path:
    """Write made-up modules (dotted name → source) under ``root``, with package ``__init__``s."""
    for name, source in modules.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            init = root.joinpath(*parts[:depth], "__init__.py")
            init.parent.mkdir(parents=True, exist_ok=True)
            init.touch()
        path = root.joinpath(*parts).with_suffix(".py")
        if (root.joinpath(*parts)).is_dir():
            path = root.joinpath(*parts, "__init__.py")
        path.write_text(source, encoding="utf-8")
    return root


VIOLATIONS = {
    "cycles": {
        "server.publish.a": "from server.publish import b\n",
        "server.publish.b": "import server.publish.a\n",
    },
    "upward": {
        "server.render.page": "from server.views.http import represent\n",
        "server.views.http": "represent = None\n",
    },
    "unlayered": {"server.loose": "VALUE = 1\n"},
    "missing": {"server.views.http": "from server.sparql_engine import Job\n"},
    "long": {"graph.big": "VALUE = 1\n" * (MAX_LINES + 1)},
    "local": {
        "server.publish.a": "def f():\n    from server.publish import b\n    return b\n",
        "server.publish.b": "VALUE = 1\n",
    },
}


@pytest.mark.parametrize("check", sorted(VIOLATIONS))
def test_each_check_fails_on_its_violation(tmp_path, check):
    """A made-up tree with one violation fails that check and no other."""
    root = _tree(tmp_path, VIOLATIONS[check])
    found = problems(root, packages=("server", "graph"), oversize={}, local_imports={})
    assert found[check], found
    assert not any(items for name, items in found.items() if name != check), found


def test_package_order_is_checked(tmp_path):
    root = _tree(tmp_path, {"graph.x": "import server.errors\n", "server.errors": "X = 1\n"})
    found = problems(root, packages=("server", "graph"), oversize={}, local_imports={})
    assert found["upward"] == ["graph.x:1 imports server.errors"]


def test_type_checking_imports_count_for_layers_not_cycles(tmp_path):
    guarded = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from server.views import {}\n"
    )
    root = _tree(
        tmp_path,
        {"server.views.a": "from server.views import b\n", "server.views.b": guarded.format("a")},
    )
    found = problems(root, packages=("server",), oversize={}, local_imports={})
    assert not found["cycles"]
    root = _tree(
        tmp_path / "up", {"server.render.a": guarded.format("b"), "server.views.b": "X = 1\n"}
    )
    found = problems(root, packages=("server",), oversize={}, local_imports={})
    assert found["upward"]
