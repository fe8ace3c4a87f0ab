"""Real JupyterLab (and Voilà) support for the end-to-end tier and the in-JupyterLab benchmark.

Registered as a pytest plugin in ``conftest.py`` (fixtures ``jupyterlab`` and ``lab_page``); test modules
and benchmarks import the functions.  Everything runs on loopback:

* :func:`start_jupyterlab` / :func:`start_voila` spawn the server with this interpreter on a free
  ``127.0.0.1`` port with a token, all Jupyter state (config, data, runtime, settings, workspaces,
  IPython) in a private directory, and its output in a log file;
* ``jupyterlab`` is the session-scoped fixture: ONE server per pytest session (each costs seconds);
* :func:`open_notebook`, :func:`run_all`, :func:`run_cell`, :func:`kernel_exec` drive the notebook
  through ``window.jupyterapp`` (``--LabApp.expose_app_in_browser=True``) instead of racing on
  keyboard input;
* :class:`CommTap` records the kernel -> browser websocket frames (Playwright ``framereceived``)
  and decodes the ``v1.kernel.websocket.jupyter.org`` binary framing, so a test or the benchmark
  can see which comm messages a widget got and how many bytes they took;
* :func:`kernel_json` runs code in the kernel and decodes the last line it printed;
* :func:`proc_status_kib` / :func:`reset_peak_rss` read a process's ``/proc/<pid>/status`` and reset
  its peak RSS (``VmHWM``), for the kernel's memory in ``bench/uploads.py``;
* ``WS_CLOSE_LOG`` (an init script) records the page's WebSocket closes with their codes;
* :func:`save_artifacts` writes a screenshot and the server log to ``.ci/artifacts/``.

The kernel is this interpreter (jupyter_client starts the ``python3`` kernel spec's ``python``
as ``sys.executable``), so it imports the same installed ``talkwidgets``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".ci" / "artifacts"
TOKEN = "talkwidgets-e2e-token"
START_TIMEOUT = 90.0


def isolated_env(base: Path) -> dict[str, str]:
    """The environment with every Jupyter/IPython state directory moved under ``base``."""
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    # No "receive Jupyter news?" toast over the notebook (keeps screenshots clean).
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    return env


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells with the ``python3`` kernel spec (no kernel picker dialog)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


@dataclass
class ServerProcess:
    """A Jupyter-ish server subprocess with its log; ``stop()`` ends it (and only it)."""

    name: str
    url: str
    token: str
    root: Path
    base: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    _log: Any = field(repr=False, default=None)
    started_in: float = 0.0

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.proc, grace=15)
        if self._log is not None:
            self._log.close()
            self._log = None


def _spawn(
    name: str, cmd: list[str], base: Path, root: Path, port: int, token: str, ready: Callable[[str], bool]
) -> ServerProcess:
    env = isolated_env(base)
    log_path = base / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed by ServerProcess.stop
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, stdin=subprocess.DEVNULL)
    server = ServerProcess(name, f"http://127.0.0.1:{port}", token, root, base, log_path, proc, log)
    deadline = t0 + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_text()[-4000:]}")
        try:
            if ready(server.url):
                break
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not start in {START_TIMEOUT:.0f} s:\n{server.log_text()[-4000:]}")
        time.sleep(0.2)
    server.started_in = time.monotonic() - t0
    return server


def start_jupyterlab(base: Path, root: Path, token: str = TOKEN, extra_args: tuple[str, ...] = ()) -> ServerProcess:
    """JupyterLab on a free loopback port; ``base`` holds its state and log, ``root`` the notebooks.

    ``extra_args`` are appended to the command line (e.g. ``--ServerApp.tornado_settings=...``).
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root; harmless otherwise
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *extra_args,
    ]

    def ready(url: str) -> bool:
        return httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200

    return _spawn("jupyterlab", cmd, base, root, port, token, ready)


def start_voila(base: Path, notebook: Path, token: str = TOKEN) -> ServerProcess:
    """Voilà serving one notebook on a free loopback port (``GET /?token=…`` runs and renders it)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        f"--token={token}",
    ]

    def ready(url: str) -> bool:
        # Not GET / (that executes the notebook): the server's own static files answer once it listens.
        r = httpx.get(f"{url}/voila/static/voila.js", timeout=2)
        return r.status_code < 500

    return _spawn("voila", cmd, base, notebook.parent, port, token, ready)


@pytest.fixture(scope="session")
def jupyterlab() -> Iterator[ServerProcess]:
    """One JupyterLab server for the whole session; its directories are removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="tw-jlab-"))
    root = base / "notebooks"
    root.mkdir()
    server = start_jupyterlab(base, root)
    print(f"\n[timing] jupyterlab ready in {server.started_in:.2f} s at {server.url}", flush=True)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


# --- driving the notebook through window.jupyterapp -------------------------------------------------

