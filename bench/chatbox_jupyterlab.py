"""Chatbox in a real JupyterLab: POST -> DOM delay and kernel -> browser bytes per new message.

    .venv/bin/python -m bench.chatbox_jupyterlab                    # 30 measured messages per config
    .venv/bin/python -m bench.chatbox_jupyterlab --messages 10 --json out.json
    .venv/bin/python -m bench.chatbox_jupyterlab --only first-render

Not a test. Starts its own JupyterLab (loopback, free port, token, private Jupyter dirs in a temp
dir removed afterwards) and Debian's headless Chromium, opens a bench notebook and measures, one
message at a time (``--messages`` after ``--warmup``):

* **Chatbox, ours**, with 30 and with 5,000 messages loaded: the Chatbox as shipped (a new message
  is one ``put`` op in one ``patch`` custom message);
* **Chatbox, naive**: ``NaiveChatbox``, a subclass defined in the notebook that re-sends the whole
  ``messages`` trait for every change (an ordinary ipywidgets ``update``). Same kernel code, same
  front end (which reconciles a full list by id), so the sync protocol is the only difference. Its
  5,000 messages are loaded with patches; only the measured messages are full resends
  (``--naive-messages`` of them, default 10: each is megabytes);
* **ConversationList** (20 conversations), the reference for the delay target.

Each message is POSTed from the page (``fetch`` to the kernel's embedded emulator; it allows CORS)
as bob; a ``MutationObserver`` stamps ``performance.now()`` when the newest row shows the text, so
POST start, POST answer and DOM update are on one clock. Bytes are the kernel -> browser websocket
frames (``comm_msg``) of the widget's model that carry the message's unique token.

**First render** (after the Chatbox at 5,000, before the naive one): a Chatbox on a conversation of
30 messages, 10 of them images, is displayed (the cell runs); the page times until all 10 image
boxes are laid out and until the images in view are decoded and laid out, then scrolls through
the rest and checks that no image box changed size when its bytes arrived (their width/height are
known in advance).
Runs for a few minutes; exits by itself; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._common import percentile
from tests.browser_support import ROOT, launch_browser
from tests.jupyter_support import CommTap, kernel_exec, open_notebook, run_cell, start_jupyterlab, write_notebook

APP = "bench-chat"
LONG = 5_000
IMAGE = ROOT / "tests" / "fixtures" / "media" / "image.jpg"

SETUP = """\
import json, httpx
from talkwidgets import Chatbox, ConversationList, get_talk_session
from talkwidgets.emulator.server import shared_server

alice = await get_talk_session(app_id="{app}", user_id="alice")
server = shared_server()
secret = server.ensure_app("{app}")
auth = {{"Authorization": f"Bearer {{secret}}"}}
async with httpx.AsyncClient(base_url=f"{{server.base_url}}/v1/{app}", timeout=60, headers=auth) as http:
    async def put(url, body):
        (await http.put(url, json=body)).raise_for_status()

    async def post(url, body):
        (await http.post(url, json=body)).raise_for_status()

    for uid in ("alice", "bob"):
        await put(f"/users/{{uid}}", {{"name": uid.title()}})
    for cid, n in (("short", 30), ("long", {long})):
        await put(f"/conversations/{{cid}}", {{"participants": ["alice", "bob"], "subject": cid}})
        for start in range(0, n, 10):  # the REST API takes 10 messages per request
            batch = [{{"sender": "bob" if i % 3 else "alice", "text": f"History line {{i}}: the usual chatter"}}
                     for i in range(start, min(n, start + 10))]
            await post(f"/conversations/{{cid}}/messages", batch)
    for i in range(20):
        await put(f"/conversations/l{{i:02d}}", {{"participants": ["alice", "bob"], "subject": f"Thread {{i}}"}})
        await post(f"/conversations/l{{i:02d}}/messages", [{{"sender": "bob", "text": "hello"}}])
    # 30 messages, 10 of them images
    await put("/conversations/photos", {{"participants": ["alice", "bob"], "subject": "photos"}})
    data = open({image!r}, "rb").read()
    for i in range(30):
        if i % 3 == 0:
            r = await http.post("/files", files={{"file": (f"photo{{i}}.jpg", data, "image/jpeg")}},
                                data={{"subtype": "image", "width": "1280", "height": "853"}})
            r.raise_for_status()
            body = [{{"sender": "bob", "content": [{{"type": "file", "fileToken": r.json()["fileToken"]}}]}}]
        else:
            body = [{{"sender": "alice" if i % 2 else "bob", "text": f"caption {{i}}"}}]
        await post("/conversations/photos/messages", body)
    # A conversation's messages get strictly increasing times, so thousands posted in a few seconds
    # run ahead of the clock: wait until it catches up, or a message posted now would sort below
    # "long" in the ConversationList instead of at its top.
    newest = 0
    for cid in ("short", "long", "photos", *(f"l{{i:02d}}" for i in range(20))):
        last = (await http.get(f"/conversations/{{cid}}")).json().get("lastMessage") or {{}}
        newest = max(newest, last.get("createdAt") or 0)
    import asyncio, time
    while time.time() * 1000 <= newest + 1:
        await asyncio.sleep(0.05)


