"""Uploads in a real JupyterLab: throughput and kernel peak memory, FileDrop against the alternatives.

    .venv/bin/python -m bench.uploads                 # 10 MiB, 100 MiB and 1 GiB (about 2 minutes)
    .venv/bin/python -m bench.uploads --quick         # 10 and 100 MiB only
    .venv/bin/python -m bench.uploads --sizes 10,100 --paths chunked,plain --json out.json
    .venv/bin/python -m bench.uploads --paths fileupload --ws-max-mib 2048   # raise Jupyter's websocket limit

Not a test.  Starts its own JupyterLab (loopback, free port, token, private Jupyter dirs in a temp dir
removed afterwards) and Debian's headless Chromium, opens a bench notebook whose kernel starts its own
``EmbeddedServer(EmulatorConfig(max_upload_bytes=2 GiB))`` and alice's session on it (``secret_key=``,
``host=``), and shows ``FileDrop(alice)`` and ipywidgets' ``FileUpload()``.  The files are written
once to a temp dir (a random 1 MiB block repeated, each MiB stamped with its index) and removed at the
end.  For each size, one transfer per path, one at a time:

* **chunked**: FileDrop with ``drop.direct = False`` (set from the kernel): browser -> comm chunks
  (1 MiB, 4 in flight) -> kernel spool file -> the session's ``POST /files`` to the emulator;
* **direct**: FileDrop with ``drop.direct = True``: the browser POSTs to the emulator itself;
* **plain**: httpx in the kernel process POSTs the file from disk to the same ``/files``
  (multipart, streamed): the practical limit on this machine;
* **plain-outside**: the same httpx POST from the bench process instead (a reference: there the
  client does not share the kernel's interpreter, and its GIL, with the emulator);
* **fileupload**: ipywidgets ``FileUpload`` (the whole file in one comm message), then the kernel
  uploads ``value[0].content`` with ``alice.upload_file``.  Expected to fail above Jupyter's
  websocket message limit (tornado's default is 10 MiB); recorded as "failed: <reason>" after a
  websocket close or a bounded timeout.  Runs last, each size on a freshly loaded page (same kernel,
  the FileUpload cell re-run), because a refused message drops the page's kernel websocket.

Clock: ``time.time()`` (CLOCK_REALTIME, one host) in both processes.  Browser paths: start just
before Playwright's ``set_input_files`` in this process (FileUpload: before the click that opens its
file chooser, whose input is not in the DOM); end when the file token exists in the
kernel (FileDrop's ``on_upload`` callback; for FileUpload the end of ``upload_file`` after the
``value`` observer fired, the moment the bytes arrived is recorded too).  Plain: start and end
around the POST in the kernel.  Kernel memory: ``/proc/<kernel pid>/clear_refs`` <- "5" resets
``VmHWM`` to the current RSS right before each transfer (after a ``gc.collect()``); the figure is
peak ``VmHWM`` minus that RSS.  The emulator runs in the kernel process, so its memory counts too.
Bounded (per transfer 60 s + size / 4 MiB/s), exits by itself; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.browser_support import launch_browser
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
PATHS = ("chunked", "direct", "plain", "plain-outside", "fileupload")

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

SHOW_DROP = """\
drop = FileDrop(alice, recorder=False)
drop.on_upload(heard)
drop
"""

SHOW_UPLOAD = """\
up = ipywidgets.FileUpload(multiple=False, description="FileUpload")
up.observe(on_value, "value")
up
"""

DROP_ROW = ".jp-OutputArea-output .tw-fd .tw-fd-row"


def make_files(folder: Path, sizes: list[int]) -> dict[int, Path]:
    block = bytearray(os.urandom(MiB))
    files = {}
    for mib in sizes:
        path = folder / f"bench-{mib}MiB.bin"
        with path.open("wb") as f:
            for i in range(mib):
                block[:8] = i.to_bytes(8, "little")
                f.write(block)
        files[mib] = path
    return files


def peak_growth(pid: int, rss0: int) -> float:
    return (proc_status_kib(pid)["VmHWM"] * 1024 - rss0) / MiB


def run_drop(page: Any, pid: int, path: Path, direct: bool, timeout_s: float) -> dict[str, Any]:
    size = path.stat().st_size
    kernel_exec(page, f"reset()\ndrop.direct = {direct}")
    n0 = page.locator(DROP_ROW).count()
    rss0 = reset_peak_rss(pid)
    t0 = time.time()
    page.locator(".jp-OutputArea-output .tw-fd .tw-fd-input").set_input_files(str(path))
    t_set = time.time()
    try:
        page.wait_for_function(
            """(n) => { const r = document.querySelectorAll(".jp-OutputArea-output .tw-fd .tw-fd-row")[n];
                        return !!r && ["done", "error", "cancelled"].includes(r.dataset.state); }""",
            arg=n0,
            timeout=timeout_s * 1000,
            polling=100,
        )
    except Exception as exc:  # reported as the outcome
        return {
            "ok": False,
            "reason": f"no outcome in {timeout_s:.0f} s ({type(exc).__name__})",
            "mem_mib": peak_growth(pid, rss0),
            "rss0_mib": rss0 / MiB,
        }
    mem = peak_growth(pid, rss0)
    info = kernel_json(
        page,
        """\
