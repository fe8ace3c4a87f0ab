"""``talkwidgets serve`` loads no client code, and every public name still imports (lazily).

The serve test runs the real command under ``python -X importtime``, talks to it over a real
socket, stops it, and reads from the import log every module the process ever loaded.
"""

from __future__ import annotations

import ast
import importlib
import json
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

import talkwidgets

TIMEOUT = 30  # only to avoid hanging
CLIENT_MODULES = ("talkwidgets.session", "talkwidgets.widgets", "talkwidgets.transport", "anywidget", "ipywidgets")
PACKAGE_INIT = Path(talkwidgets.__file__)
LISTENING = re.compile(r"Uvicorn running on (http://\S+)")


def is_client_module(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in CLIENT_MODULES)


def imported_modules(importtime_log: str) -> set[str]:
    """Module names from ``-X importtime`` lines (``import time: self | cumulative | name``)."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines() if line.startswith("import time:")}


def test_serve_loads_no_client_code() -> None:
    key = "sk_test_serve_imports_" + "k" * 40
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "talkwidgets", "serve", "--port", "0"]
        + ["--log-level", "info", "--secret-key", key, "--app-id", "imports"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    log: list[str] = []
    try:
        base_url = None
        deadline = time.monotonic() + TIMEOUT
        while base_url is None:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            assert line is not None, "talkwidgets serve exited before listening:\n" + "".join(log)
            log.append(line)
            found = LISTENING.search(line)
            base_url = found.group(1) if found else None
        # exercise the routes a client reaches first, so lazily imported code shows up in the log too
        with httpx.Client(base_url=base_url, timeout=TIMEOUT) as http:
            assert http.get("/_emulator/health").json()["ok"] is True
            headers = {"Authorization": f"Bearer {key}"}
            assert http.put("/v1/imports/users/ann", json={"name": "Ann"}, headers=headers).status_code == 200
            assert http.get("/v1/imports/users/ann", headers=headers).json()["name"] == "Ann"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(TIMEOUT)
        reader.join(TIMEOUT)
    while (line := lines.get_nowait()) is not None:
        log.append(line)

    loaded = imported_modules("".join(log))
    assert {"talkwidgets.emulator.app", "talkwidgets.emulator.store", "uvicorn"} <= loaded, "import log not read"
    assert sorted(m for m in loaded if is_client_module(m)) == []


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_package_loads_only_its_version() -> None:
    out = run_python(
        """
        import json, sys
        import talkwidgets
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("talkwidgets"))))
        """
    )
    assert json.loads(out) == ["talkwidgets", "talkwidgets.__about__"]


def test_every_public_name_imports_in_a_fresh_process() -> None:
    out = run_python(
        """
        import json
        import talkwidgets

        names = list(talkwidgets.__all__)
        for name in names:
            exec(f"from talkwidgets import {name}")
        star = {}
        exec("from talkwidgets import *", star)
        print(json.dumps({"all": names, "star": sorted(k for k in star if k != "__builtins__")}))
        """
    )
    found = json.loads(out)
    assert sorted(found["all"]) == found["star"]
    assert len(found["all"]) == len(set(found["all"])) == len(talkwidgets.__all__)


def type_checking_imports() -> dict[str, str]:
    """``name -> module`` of the imports type checkers see in the package's ``TYPE_CHECKING`` block."""
    tree = ast.parse(PACKAGE_INIT.read_text(encoding="utf-8"))
    blocks = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    assert len(blocks) == 1
    homes: dict[str, str] = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names:
            homes[alias.asname or alias.name] = "talkwidgets." + node.module
    return homes


def test_type_checkers_see_the_objects_that_load_at_run_time() -> None:
    homes = type_checking_imports()
    assert set(homes) | {"__version__"} == set(talkwidgets.__all__)
    for name, module in homes.items():
        assert getattr(talkwidgets, name) is getattr(importlib.import_module(module), name), name
    assert set(talkwidgets.__all__) <= set(dir(talkwidgets))


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = talkwidgets.NoSuchThing
