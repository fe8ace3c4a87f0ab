"""The JupyterLab page the upload benchmarks measure in, and one transfer on each path.

``upload_lab(...)`` starts JupyterLab (loopback, free port, token, private Jupyter dirs in a temp dir)
and Chromium (over raw DevTools, ``_cdp.py``, or through Playwright), opens a notebook whose kernel
runs its own ``EmbeddedServer`` and alice's session on it, and shows ``FileDrop(alice)`` and the bare
channel of ``comm_channel.py``. The ``run_*`` functions each time one transfer and read the kernel's
peak memory (``/proc/<pid>/clear_refs`` <- 5 resets ``VmHWM`` right before it).

Clock: ``time.time()`` (CLOCK_REALTIME, one host) in the bench process, the kernel and (as
``Date.now()``) the page. Browser paths start just before the file is put on the ``<input>`` and
end in the kernel: FileDrop's ``on_upload`` callback (the file token exists), or, for the bare
channel, the arrival of the last chunk. Plain paths start and end around the POST.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._bare_channel import BARE_CELL, BARE_INPUT, BARE_SETUP
from bench._cdp import CdpBrowser
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, launch_browser
from tests.jupyter_support import (
    WS_CLOSE_LOG,
    kernel_exec,
    kernel_json,
    open_notebook,
    proc_status_kib,
    reset_peak_rss,
    run_all,
    run_cell,
    start_jupyterlab,
    write_notebook,
)

MiB = 1024 * 1024

SETUP = """\
import asyncio, gc, json, os, time
import httpx, ipywidgets
from talkwidgets import FileDrop, GenericFileMetadata, get_talk_session
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig

bench_server = EmbeddedServer(EmulatorConfig(max_upload_bytes=2 * 1024**3)).start()
secret = bench_server.ensure_app("bench")
alice = await get_talk_session(app_id="bench", user_id="alice", secret_key=secret, host=bench_server.base_url)
await alice.current_user.create_if_not_exists(name="Alice")
MAIN_LOOP = asyncio.get_running_loop()
events = []

def heard(token, metadata):
    events.append({"ev": "token", "t": time.time(), "name": metadata.filename})

async def _upload_value(content, name):
    try:
        token = await alice.upload_file(content, GenericFileMetadata(filename=name))
        events.append({"ev": "token", "t": time.time(), "name": name})
    except Exception as exc:
        events.append({"ev": "error", "t": time.time(), "error": f"{type(exc).__name__}: {exc}"})

def on_value(change):
    # may run on a kernel subshell thread: upload on the session's loop
    if not change["new"]:
        return
    item = change["new"][0]
    events.append({"ev": "value", "t": time.time(), "name": item["name"], "size": len(item["content"])})
    asyncio.run_coroutine_threadsafe(_upload_value(item["content"], item["name"]), MAIN_LOOP)

async def plain_upload(path):
    target = await alice.upload_target()
    name = os.path.basename(path)
    t0 = time.time()
    async with httpx.AsyncClient(timeout=httpx.Timeout(120)) as http:
        with open(path, "rb") as f:
            r = await http.post(target.url, headers={"Authorization": f"Bearer {target.token}"},
                                files={"file": (name, f, "application/octet-stream")})
    t1 = time.time()
    r.raise_for_status()
    assert r.json()["fileToken"]
    events.append({"ev": "token", "t": t1, "name": name, "t0": t0})

def reset():
    events.clear()
    for p in bench_server.emulator.store.file_paths():
        try:
            os.unlink(p)
        except OSError:
            pass
    gc.collect()
"""

# Timestamps of FileDrop's messages as the kernel sees them (where the direct path spends its time).
TRACE_DROP = """\
def _traced(drop):
    dispatch, send = drop._dispatch, drop.send
    def traced_dispatch(content, buffers):
        if content.get("op") != "chunk":
            events.append({"ev": "in:" + str(content.get("op")), "t": time.time()})
        return dispatch(content, buffers)
    def traced_send(content, *args, **kwargs):
        if isinstance(content, dict) and content.get("op") not in ("ack", "pong"):
            events.append({"ev": "out:" + str(content.get("op")), "t": time.time()})
        return send(content, *args, **kwargs)
    drop._dispatch, drop.send = traced_dispatch, traced_send
