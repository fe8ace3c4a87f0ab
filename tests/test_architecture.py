"""The package's seams, read from the source: private names, import cycles and layers.

Every module of ``talkwidgets/`` is parsed (never imported) and its imports and attribute accesses
are checked against three rules. Imports count wherever they are written: at module level, inside
``if TYPE_CHECKING:`` and inside functions. Each failure names every offending module and line.

**Private names.** A name whose last part starts with one underscore (``_call``, ``_loop``) and is
not a dunder (``__version__``, ``__init__``) is private to the module that defines it. A module
violates the rule when it

- imports such a name from another of our modules (``from ._session import _Poller``),
- imports a private module (a path part with a leading underscore, ``session/_uploads.py``) from
  outside the package that contains it (``from ..session._uploads import probe_file``, in
  ``widgets/``); siblings in the same package may import each other, or
- reads or writes ``expr._name`` where ``expr`` is not ``self``, ``cls``, ``super()`` or a class
  defined in the same module (``self._session._call(...)``, ``session._loop``). The receiver's type
  is not resolved: any other receiver counts, whatever object it holds at run time.

**No import cycles** among our modules. An import of ``pkg.mod`` is an edge to that module (and
``from pkg import name`` to ``pkg.name`` when that is a module, else to ``pkg``); the implicit
execution of parent packages' ``__init__`` is not an edge.

**Layers** (DESIGN.md): ``model`` imports nothing else of ours; ``emulator`` imports neither the
session, the widgets, the transport nor the package root (the root re-exports the session);
``transport`` imports neither the session, the widgets nor the root; ``widgets`` import neither the
emulator nor the transport.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

PACKAGE = "talkwidgets"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


@dataclass(frozen=True)
class Module:
    name: str
    """Dotted name, e.g. ``talkwidgets.session._core``."""
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        """The package that contains this module (a package's ``__init__`` is its own package)."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"


@dataclass(frozen=True)
class Import:
    target: str
    """The imported module, dotted (resolved from relative imports)."""
    names: tuple[str, ...]
    """For ``from target import a, b``: ``("a", "b")``; empty for ``import target``."""
    node: ast.AST


def load_modules() -> dict[str, Module]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return modules


MODULES = load_modules()


def imports_of(module: Module) -> Iterator[Import]:
    """Every import of one of our modules, anywhere in ``module`` (TYPE_CHECKING and functions too)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    yield Import(alias.name, (), node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                yield Import(target, tuple(a.name for a in node.names), node)


def edges_of(imp: Import) -> set[str]:
    """The modules an import executes: ``from pkg import sub`` reaches ``pkg.sub`` when it is a module."""
    if not imp.names:
        return {imp.target}
    out = set()
    for name in imp.names:
        sub = f"{imp.target}.{name}"
        out.add(sub if sub in MODULES else imp.target)
    return out


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_name_violations(module: Module) -> list[str]:
    found = []
    for imp in imports_of(module):
        parts = imp.target.split(".")
        for depth, part in enumerate(parts):
            if is_private(part):
                owner = ".".join(parts[:depth])  # the package the private module belongs to
                if module.package != owner:
                    found.append(f"{module.where(imp.node)}: imports private module {imp.target}")
                break
        for name in imp.names:
            if is_private(name):
                found.append(f"{module.where(imp.node)}: imports private name {name} from {imp.target}")
    own_classes = {node.name for node in module.tree.body if isinstance(node, ast.ClassDef)}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            receiver = node.value
            if isinstance(receiver, ast.Name) and receiver.id in ({"self", "cls"} | own_classes):
                continue
            if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
                continue
            found.append(f"{module.where(node)}: uses {ast.unparse(node)} (a private name of another object)")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    found = [v for module in MODULES.values() for v in private_name_violations(module)]
    assert not found, "private names used across modules:\n" + "\n".join(found)


def import_graph() -> dict[str, dict[str, str]]:
    """module -> {imported module: where}."""
    graph: dict[str, dict[str, str]] = {name: {} for name in MODULES}
    for module in MODULES.values():
        for imp in imports_of(module):
            for target in edges_of(imp):
                if target in MODULES and target != module.name:
                    graph[module.name].setdefault(target, module.where(imp.node))
    return graph


def strongly_connected(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other (directly or not)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def shortest_cycles(graph: dict[str, dict[str, str]], group: list[str]) -> list[list[str]]:
    """Shortest cycles through the modules of a cyclic group, enough to show each import in one."""
    members = set(group)
    cycles: dict[frozenset[tuple[str, str]], list[str]] = {}
    for start in group:
        previous: dict[str, str] = {}
        frontier = [start]
        found = False
        while frontier and not found:
            following = []
            for node in frontier:
                for nxt in sorted(graph[node]):
                    if nxt not in members:
                        continue
                    if nxt == start:
                        path = [node]
                        while path[-1] != start:
                            path.append(previous[path[-1]])
                        cycle = [*reversed(path), start]
                        cycles.setdefault(frozenset(pairwise(cycle)), cycle)
                        found = True
                        break
                    if nxt not in previous:
                        previous[nxt] = node
                        following.append(nxt)
                if found:
                    break
            frontier = following
    kept: list[list[str]] = []
    covered: set[tuple[str, str]] = set()
    for cycle in sorted(cycles.values(), key=len):  # skip cycles whose every import is already shown
        edges = set(pairwise(cycle))
        if not edges <= covered:
            kept.append(cycle)
            covered |= edges
    return kept


def test_no_import_cycles() -> None:
    graph = import_graph()
    lines = []
    for group in strongly_connected(graph):
        lines.append(f"{len(group)} modules import each other: " + ", ".join(group))
        for cycle in shortest_cycles(graph, group):
            lines.append("  cycle: " + " -> ".join(cycle))
            lines.extend(f"    {graph[a][b]}: {a} -> {b}" for a, b in pairwise(cycle))
    assert not lines, "import cycles:\n" + "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": "a:1"}, "b": {"c": "b:1", "a": "b:2"}, "c": {"a": "c:1"}, "d": {"a": "d:1"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert sorted(shortest_cycles(graph, ["a", "b", "c"])) == [["a", "b", "a"], ["c", "a", "b", "c"]]


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "root"


FORBIDDEN = {
    "model": {"root", "session", "widgets", "transport", "emulator", "__main__"},
    "emulator": {"root", "session", "widgets", "transport", "__main__"},
    "transport": {"root", "session", "widgets", "emulator", "__main__"},
    "widgets": {"root", "emulator", "transport", "__main__"},
}
"""Layer -> layers it must not import (``root`` is ``talkwidgets/__init__.py``)."""


@pytest.mark.parametrize("lower", sorted(FORBIDDEN))
def test_layers_import_only_downwards(lower: str) -> None:
    found = []
    for name, targets in import_graph().items():
        if layer(name) != lower:
            continue
        for target, where in sorted(targets.items()):
            if layer(target) in FORBIDDEN[lower]:
                found.append(f"{where}: {name} imports {target} ({lower} must not import {layer(target)})")
    assert not found, f"layer violations in {lower}/:\n" + "\n".join(found)


def test_the_rules_see_what_they_must() -> None:
    """The checks themselves: each rule flags a planted example and passes a clean one."""
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "from ..session._core import _secret\n"
        "if TYPE_CHECKING:\n"
        "    from ..session import _session\n"
        "class Local:\n"
        "    _hidden = 1\n"
        "    def f(self, other):\n"
        "        import talkwidgets.transport._x\n"
        "        return self._a, Local._hidden, super()._b, other._c, other.__dict__\n"
    )
    module = Module("talkwidgets.widgets.example", ROOT / "widgets" / "example.py", ast.parse(source))
    found = private_name_violations(module)
    assert any("private module talkwidgets.session._core" in v for v in found)
    assert any("private name _secret" in v for v in found)
    assert any("private name _session" in v for v in found)
    assert any("private module talkwidgets.transport._x" in v for v in found)
    assert any("other._c" in v for v in found)
    assert not any(s in v for v in found for s in ("self._a", "Local._hidden", "_b", "__dict__"))
    assert len(found) == 5, found
    assert {i.target for i in imports_of(module)} == {
        "talkwidgets.session._core",
        "talkwidgets.session",
        "talkwidgets.transport._x",
    }