u = drop.uploads[-1]
print(json.dumps({"status": u.status, "error": u.error, "path": u.path, "size": u.size, "events": events}))""",
    )
    if info["status"] != "done" or info["size"] != size:
        return {
            "ok": False,
            "reason": info["error"] or f"{info['status']}, {info['size']} bytes",
            "mem_mib": mem,
            "rss0_mib": rss0 / MiB,
        }
    t1 = next(e["t"] for e in info["events"] if e["ev"] == "token")
    return {
        "ok": True,
        "seconds": t1 - t0,
        "set_input_files_s": t_set - t0,
        "mem_mib": mem,
        "rss0_mib": rss0 / MiB,
        "actual_path": info["path"],
    }


def run_plain(page: Any, pid: int, path: Path) -> dict[str, Any]:
    kernel_exec(page, "reset()")
    rss0 = reset_peak_rss(pid)
    out = kernel_exec(page, f"await plain_upload({str(path)!r})", check=False)
    mem = peak_growth(pid, rss0)
    if out["status"] != "ok":
        return {"ok": False, "reason": out["error"], "mem_mib": mem, "rss0_mib": rss0 / MiB}
    ev = kernel_json(page, "print(json.dumps(events))")[-1]
    return {"ok": True, "seconds": ev["t"] - ev["t0"], "mem_mib": mem, "rss0_mib": rss0 / MiB}


def run_plain_outside(page: Any, pid: int, path: Path) -> dict[str, Any]:
    """The same POST from this (bench) process: the client does not share the kernel's GIL with the emulator."""
    import httpx

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
    mem = peak_growth(pid, rss0)
    if r.status_code != 200 or not r.json().get("fileToken"):
        return {"ok": False, "reason": f"HTTP {r.status_code}", "mem_mib": mem, "rss0_mib": rss0 / MiB}
    return {"ok": True, "seconds": t1 - t0, "mem_mib": mem, "rss0_mib": rss0 / MiB}