"""

SHOW_DROP = """\
drop = FileDrop(alice, recorder=False)
drop.on_upload(heard)
_traced(drop)
drop
"""

SHOW_UPLOAD = """\
up = ipywidgets.FileUpload(multiple=False, description="FileUpload")
up.observe(on_value, "value")
up
"""

# The page's fetches to the emulator's /files, with their start and end on the page's clock.
FETCH_LOG = """(() => {
  const native = window.fetch;
  window.__twFetches = [];
  window.fetch = async (...args) => {
    const url = String(args[0] && args[0].url ? args[0].url : args[0]);
    const entry = {url, t0: Date.now()};
    if (url.includes("/files")) window.__twFetches.push(entry);
    try { return await native(...args); } finally { entry.t1 = Date.now(); }
  };
})();"""

DROP_ROW = ".jp-OutputArea-output .tw-fd .tw-fd-row"
DROP_INPUT = ".jp-OutputArea-output .tw-fd .tw-fd-input"
CELLS = [SETUP, TRACE_DROP, BARE_SETUP, SHOW_DROP, BARE_CELL, SHOW_UPLOAD]
UPLOAD_CELL = CELLS.index(SHOW_UPLOAD)


@dataclass
class Lab:
    page: Any
    server: Any
    pid: int
    driver: str
    files: Path
    """A temp folder for the benchmark's files (removed with the lab)."""


def make_file(folder: Path, mib: int) -> Path:
    """``mib`` MiB of a random 1 MiB block repeated, each MiB stamped with its index (nothing compresses)."""
    path = folder / f"bench-{mib}MiB.bin"
    if not path.exists():
        block = bytearray(os.urandom(MiB))
        with path.open("wb") as f:
            for i in range(mib):
                block[:8] = i.to_bytes(8, "little")
                f.write(block)
    return path


@contextlib.contextmanager
def upload_lab(driver: str = "cdp", extra_server_args: tuple[str, ...] = ()) -> Iterator[Lab]:
    """JupyterLab + Chromium + the bench notebook, run; everything stopped and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="tw-bench-uploads-"))
    root, files = base / "notebooks", base / "files"
    root.mkdir()
    files.mkdir()
    write_notebook(root / "uploads.ipynb", CELLS)
    server = start_jupyterlab(base, root, extra_args=extra_server_args)
    try:
        with _page(driver) as page:
            page.add_init_script(WS_CLOSE_LOG)
            page.add_init_script(FETCH_LOG)
            open_notebook(page, server, "uploads.ipynb")
            run_all(page)
            page.locator(".jp-OutputArea-output .tw-fd .tw-fd-zone").wait_for(state="visible")
            page.locator(BARE_INPUT).wait_for(state="visible")
            pid = kernel_json(page, "print(json.dumps(os.getpid()))")
            yield Lab(page, server, pid, driver, files)
            if page.url.startswith(server.url):
                kernel_exec(page, "reset()\nbench_server.stop()")
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _page(driver: str) -> Iterator[Any]:
    # --disable-renderer-backgrounding: the page keeps full priority although no one looks at it
    args = [*CHROMIUM_ARGS, "--disable-renderer-backgrounding", "--window-size=1280,1000"]
    if driver == "cdp":
        browser = CdpBrowser(CHROMIUM, args)
        try:
            page = browser.new_page()
            try:
                yield page
            finally:
                page.close()
        finally:
            browser.close()
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        pw_browser = launch_browser(p)
        try:
            ctx = pw_browser.new_context(viewport={"width": 1280, "height": 1000})
            ctx.grant_permissions(["local-network-access"])
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            yield page
            ctx.close()
        finally:
            pw_browser.close()


def set_drop(lab: Lab, **traits: Any) -> None:
    kernel_exec(lab.page, "\n".join(f"drop.{k} = {v!r}" for k, v in traits.items()))


def set_bare(lab: Lab, chunk_size: int, window: int) -> None:
    kernel_exec(lab.page, f"bare.chunk_size, bare.window = {chunk_size}, {window}")


def _peak_growth(pid: int, rss0: int) -> float:
    return (proc_status_kib(pid)["VmHWM"] * 1024 - rss0) / MiB


def run_drop(lab: Lab, path: Path, direct: bool, timeout_s: float) -> dict[str, Any]:
    """One file through FileDrop (``direct`` or chunked); ends at ``on_upload`` in the kernel."""
    page, pid = lab.page, lab.pid
    size = path.stat().st_size
    kernel_exec(page, f"reset()\ndrop.direct = {direct}")
    page.evaluate("() => { window.__twFetches.length = 0; }")
    n0 = page.locator(DROP_ROW).count()
    rss0 = reset_peak_rss(pid)
    t0 = time.time()
    page.locator(DROP_INPUT).set_input_files(str(path))
    try:
        page.wait_for_function(
            """(n) => { const r = document.querySelectorAll(".jp-OutputArea-output .tw-fd .tw-fd-row")[n];
                        return !!r && ["done", "error", "cancelled"].includes(r.dataset.state); }""",
            arg=n0,
            timeout=timeout_s * 1000,
            polling=100,
        )
    except Exception as exc:
        return {"ok": False, "reason": f"no outcome in {timeout_s:.0f} s ({type(exc).__name__})"} | _mem(pid, rss0)
    mem = _mem(pid, rss0)
    info = kernel_json(
        page,
        """\