WAIT_APP = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  return !!(w && w.sessionContext && w.content && w.context);
}"""

PIN_NOTEBOOK = """async () => {
  const nb = window.jupyterapp.shell.currentWidget;
  window.__twNotebook = nb;           // later calls use this panel, whatever has the focus then
  await nb.context.ready;
  await nb.sessionContext.ready;
  return nb.context.path;
}"""

RUN_ALL = """async () => {
  const app = window.jupyterapp, nb = window.__twNotebook;
  app.shell.activateById(nb.id);
  await nb.sessionContext.ready;
  return await app.commands.execute("notebook:run-all-cells");
}"""

RUN_CELL = """async ({index, source}) => {
  const app = window.jupyterapp, nb = window.__twNotebook;
  app.shell.activateById(nb.id);
  await nb.sessionContext.ready;
  const cell = nb.content.widgets[index];
  if (source !== null) cell.model.sharedModel.setSource(source);
  nb.content.activeCellIndex = index;
  nb.content.deselectAll();
  return await app.commands.execute("notebook:run-cell");
}"""

# Runs code in the notebook's kernel without a cell: returns the reply status and what it printed.
KERNEL_EXEC = """async (code) => {
  const kernel = window.__twNotebook.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false, silent: false});
  let stdout = "", stderr = "", error = null;
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === "stream") {
      if (msg.content.name === "stdout") stdout += msg.content.text;
      else stderr += msg.content.text;
    } else if (t === "error") error = msg.content.ename + ": " + msg.content.evalue;
  };
  const reply = await future.done;
  return {status: reply.content.status, stdout, stderr, error};
}"""


def open_notebook(page: Any, server: ServerProcess, name: str, timeout: float = 60_000) -> None:
    """Open ``name`` in a fresh JupyterLab page (saved layout dropped) and wait for its kernel."""
    page.goto(f"{server.url}/lab/tree/{name}?token={server.token}&reset")
    page.wait_for_function(WAIT_APP, timeout=timeout)
    page.evaluate(PIN_NOTEBOOK)


def run_all(page: Any) -> None:
    page.evaluate(RUN_ALL)


def run_cell(page: Any, index: int, source: str | None = None) -> None:
    """Run cell ``index`` (after replacing its source, if given); its output shows in the notebook."""
    page.evaluate(RUN_CELL, {"index": index, "source": source})


def kernel_exec(page: Any, code: str, *, check: bool = True) -> dict[str, Any]:
    """Execute ``code`` in the notebook's kernel (top-level ``await`` works); returns status/stdout/stderr/error."""
    result: dict[str, Any] = page.evaluate(KERNEL_EXEC, code)
    if check and result["status"] != "ok":
        raise AssertionError(f"kernel code failed: {result['error'] or result['status']}\n{code}\n{result['stderr']}")
    return result


def kernel_json(page: Any, code: str) -> Any:
    """Execute ``code`` in the kernel and decode the last line it printed as JSON."""
    out = kernel_exec(page, code)["stdout"].strip().splitlines()
    if not out:
        raise AssertionError(f"kernel code printed nothing:\n{code}")
    return json.loads(out[-1])


def kernel_eval_until(page: Any, code: str, predicate: Callable[[str], bool], timeout: float = 10.0) -> str:
    """Run ``code`` until ``predicate(stdout)`` holds (bounded); returns the last stdout."""
    deadline = time.monotonic() + timeout
    while True:
        out = kernel_exec(page, code)["stdout"]
        if predicate(out) or time.monotonic() > deadline:
            return out
        page.wait_for_timeout(50)


# --- a process's memory (the kernel's: its pid from ``os.getpid()`` run in the kernel) -------------------