class NaiveChatbox(Chatbox):
    \"\"\"Baseline: the whole ``messages`` trait re-sent on every change (same front end). Its
    history is loaded with patches (``naive = False``): thousands of full resends while paging
    would measure nothing the figures need, and exhaust the page.\"\"\"

    naive = True

    def patch_list(self, new_list, ops):
        if self.naive:
            self.replace_list(new_list)
        else:
            super().patch_list(new_list, ops)

print(json.dumps({{"base": server.base_url, "secret": secret}}))
"""

SHOW = """\
if "w" in globals():
    w.close()
w = {make}
w
"""

SETTLED = """\
import asyncio
while w.state != "active" or not (w.messages if hasattr(w, "messages") else w.conversations):
    await asyncio.sleep(0.05)
print(len(w.messages if hasattr(w, "messages") else w.conversations))
"""

LOAD_ALL = """\
w.naive = False
while not w.loaded_all:
    await w.load_more(100)
w.naive = True
print(len(w.messages))
"""

SEND_CHAT = """async ({base, app, secret, cid, text, timeoutMs}) => {
  const rows = document.querySelector(".jp-Notebook .tw-cb .tw-cb-rows");
  // the rows are kept in blocks of a few dozen (chunked_rows.ts): the newest is the last block's last
  const lastText = () => {
    const last = rows.lastElementChild && rows.lastElementChild.lastElementChild;
    const t = last && last.querySelector(".tw-cb-text");
    return t ? t.textContent : null;
  };
  let tDom = null, done;
  const shown = new Promise((r) => { done = r; });
  const obs = new MutationObserver(() => {
    if (tDom === null && lastText() === text) { tDom = performance.now(); obs.disconnect(); done(); }
  });
  obs.observe(rows, {subtree: true, childList: true, characterData: true});
  const t0 = performance.now();
  const r = await fetch(`${base}/v1/${app}/conversations/${cid}/messages`, {
    method: "POST",
    headers: {"Authorization": "Bearer " + secret, "Content-Type": "application/json"},
    body: JSON.stringify([{sender: "bob", text}]),
  });
  const t1 = performance.now();
  if (!r.ok) { obs.disconnect(); return {error: r.status + " " + (await r.text())}; }
  let timer;
  await Promise.race([shown, new Promise((r) => { timer = setTimeout(r, timeoutMs); })]);
  clearTimeout(timer);
  obs.disconnect();
  return {t0, t1, tDom, rows: rows.querySelectorAll(".tw-cb-msg").length};
}"""

SEND_LIST = """async ({base, app, secret, text, timeoutMs}) => {
  const list = document.querySelector(".jp-Notebook .tw-cl .tw-cl-list");
  // the lowest of the 20 list conversations (never the Chatboxes' own: a message there would
  // shift their windows, and push one of the photos out of the first-render Chatbox)
  const cid = [...list.children].reverse().find((row) => /^l[0-9][0-9]$/.test(row.dataset.id)).dataset.id;
  const topText = () => {
    const t = list.firstElementChild && list.firstElementChild.querySelector(".tw-cl-text");
    return t ? t.textContent : null;
  };
  let tDom = null, done;
  const shown = new Promise((r) => { done = r; });
  const obs = new MutationObserver(() => {
    if (tDom === null && topText() === text) { tDom = performance.now(); obs.disconnect(); done(); }
  });
  obs.observe(list, {subtree: true, childList: true, characterData: true});
  const t0 = performance.now();
  const r = await fetch(`${base}/v1/${app}/conversations/${cid}/messages`, {
    method: "POST",
    headers: {"Authorization": "Bearer " + secret, "Content-Type": "application/json"},
    body: JSON.stringify([{sender: "bob", text}]),
  });
  const t1 = performance.now();
  if (!r.ok) { obs.disconnect(); return {error: r.status + " " + (await r.text())}; }
  let timer;
  await Promise.race([shown, new Promise((r) => { timer = setTimeout(r, timeoutMs); })]);
  clearTimeout(timer);
  obs.disconnect();
  return {t0, t1, tDom, rows: list.childElementCount, cid, top: topText()};
}"""

# Runs the cell that shows the photo Chatbox, then times until its 10 images are decoded and laid
# out; records each image box's size when it first appears and when its image has loaded.
FIRST_RENDER = """async ({timeoutMs}) => {
  const app = window.jupyterapp, nb = window.__twNotebook;
  nb.content.activeCell.node.scrollIntoView({block: "start"});  // lazy images load only in view
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const run = app.commands.execute("notebook:run-cell");
  const first = new Map();
  const deadline = t0 + timeoutMs;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  // the photo Chatbox is the notebook's last (an earlier widget's view may still be on the page)
  const photos = () => [...document.querySelectorAll(".jp-Notebook .tw-cb")].at(-1);
  const boxes = () => [...(photos()?.querySelectorAll("img.tw-cb-img") ?? [])];
  const size = (img) => { const r = img.parentElement.getBoundingClientRect(); return [r.width, r.height]; };
  let tLayout = null, tVisible = null;
  while (performance.now() < deadline) {
    const imgs = boxes();
    for (const img of imgs) if (!first.has(img)) first.set(img, size(img));
    if (tLayout === null && imgs.length === 10 && imgs.every((i) => size(i)[1] > 0)) tLayout = performance.now();
    if (tLayout !== null) {
      const s = photos().querySelector(".tw-cb-thread").getBoundingClientRect();
      const inView = imgs.filter((i) => {
        const r = i.getBoundingClientRect();
        return r.bottom > s.top && r.top < s.bottom;
      });
      if (inView.length && inView.every((i) => i.complete && i.naturalWidth > 0)) {
        tVisible = performance.now();
        break;
      }
    }
    await frame();
  }
  await run;
  if (tVisible === null) {
    const imgs = boxes();
    const loaded = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
    const chatboxes = document.querySelectorAll(".jp-Notebook .tw-cb").length;
    const srcs = imgs.filter((i) => i.getAttribute("src")).length;
    const rows = photos()?.querySelectorAll(".tw-cb-rows .tw-cb-msg").length;
    return {error: "the images in view did not load", chatboxes, rows, images: imgs.length, laidOut: tLayout !== null,
            loaded, srcs};
  }
  // then every image (scrolled through, so the lazy ones load): none may have changed its box
  const thread = photos().querySelector(".tw-cb-thread");
  for (const img of boxes()) { img.scrollIntoView({block: "center"}); await frame(); }
  const end = performance.now() + 20000;
  while (performance.now() < end && !boxes().every((i) => i.complete && i.naturalWidth > 0)) await frame();
  const loaded = boxes().filter((i) => i.complete && i.naturalWidth > 0).length;
  const moved = boxes().filter((img) => {
    const [w, h] = size(img), f = first.get(img);
    return Math.abs(w - f[0]) > 0.5 || Math.abs(h - f[1]) > 0.5;
  }).length;
  thread.scrollTop = thread.scrollHeight;
  return {layout_ms: tLayout - t0, visible_ms: tVisible - t0, images: boxes().length, loaded, moved};
}"""


def wait_rows(page: Any, selector: str, n: int, timeout_ms: int = 300_000) -> None:
    page.wait_for_function(
        # a list's rows are its children; the Chatbox's are in blocks (chunked_rows.ts)
        "([s, n]) => { const l = document.querySelector(s); return !!l &&"
        " l.querySelectorAll(':scope > :not(.tw-cb-chunk), :scope > .tw-cb-chunk > *').length === n; }",
        arg=[selector, n],
        timeout=timeout_ms,
    )


def measure(
    page: Any,
    tap: CommTap,
    info: dict[str, str],
    label: str,
    make: str,
    rows: str,
    start_rows: int,
    send: str,
    cid: str | None,
    args: argparse.Namespace,
    load_all: bool = False,
) -> dict[str, Any]:
    run_cell(page, 1, SHOW.format(make=make))
    loaded = int(kernel_exec(page, SETTLED)["stdout"])
    wait_rows(page, rows, loaded)
    if load_all:
        t = time.monotonic()
        loaded = int(kernel_exec(page, LOAD_ALL)["stdout"])
        wait_rows(page, rows, loaded)
        print(f"  {label}: {loaded} messages loaded in {time.monotonic() - t:.1f} s", flush=True)
    model_id = kernel_exec(page, "print(w.model_id)")["stdout"].strip()
    tag = f"{label}-{secrets.token_hex(3)}"
    since = len(tap.frames)
    tokens, samples = [], []
    count = args.naive_messages if (load_all and label == "naive") else args.messages
    for i in range(args.warmup + count):
        token = f"#{tag}-{i:03d}"
        tokens.append(token)
        text = f"Running 5 minutes late, start without me {token}"
        r = page.evaluate(
            send,
            {"base": info["base"], "app": APP, "secret": info["secret"], "cid": cid, "text": text, "timeoutMs": 30_000},
        )
        if "error" in r or r["tDom"] is None:
            state = kernel_exec(
                page,
                "print(w.messages[-1] if hasattr(w, 'messages') else w.conversations[0])",
            )["stdout"]
            raise RuntimeError(f"{tag}: message {i} failed: {r}; kernel: {state}")
        if i >= args.warmup:
            samples.append(r)
    page.wait_for_timeout(300)  # let the last frame events reach Python
    per_msg: dict[int, int] = {}
    for f in tap.comm(model_id, since):
        hit = next((k for k in range(len(tokens) - 1, -1, -1) if tokens[k].encode() in f.raw), None)
        if hit is not None:
            per_msg[hit] = per_msg.get(hit, 0) + f.size
    measured = range(args.warmup, args.warmup + count)
    missing = [k for k in measured if k not in per_msg]
    if missing:
        raise RuntimeError(f"{tag}: no frame found for messages {missing}")
    sizes = [per_msg[k] for k in measured]
    delays = [s["tDom"] - s["t1"] for s in samples]
    starts = [s["tDom"] - s["t0"] for s in samples]
    return {
        "label": label,
        "loaded": loaded,
        "delay_p50": percentile(delays, 50),
        "delay_p95": percentile(delays, 95),
        "start_p50": percentile(starts, 50),
        "start_p95": percentile(starts, 95),
        "bytes_p50": percentile([float(s) for s in sizes], 50),
        "bytes_max": max(sizes),
    }


def first_render(page: Any) -> dict[str, Any]:
    """Close the widget under test, run the cell showing the photo Chatbox and time it; close it."""
    kernel_exec(page, "w.close()")
    page.evaluate("() => { const nb = window.__twNotebook; nb.content.activeCellIndex = 2; nb.content.deselectAll(); }")
    first: dict[str, Any] = page.evaluate(FIRST_RENDER, {"timeoutMs": 60_000})
    print(f"first render of 30 messages with 10 images: {first}", flush=True)
    kernel_exec(page, "photos.close()")
    return first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=30, help="measured messages per configuration (default 30)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument(
        "--naive-messages",
        type=int,
        default=10,
        help="measured messages of the naive Chatbox at 5,000 (default 10: each re-sends MBs)",
    )
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--only", choices=["first-render"], help="run one measurement only")
    args = ap.parse_args()
    if not 1 <= args.messages <= 200:
        ap.error("--messages 1..200")

    from playwright.sync_api import sync_playwright

    started = datetime.now(timezone.utc)
    t_start = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="tw-bench-chat-"))
    root = base / "notebooks"
    root.mkdir()
    write_notebook(
        root / "bench.ipynb", ["# setup", "# the widget under test", 'photos = Chatbox(alice, "photos")\nphotos']
    )
    server = start_jupyterlab(base, root)
    results: list[dict[str, Any]] = []
    first: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            try:
                ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
                ctx.grant_permissions(["local-network-access"])
                page = ctx.new_page()
                page.set_default_timeout(300_000)
                tap = CommTap(page)
                open_notebook(page, server, "bench.ipynb")
                t = time.monotonic()
                setup = SETUP.format(app=APP, long=LONG, image=str(IMAGE))
                info = json.loads(kernel_exec(page, setup)["stdout"].strip())
                print(f"setup in {time.monotonic() - t:.1f} s; emulator {info['base']}", flush=True)
                cb_rows = ".jp-Notebook .tw-cb .tw-cb-rows"
                cl_rows = ".jp-Notebook .tw-cl .tw-cl-list"
                configs = [
                    ("list", "ConversationList(alice)", cl_rows, 20, SEND_LIST, None, False),
                    ("ours", 'Chatbox(alice, "short")', cb_rows, 30, SEND_CHAT, "short", False),
                    ("naive", 'NaiveChatbox(alice, "short")', cb_rows, 30, SEND_CHAT, "short", False),
                    ("ours", 'Chatbox(alice, "long")', cb_rows, LONG, SEND_CHAT, "long", True),
                    ("first", "", "", 0, "", None, False),  # first render, before the heaviest part
                    ("naive", 'NaiveChatbox(alice, "long")', cb_rows, LONG, SEND_CHAT, "long", True),
                ]
                if args.only == "first-render":
                    configs = [c for c in configs if c[0] == "first"]
                    kernel_exec(page, "w = Chatbox(alice)")  # first_render closes the widget under test
                for label, make, rows, n, send, cid, load in configs:
                    if label == "first":
                        first = first_render(page)
                        continue
                    r = measure(page, tap, info, label, make, rows, n, send, cid, args, load)
                    results.append(r)
                    print(
                        f"{label:>5} {r['loaded']:>5}: delay p50 {r['delay_p50']:.1f} ms p95 {r['delay_p95']:.1f} ms, "
                        f"{r['bytes_p50']:.0f} B/message (max {r['bytes_max']})",
                        flush=True,
                    )
                kernel_exec(page, "w.close()")
                ctx.close()
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)

    from importlib.metadata import version

    env = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": round(time.monotonic() - t_start, 1),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        **{name: version(name) for name in ("jupyterlab", "ipykernel", "ipywidgets", "anywidget", "playwright")},
        "messages": args.messages,
        "warmup": args.warmup,
    }
    print(f"\n{env}\n")
    if args.only == "first-render":
        ok = first.get("moved") == 0 and first.get("loaded") == 10
        print(f"first render: {first}; no image moved: {'met' if ok else 'NOT met'}")
        return 0 if ok else 1
    print("| widget | loaded | delay p50 (ms) | delay p95 (ms) | POST start→DOM p50 (ms) | bytes/message p50 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    names = {"list": "ConversationList", "ours": "Chatbox", "naive": "Chatbox, naive full resend"}
    for r in results:
        print(
            f"| {names[r['label']]} | {r['loaded']:,} | {r['delay_p50']:.1f} | {r['delay_p95']:.1f} "
            f"| {r['start_p50']:.1f} | {r['bytes_p50']:,.0f} | {r['bytes_max']:,} |"
        )

    def get(label: str, big: bool) -> dict[str, Any]:
        rows = [r for r in results if r["label"] == label]
        return max(rows, key=lambda r: r["loaded"]) if big else min(rows, key=lambda r: r["loaded"])

    ours30, ours5k, naive5k, lst = get("ours", False), get("ours", True), get("naive", True), get("list", False)
    flat = ours5k["bytes_p50"] <= ours30["bytes_p50"] * 1.1
    ratio = naive5k["bytes_p50"] / ours5k["bytes_p50"]
    # the target compares the Chatbox with the list at either history length, on both clocks
    clocks = {"delay_p50": "answer→DOM", "start_p50": "POST start→DOM"}
    ratios = {
        f"{name} p50 at {r['loaded']:,}": r[key] / lst[key] for r in (ours30, ours5k) for key, name in clocks.items()
    }
    delay_ratio = max(ratios.values())
    print(
        f"\nbytes per message, {ours30['loaded']} -> {ours5k['loaded']:,} loaded: "
        f"{ours30['bytes_p50']:.0f} -> {ours5k['bytes_p50']:.0f} B"
    )
    print(f"naive ÷ ours bytes at {ours5k['loaded']:,}: {ratio:.0f}×")
    print("Chatbox ÷ ConversationList: " + ", ".join(f"{k} {v:.2f}×" for k, v in ratios.items()))
    if args.json:
        args.json.write_text(
            json.dumps({"env": env, "results": results, "ratios": ratios, "first_render": first}, indent=2)
        )
    ok = flat and ratio >= 50 and delay_ratio <= 1.5 and first.get("moved") == 0 and first.get("loaded") == 10
    print(
        "targets (flat bytes, >= 50x below naive, delay <= 1.5x the list, no image moved): "
        + ("met" if ok else "NOT met")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