def run_fileupload(page: Any, server: Any, pid: int, path: Path, timeout_s: float) -> dict[str, Any]:
    # A fresh page (same kernel) and a new FileUpload for each attempt: a refused message drops the
    # page's kernel websocket, and each attempt should start from a clean connection.
    open_notebook(page, server, "uploads.ipynb")
    run_cell(page, 2)
    page.locator(".jp-OutputArea-output .widget-upload").wait_for(state="visible")
    kernel_exec(page, "reset()")
    closes0 = len(page.evaluate("() => window.__twWsCloses"))
    rss0 = reset_peak_rss(pid)
    crashed: list[float] = []
    page.on("crash", lambda _page: crashed.append(time.time()))
    t0 = time.time()
    deadline = t0 + timeout_s
    reason = ""
    events: list[dict[str, Any]] = []
    try:
        # its <input type=file> is not in the DOM: pick through the file chooser its button opens
        with page.expect_file_chooser() as chooser:
            page.locator(".jp-OutputArea-output .widget-upload").click()
        chooser.value.set_files(str(path))
        reason = _wait_fileupload(page, closes0, t0, deadline, timeout_s, events)
    except Exception as exc:  # a crashed page is an outcome
        if not crashed:
            raise
        reason = f"the browser tab crashed {crashed[0] - t0:.1f} s after the pick ({str(exc).splitlines()[0]})"
        return {
            "ok": False,
            "reason": reason,
            "mem_mib": peak_growth(pid, rss0),
            "rss0_mib": rss0 / MiB,
            "crashed": True,
        }
    mem = peak_growth(pid, rss0)
    if reason:
        # wait until JupyterLab has reconnected the kernel before the next transfer
        kernel_exec(page, "print(1)")
        return {"ok": False, "reason": reason, "mem_mib": mem, "rss0_mib": rss0 / MiB}
    err = [e for e in events if e["ev"] == "error"]
    if err:
        return {"ok": False, "reason": err[0]["error"], "mem_mib": mem, "rss0_mib": rss0 / MiB}
    value = next(e for e in events if e["ev"] == "value")
    token = next(e for e in events if e["ev"] == "token")
    return {"ok": True, "seconds": token["t"] - t0, "value_s": value["t"] - t0, "mem_mib": mem, "rss0_mib": rss0 / MiB}


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 and 100 MiB only")
    ap.add_argument("--sizes", help="sizes in MiB, comma separated (default 10,100,1024)")
    ap.add_argument("--paths", default=",".join(PATHS), help=f"subset of {','.join(PATHS)}")
    ap.add_argument(
        "--ws-max-mib",
        type=int,
        default=0,
        help="raise Jupyter's websocket_max_message_size to this many MiB (default: tornado's 10 MiB)",
    )
    ap.add_argument("--window", type=int, help="FileDrop.window for the chunked path (default: the widget's, 4)")
    ap.add_argument("--chunk-mib", type=int, help="FileDrop.chunk_size in MiB (default: the widget's, 1)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    sizes = [int(s) for s in (args.sizes or ("10,100" if args.quick else "10,100,1024")).split(",")]
    paths = [p for p in args.paths.split(",") if p]
    if not all(1 <= s <= 1024 for s in sizes) or not set(paths) <= set(PATHS):
        ap.error(f"sizes 1..1024 MiB, paths from {PATHS}")

    from playwright.sync_api import sync_playwright

    started = datetime.now(timezone.utc)
    t_start = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="tw-bench-uploads-"))
    root = base / "notebooks"
    data = base / "files"
    root.mkdir()
    data.mkdir()
    extra = ()
    if args.ws_max_mib:
        extra = (f'--ServerApp.tornado_settings={{"websocket_max_message_size": {args.ws_max_mib * MiB}}}',)
    results: list[dict[str, Any]] = []
    chunking: list[int] = [0, 0]
    try:
        t = time.monotonic()
        files = make_files(data, sizes)
        print(f"files written in {time.monotonic() - t:.1f} s: {', '.join(p.name for p in files.values())}", flush=True)
        write_notebook(root / "uploads.ipynb", [SETUP, SHOW_DROP, SHOW_UPLOAD])
        server = start_jupyterlab(base, root, extra_args=extra)
        try:
            with sync_playwright() as p:
                browser = launch_browser(p)
                try:
                    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
                    ctx.grant_permissions(["local-network-access"])
                    page = ctx.new_page()
                    page.set_default_timeout(120_000)
                    page.add_init_script(WS_CLOSE_LOG)
                    open_notebook(page, server, "uploads.ipynb")
                    run_all(page)
                    page.locator(".jp-OutputArea-output .tw-fd .tw-fd-zone").wait_for(state="visible")
                    page.locator(".jp-OutputArea-output .widget-upload").wait_for(state="visible")
                    pid = kernel_json(page, "print(json.dumps(os.getpid()))")
                    if args.window:
                        kernel_exec(page, f"drop.window = {args.window}")
                    if args.chunk_mib:
                        kernel_exec(page, f"drop.chunk_size = {args.chunk_mib} * 1024 * 1024")
                    chunking = kernel_json(page, "print(json.dumps([drop.window, drop.chunk_size]))")
                    print(f"kernel pid {pid}, RSS {proc_status_kib(pid)['VmRSS'] / 1024:.0f} MiB", flush=True)
                    # warm-up: one small file through each path (imports, connections, caches)
                    warm = data / "warmup.bin"
                    warm.write_bytes(os.urandom(256 * 1024))
                    for direct in (False, True):
                        run_drop(page, pid, warm, direct, 60)
                    run_plain(page, pid, warm)
                    for mib in sizes:
                        path = files[mib]
                        timeout_s = 60 + mib / 4
                        for name in [x for x in ("chunked", "direct", "plain", "plain-outside") if x in paths]:
                            if name == "plain":
                                r = run_plain(page, pid, path)
                            elif name == "plain-outside":
                                r = run_plain_outside(page, pid, path)
                            else:
                                r = run_drop(page, pid, path, name == "direct", timeout_s)
                            r.update(path=name, mib=mib)
                            results.append(r)
                            report(r)
                    if "fileupload" in paths:
                        for mib in sizes:
                            r = run_fileupload(page, server, pid, files[mib], 60 + mib / 4)
                            if r.get("crashed"):  # go on in a new tab (the kernel lives on)
                                page.close()
                                page = ctx.new_page()
                                page.set_default_timeout(120_000)
                                page.add_init_script(WS_CLOSE_LOG)
                            r.update(path="fileupload", mib=mib)
                            results.append(r)
                            report(r)
                    if page.url.startswith(server.url):
                        kernel_exec(page, "reset()\nbench_server.stop()")
                    ctx.close()
                finally:
                    browser.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)

    from importlib.metadata import version

    env = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": round(time.monotonic() - t_start, 1),
        "python": platform.python_version(),
        "load_avg_start": os.getloadavg(),
        **{
            n: version(n)
            for n in (
                "jupyterlab",
                "jupyter_server",
                "ipykernel",
                "ipywidgets",
                "anywidget",
                "playwright",
                "httpx",
                "tornado",
            )
        },
        "ws_max_mib": args.ws_max_mib or "tornado default (10)",
        "window": chunking[0],
        "chunk_size": chunking[1],
    }
    print(f"\n{env}\n")
    plain = {r["mib"]: r for r in results if r["path"] == "plain" and r["ok"]}
    outside = {r["mib"]: r for r in results if r["path"] == "plain-outside" and r["ok"]}
    print("| size | path | time (s) | MiB/s | ÷ plain httpx | ÷ plain-outside | kernel peak RSS growth (MiB) | note |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for r in sorted(results, key=lambda r: (r["mib"], PATHS.index(r["path"]))):
        size = f"{r['mib']} MiB" if r["mib"] < 1024 else "1 GiB"
        mem = f"{r['mem_mib']:.1f}"
        if not r["ok"]:
            print(f"| {size} | {r['path']} | – | – | – | – | {mem} | failed: {r['reason']} |")
            continue
        rate = r["mib"] / r["seconds"]
        ratio = f"{plain[r['mib']]['seconds'] / r['seconds']:.0%}" if r["mib"] in plain else "–"
        ratio2 = f"{outside[r['mib']]['seconds'] / r['seconds']:.0%}" if r["mib"] in outside else "–"
        note = []
        if r.get("actual_path") and r["actual_path"] != r["path"]:
            note.append(f"went {r['actual_path']}")
        if "value_s" in r:
            note.append(f"bytes in the kernel after {r['value_s']:.1f} s")
        print(
            f"| {size} | {r['path']} | {r['seconds']:.2f} | {rate:.1f} | {ratio} | {ratio2} | {mem} "
            f"| {'; '.join(note)} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"env": env, "results": results}, indent=2))

    verdicts = []
    for mib, pl in plain.items():
        for name, target in (("chunked", 0.5), ("direct", 0.8)):
            r = next((x for x in results if x["path"] == name and x["mib"] == mib), None)
            if r is not None:
                ok = r["ok"] and (pl["seconds"] / r["seconds"]) >= target
                verdicts.append(ok)
                print(f"{name} {mib} MiB >= {target:.0%} of plain: {'met' if ok else 'NOT met'}")
    for name in ("chunked", "direct"):
        rs = [x for x in results if x["path"] == name and x["ok"]]
        if len(rs) >= 2:
            spread = max(x["mem_mib"] for x in rs) - min(x["mem_mib"] for x in rs)
            ok = spread <= 32
            verdicts.append(ok)
            print(
                f"{name}: kernel peak growth spread over sizes {spread:.1f} MiB (flat = <= 32 MiB): "
                f"{'met' if ok else 'NOT met'}"
            )
    print(f"\ntargets: {'met' if verdicts and all(verdicts) else 'NOT all met'}")
    return 0 if verdicts and all(verdicts) else 1


def report(r: dict[str, Any]) -> None:
    if r["ok"]:
        print(
            f"{r['mib']:>5} MiB {r['path']:>10}: {r['seconds']:.2f} s ({r['mib'] / r['seconds']:.1f} MiB/s), "
            f"kernel peak +{r['mem_mib']:.1f} MiB {r.get('actual_path', '')}",
            flush=True,
        )
    else:
        print(
            f"{r['mib']:>5} MiB {r['path']:>10}: FAILED {r['reason']} (kernel peak +{r['mem_mib']:.1f} MiB)", flush=True
        )


if __name__ == "__main__":
    sys.exit(main())