u = drop.uploads[-1]
print(json.dumps({"status": u.status, "error": u.error, "path": u.path, "size": u.size, "events": events}))""",
    )
    if info["status"] != "done" or info["size"] != size:
        return {"ok": False, "reason": info["error"] or f"{info['status']}, {info['size']} bytes"} | mem
    events = info["events"]
    t1 = next(e["t"] for e in events if e["ev"] == "token")
    out = {"ok": True, "seconds": t1 - t0, "actual_path": info["path"], **mem}
    if direct:
        out["steps"] = _direct_steps(t0, t1, events, page.evaluate("() => window.__twFetches"))
    return out


def _direct_steps(
    t0: float, t1: float, events: list[dict[str, Any]], fetches: list[dict[str, Any]]
) -> dict[str, float]:
    """Where a direct upload's time went (seconds), from the kernel's and the page's timestamps."""
    at = {e["ev"]: e["t"] for e in events}
    steps: dict[str, float] = {}
    if "in:direct_begin" in at:
        steps["pick → direct_begin in kernel"] = at["in:direct_begin"] - t0
    if "out:direct" in at:  # a per-file offer (no target was held)
        steps["offer sent (after direct_begin)"] = at["out:direct"] - at.get("in:direct_begin", t0)
    if fetches:
        f = fetches[-1]
        steps["pick → fetch starts"] = f["t0"] / 1000 - t0
        if "t1" in f:
            steps["fetch (POST and answer)"] = (f["t1"] - f["t0"]) / 1000
            if "in:direct_done" in at:
                steps["answer → direct_done in kernel"] = at["in:direct_done"] - f["t1"] / 1000
    if "in:direct_done" in at:
        steps["direct_done → on_upload"] = t1 - at["in:direct_done"]
    return steps


def run_bare(lab: Lab, path: Path, timeout_s: float) -> dict[str, Any]:
    """The same bytes through the bare channel; ends when the last chunk reached the kernel."""
    page, pid = lab.page, lab.pid
    kernel_exec(page, "reset()")
    rss0 = reset_peak_rss(pid)
    t0 = time.time()
    page.locator(BARE_INPUT).set_input_files(str(path))
    try:
        page.wait_for_function(
            "() => document.querySelector('.tw-bare').dataset.state !== 'sending'",
            timeout=timeout_s * 1000,
            polling=100,
        )
    except Exception as exc:
        return {"ok": False, "reason": f"no outcome in {timeout_s:.0f} s ({type(exc).__name__})"} | _mem(pid, rss0)
    mem = _mem(pid, rss0)
    events = kernel_json(page, "print(json.dumps(events))")
    got = [e for e in events if e["ev"] == "token"]
    if not got or got[0]["size"] != path.stat().st_size:
        return {"ok": False, "reason": f"the kernel got {got}"} | mem
    return {"ok": True, "seconds": got[0]["t"] - t0, **mem}


def run_plain(lab: Lab, path: Path) -> dict[str, Any]:
    """httpx in the kernel POSTs the file from disk to the same ``/files`` (the practical limit)."""
    page, pid = lab.page, lab.pid
    kernel_exec(page, "reset()")
    rss0 = reset_peak_rss(pid)
    out = kernel_exec(page, f"await plain_upload({str(path)!r})", check=False)
    mem = _mem(pid, rss0)
    if out["status"] != "ok":
        return {"ok": False, "reason": out["error"]} | mem
    ev = kernel_json(page, "print(json.dumps(events))")[-1]
    return {"ok": True, "seconds": ev["t"] - ev["t0"], **mem}


def run_plain_outside(lab: Lab, path: Path) -> dict[str, Any]:
    """The same POST from this process: its client does not share the kernel's GIL with the emulator."""
    import httpx

    page, pid = lab.page, lab.pid
    kernel_exec(page, "reset()")
    url, token = kernel_json(page, "t = await alice.upload_target()\nprint(json.dumps([t.url, t.token]))")
    rss0 = reset_peak_rss(pid)
    t0 = time.time()
    with path.open("rb") as f:
        r = httpx.post(
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
            files={"file": (path.name, f, "application/octet-stream")},
        )
    t1 = time.time()
    mem = _mem(pid, rss0)
    if r.status_code != 200 or not r.json().get("fileToken"):
        return {"ok": False, "reason": f"HTTP {r.status_code}"} | mem
    return {"ok": True, "seconds": t1 - t0, **mem}


