"""The emulator's layering, read from the source: storage and domain code knows nothing of HTTP,
and no two emulator modules import each other in a circle (type-only imports included).

Imports are read with ``ast`` (not by importing), so what a module itself depends on is checked,
apart from what its parent package's ``__init__`` happens to load.
"""

from __future__ import annotations

import ast
from pathlib import Path

import talkwidgets.emulator

EMULATOR = Path(talkwidgets.emulator.__file__).parent
PACKAGE_ROOT = EMULATOR.parent.parent
WEB_FRAMEWORKS = ("starlette", "uvicorn")
DOMAIN = (
    "store",  # the whole package: storage, queries, rules, rendering, changes
    "errors",
    "principal",
    "validate",
    "json_input",
    "openapi",
    "bodies",
    "reaction_emoji",
    "presence",
    "typing_state",
    "feed_ops",
    "clock",
    "config",
    "seed",
    "hub",
    "instance",
    "webhooks",
)
"""Modules (and packages) that must work without the web framework."""


def module_files() -> dict[str, tuple[Path, bool]]:
    """``dotted name -> (file, is package)`` for every module of ``talkwidgets``."""
    found = {}
    for path in (PACKAGE_ROOT / "talkwidgets").rglob("*.py"):
        parts = list(path.relative_to(PACKAGE_ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = module_files()


def imports_of(name: str) -> set[str]:
    """Absolute names imported by a module: submodules where they exist, else the module named."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return found - {name}


def is_domain(name: str) -> bool:
    return any(name == f"talkwidgets.emulator.{d}" or name.startswith(f"talkwidgets.emulator.{d}.") for d in DOMAIN)


def test_storage_and_domain_code_imports_nothing_from_the_web_framework() -> None:
    domain = sorted(m for m in MODULES if is_domain(m))
    assert "talkwidgets.emulator.store.storage" in domain and "talkwidgets.emulator.store.rules" in domain
    offenders = []
    for start in domain:
        seen, todo = {start}, [start]
        while todo:  # everything the module reaches inside talkwidgets, directly or not
            for dep in imports_of(todo.pop()):
                if dep.split(".")[0] in WEB_FRAMEWORKS:
                    offenders.append(f"{start} reaches {dep}")
                elif dep in MODULES and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
    assert offenders == []


def test_emulator_modules_import_each_other_without_circles() -> None:
    emulator = {m for m in MODULES if m.startswith("talkwidgets.emulator")}
    graph = {m: {d for d in imports_of(m) if d in emulator} for m in emulator}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                circles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert circles == []