def proc_status_kib(pid: int) -> dict[str, int]:
    """The ``Vm*``/``Rss*`` lines of ``/proc/<pid>/status``, in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith(("Vm", "Rss")) and value.strip().endswith("kB"):
            out[key] = int(value.split()[0])
    return out


def reset_peak_rss(pid: int) -> int:
    """Reset the process's ``VmHWM`` (peak RSS) to its current RSS; returns that RSS in bytes.

    Writing ``5`` to ``/proc/<pid>/clear_refs`` (Linux >= 4.0) needs the same user (or root).
    """
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return proc_status_kib(pid)["VmRSS"] * 1024


# Records every WebSocket close in the page (code, reason, url, time); add with ``page.add_init_script``
# before ``goto``, read ``window.__twWsCloses``.  Playwright's own ``close`` event carries no code.
WS_CLOSE_LOG = """(() => {
  const Native = window.WebSocket;
  window.__twWsCloses = [];
  class Logged extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("close", (e) => window.__twWsCloses.push(
        {url: String(args[0]), code: e.code, reason: e.reason, clean: e.wasClean, t: Date.now()}));
    }
  }
  window.WebSocket = Logged;
})();"""


# --- kernel -> browser websocket frames -----------------------------------------------------------------


def decode_frame(payload: bytes | str) -> dict[str, Any] | None:
    """One kernel websocket frame as ``{channel, msg_type, content, size, content_size}``.

    Binary frames use the ``v1.kernel.websocket.jupyter.org`` layout (JupyterLab 4 + jupyter_server 2):
    ``n`` (u64 LE), ``n`` offsets (u64 LE), then channel, header, parent_header, metadata, content,
    buffers.  Text frames are the legacy JSON messages.  ``size`` is the whole frame in bytes.
    """
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
            content_bytes = len(json.dumps(msg.get("content", {}), separators=(",", ":")).encode())
            return {
                "channel": msg.get("channel"),
                "msg_type": msg.get("header", {}).get("msg_type"),
                "content": msg.get("content"),
                "size": len(payload.encode()),
                "content_size": content_bytes,
            }
        n = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
        parts = [payload[offsets[i] : offsets[i + 1]] for i in range(n - 1)]
        if len(parts) < 5:
            return None
        header = json.loads(parts[1])
        return {
            "channel": parts[0].decode(),
            "msg_type": header.get("msg_type"),
            "content": json.loads(parts[4]),
            "size": len(payload),
            "content_size": len(parts[4]),
        }
    except (ValueError, UnicodeDecodeError, IndexError):
        return None


@dataclass
class Frame:
    n: int
    size: int
    content_size: int
    msg_type: str
    comm_id: str | None
    method: str | None
    content: Any
    raw: bytes


class CommTap:
    """Records every kernel -> browser frame on the page's kernel websockets (attach before ``goto``)."""

    def __init__(self, page: Any) -> None:
        self.frames: list[Frame] = []
        """Kernel -> browser frames, in arrival order."""
        self.sent: list[Frame] = []
        """Browser -> kernel frames."""
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws: Any) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", lambda payload: self._record(self.frames, payload))
            ws.on("framesent", lambda payload: self._record(self.sent, payload))

    @staticmethod
    def _record(into: list[Frame], payload: bytes | str) -> None:
        msg = decode_frame(payload)
        if msg is None:
            return
        content = msg["content"] if isinstance(msg["content"], dict) else {}
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        raw = payload.encode() if isinstance(payload, str) else bytes(payload)
        into.append(
            Frame(
                len(into),
                msg["size"],
                msg["content_size"],
                msg["msg_type"] or "",
                content.get("comm_id"),
                data.get("method"),
                data,
                raw,
            )
        )

    def comm(self, comm_id: str, since: int = 0, sent: bool = False) -> list[Frame]:
        """The ``comm_msg`` frames for one widget model (its ``model_id`` is the comm id)."""
        frames = self.sent if sent else self.frames
        return [f for f in frames[since:] if f.msg_type == "comm_msg" and f.comm_id == comm_id]


# --- failure artifacts --------------------------------------------------------------------------------


def save_artifacts(name: str, page: Any = None, server: ServerProcess | None = None, extra: str = "") -> Path:
    """Screenshot + server log (+ notes) under ``.ci/artifacts/`` (gitignored); returns the folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if page is not None:
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
        except Exception as exc:  # best effort: a dead page must not hide the real failure
            extra += f"\n(screenshot failed: {exc})"
    if server is not None:
        (ARTIFACTS / f"{name}.{server.name}.log").write_text(server.log_text())
    if extra:
        (ARTIFACTS / f"{name}.txt").write_text(extra)
    return ARTIFACTS


@pytest.fixture()
def lab_page(browser: Any, jupyterlab: ServerProcess, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Chromium page for JupyterLab tests, with the widget's comm frames tapped (``page.comm_tap``)
    and page errors collected (``page.page_errors``); on failure both go to ``.ci/artifacts/``.

    It uses ``browser`` (browser_support, one per module) and ``jupyterlab`` (one per session).
    """
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB", timezone_id="UTC")
    ctx.grant_permissions(["local-network-access"])  # the page's fetch to the emulator (127.0.0.1)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if "talkwidgets" in m.text else None)
    page.page_errors = errors
    page.comm_tap = CommTap(page)
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed_before:
            tap = page.comm_tap
            frames = "\n".join(f"{f.n} {f.msg_type} {f.comm_id} {f.method} {f.size}B" for f in tap.frames)
            sent = "\n".join(
                f"{f.n} {f.msg_type} {f.comm_id} {(f.content.get('content') or {}).get('op')} {f.size}B"
                for f in tap.sent
            )
            where = save_artifacts(
                request.node.name,
                page,
                jupyterlab,
                extra="page errors:\n"
                + "\n".join(errors)
                + "\n\nkernel -> browser:\n"
                + frames
                + "\n\nbrowser -> kernel:\n"
                + sent,
            )
            print(f"\n[artifacts] {where}")
        ctx.close()