def run_fileupload(lab: Lab, path: Path, timeout_s: float) -> dict[str, Any]:
    """ipywidgets' ``FileUpload`` (the whole file in one comm message), on a freshly loaded page
    (same kernel; a refused message drops the page's kernel websocket). Playwright driver only: its
    ``<input>`` is not in the DOM, so the pick goes through the file chooser its button opens."""
    page, pid = lab.page, lab.pid
    open_notebook(page, lab.server, "uploads.ipynb")
    run_cell(page, UPLOAD_CELL)
    page.locator(".jp-OutputArea-output .widget-upload").wait_for(state="visible")
    kernel_exec(page, "reset()")
    closes0 = len(page.evaluate("() => window.__twWsCloses"))
    rss0 = reset_peak_rss(pid)
    crashed: list[float] = []
    page.on("crash", lambda _page: crashed.append(time.time()))
    t0 = time.time()
    events: list[dict[str, Any]] = []
    try:
        with page.expect_file_chooser() as chooser:
            page.locator(".jp-OutputArea-output .widget-upload").click()
        chooser.value.set_files(str(path))
        reason = _wait_fileupload(page, closes0, t0, t0 + timeout_s, timeout_s, events)
    except Exception as exc:
        if not crashed:
            raise
        reason = f"the browser tab crashed {crashed[0] - t0:.1f} s after the pick ({str(exc).splitlines()[0]})"
        return {"ok": False, "reason": reason, "crashed": True} | _mem(pid, rss0)
    mem = _mem(pid, rss0)
    if reason:
        kernel_exec(page, "print(1)")  # wait until JupyterLab has reconnected the kernel
        return {"ok": False, "reason": reason} | mem
    err = [e for e in events if e["ev"] == "error"]
    if err:
        return {"ok": False, "reason": err[0]["error"]} | mem
    value = next(e for e in events if e["ev"] == "value")
    token = next(e for e in events if e["ev"] == "token")
    return {"ok": True, "seconds": token["t"] - t0, "value_s": value["t"] - t0} | mem


def _wait_fileupload(
    page: Any, closes0: int, t0: float, deadline: float, timeout_s: float, events: list[dict[str, Any]]
) -> str:
    while True:
        closes = page.evaluate("() => window.__twWsCloses")[closes0:]
        kernel_ws = [c for c in closes if "/api/kernels/" in c["url"]]
        if kernel_ws:
            c = kernel_ws[0]
            return (
                f"the kernel websocket closed {c['t'] / 1000 - t0:.1f} s after the pick "
                f"(code {c['code']}{', ' + c['reason'] if c['reason'] else ''}); nothing reached the kernel"
            )
        events[:] = kernel_json(page, "print(json.dumps(events))")
        if any(e["ev"] in ("token", "error") for e in events):
            return ""
        if time.time() > deadline:
            return f"no value in the kernel after {timeout_s:.0f} s"
        page.wait_for_timeout(250)


def cpu_times(lab: Lab) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process taking part, by role: the kernel, the
    Jupyter server, Chromium's renderer, Chromium's other processes (browser, network service, GPU),
    the Playwright driver when there is one, and this process."""
    import psutil

    def used(p: psutil.Process) -> float:
        try:
            t = p.cpu_times()
            return float(t.user + t.system)
        except psutil.Error:
            return 0.0

    out: dict[str, float] = {"kernel": 0.0, "jupyter_server": 0.0, "renderer": 0.0, "chromium other": 0.0}
    jupyter = psutil.Process(lab.server.proc.pid)
    out["jupyter_server"] = used(jupyter)
    out["kernel"] = used(psutil.Process(lab.pid))
    skip = {jupyter.pid, *(c.pid for c in jupyter.children(recursive=True))}
    for child in psutil.Process().children(recursive=True):
        if child.pid in skip:
            continue
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        role = "renderer" if "--type=renderer" in cmd else "chromium other" if "chrom" in cmd else "playwright driver"
        out[role] = out.get(role, 0.0) + used(child)
    out["bench"] = used(psutil.Process())
    return out


def _mem(pid: int, rss0: int) -> dict[str, float]:
    return {"mem_mib": _peak_growth(pid, rss0), "rss0_mib": rss0 / MiB}
