"""ConversationList in a real JupyterLab: POST -> DOM delay and kernel -> browser bytes per update.

    .venv/bin/python -m bench.conversation_list_jupyterlab                 # 30 messages per config
    .venv/bin/python -m bench.conversation_list_jupyterlab --messages 10 --sizes 20,1000 --json out.json

Not a test.  Starts its own JupyterLab (loopback, free port, token, private Jupyter dirs in a temp
dir that is removed afterwards) and Debian's headless Chromium, opens a bench notebook and, for each
configuration (list size 20 or 1,000 loaded x sync variant), measures ``--messages`` messages after
``--warmup`` ones, one at a time:

* **ours**: ``ConversationList`` as shipped (one ``patch`` custom message per change);
* **naive**: ``NaiveList``, a small subclass defined in the notebook that sets the whole
  ``conversations`` trait on every snapshot (an ordinary ipywidgets ``update`` message with the
  full list).  Same kernel code, same front end bundle (which reconciles a full trait change by
  id), so the sync protocol is the only difference.

Each message is POSTed *from the page* (``fetch`` to the kernel's embedded emulator, whose base URL
and app secret the notebook prints; the emulator allows CORS) as bob, to the conversation at the
bottom of alice's list, so it moves to the top.  A ``MutationObserver`` stamps ``performance.now()``
when the top row shows the message's text: POST start, POST answered and DOM update are all on the
page's clock. The next message starts once a frame with the update has been drawn (two
``requestAnimationFrame``s), so one update's rendering is not counted in the next message's time;
``--rounds`` repeats every configuration, interleaved, and the tables show medians of the rounds.
Bytes are the kernel -> browser websocket frames (Playwright ``framereceived``) of ``comm_msg``
messages for the widget's model, attributed to a message by the unique token in its text.  Runs for
about a minute per round; exits by itself; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.browser_support import launch_browser
from tests.jupyter_support import (
    CommTap,
    kernel_exec,
    open_notebook,
    run_cell,
    start_jupyterlab,
    write_notebook,
)

APP = "bench"

SETUP = """\
import json, httpx
from talkwidgets import ConversationList, get_talk_session
from talkwidgets.emulator.server import shared_server
from talkwidgets.widgets._list_sync import apply_ops

alice = await get_talk_session(app_id="{app}", user_id="alice")
server = shared_server()
secret = server.ensure_app("{app}")
async with httpx.AsyncClient(base_url=f"{{server.base_url}}/v1/{app}", timeout=30,
                             headers={{"Authorization": f"Bearer {{secret}}"}}) as http:
    for uid in ("alice", "bob"):
        (await http.put(f"/users/{{uid}}", json={{"name": uid.title()}})).raise_for_status()
    for i in range({total}):
        cid = f"c{{i:04d}}"
        (await http.put(f"/conversations/{{cid}}", json={{"participants": ["alice", "bob"],
                                                         "subject": f"Project thread {{i}}"}})).raise_for_status()
        kickoff = {{"sender": "alice", "text": f"Kick-off notes for thread {{i}}, see you there"}}
        (await http.post(f"/conversations/{{cid}}/messages", json=[kickoff])).raise_for_status()


class NaiveList(ConversationList):
    \"\"\"Baseline: the whole list in the ``conversations`` trait on every change (same front end).\"\"\"

    def patch_conversations(self, ops):  # what ConversationList calls with a change set
        return [] if not ops else self.update_conversations(apply_ops(self.conversations, ops))

    def update_conversations(self, new):  # (what ConversationList called before change sets)
        new_list = [dict(c) for c in new]
        if new_list == self.conversations:
            return []
        with self.hold_sync():  # one ipywidgets "update" message carrying both traits
            self.conversations = new_list
            self._seq = self._seq + 1
        return None

print(json.dumps({{"base": server.base_url, "secret": secret}}))
"""

SHOW = """\
if "w" in globals():
    w.close()
w = {cls}(alice)
w
"""

LOAD_ALL = """\
while not w.loaded_all:
    await w.load_more(30)
print(len(w.conversations))
"""

SEND = """async ({base, app, secret, text, timeoutMs}) => {
  const list = document.querySelector(".jp-Notebook .tw-cl .tw-cl-list");
  const cid = list.lastElementChild.dataset.id;              // bottom row: it moves to the top
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
  // Settle: the next message starts only once a frame with this update has been drawn, so the
  // rendering of one update is never counted in the next message's time.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const tFrame = performance.now();
  return {cid, t0, t1, tDom, tFrame, rows: list.childElementCount};
}"""


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def wait_rows(page: Any, n: int, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(
        """(n) => { const l = document.querySelector(".jp-Notebook .tw-cl .tw-cl-list");
                    return !!l && l.childElementCount === n; }""",
        arg=n,
        timeout=timeout_ms,
    )


def run_config(
    page: Any, tap: CommTap, info: dict[str, str], variant: str, size: int, messages: int, warmup: int
) -> dict[str, Any]:
    cls = "ConversationList" if variant == "ours" else "NaiveList"
    run_cell(page, 1, SHOW.format(cls=cls))
    wait_rows(page, 20)
    if size > 20:
        kernel_exec(page, LOAD_ALL)
        wait_rows(page, size)
    model_id = kernel_exec(page, "print(w.model_id)")["stdout"].strip()
    assert kernel_exec(page, "print(type(w).__name__, len(w.conversations))")["stdout"].split() == [cls, str(size)]
    # One-off size of the whole list as JSON (what a full resend carries).
    list_bytes = int(kernel_exec(page, "print(len(json.dumps(w.conversations, separators=(',', ':'))))")["stdout"])

    run_id = secrets.token_hex(3)
    tag = f"{variant}{size}-{run_id}"
    since = len(tap.frames)
    samples = []
    tokens = []
    for i in range(warmup + messages):
        token = f"#{tag}-{i:03d}"
        tokens.append(token)
        text = f"Running 5 minutes late, start without me {token}"
        r = page.evaluate(
            SEND, {"base": info["base"], "app": APP, "secret": info["secret"], "text": text, "timeoutMs": 30_000}
        )
        if "error" in r:
            raise RuntimeError(f"POST failed: {r['error']}")
        if r["tDom"] is None:
            raise RuntimeError(f"{tag}: message {i} never showed in the DOM")
        if r["rows"] != size:
            raise RuntimeError(f"{tag}: {r['rows']} rows, expected {size}")
        if i >= warmup:
            samples.append(r)
    # One click on a row after the patches: what the selection costs browser -> kernel.
    sent_since = len(tap.sent)
    row = page.locator(".jp-Notebook .tw-cl .tw-cl-item").nth(1)
    row.click()
    page.wait_for_function("(el) => el.getAttribute('aria-selected') === 'true'", arg=row.element_handle())
    page.wait_for_timeout(300)  # let the last frame events reach Python (not part of any figure)
    select_up = [f.size for f in tap.comm(model_id, sent_since, sent=True)]

    # Bytes: every comm_msg frame for this model, attributed to the newest token it contains
    # (a full list also contains older tokens; a frame never contains a later one).
    per_msg: dict[int, list[int]] = {}
    per_msg_content: dict[int, int] = {}
    other = []
    for f in tap.comm(model_id, since):
        hit = next((k for k in range(len(tokens) - 1, -1, -1) if tokens[k].encode() in f.raw), None)
        if hit is None:
            other.append(f)
            continue
        per_msg.setdefault(hit, []).append(f.size)
        per_msg_content[hit] = per_msg_content.get(hit, 0) + f.content_size
    measured = range(warmup, warmup + messages)
    missing = [k for k in measured if k not in per_msg]
    if missing:
        raise RuntimeError(f"{tag}: no frame found for messages {missing}")
    sizes = [sum(per_msg[k]) for k in measured]
    frames = [len(per_msg[k]) for k in measured]
    after_answer = [s["tDom"] - s["t1"] for s in samples]
    after_start = [s["tDom"] - s["t0"] for s in samples]
    post = [s["t1"] - s["t0"] for s in samples]
    drawn = [s["tFrame"] - s["tDom"] for s in samples]
    return {
        "variant": variant,
        "size": size,
        "messages": messages,
        "delay_p50": pct(after_answer, 0.5),
        "delay_p95": pct(after_answer, 0.95),
        "start_p50": pct(after_start, 0.5),
        "start_p95": pct(after_start, 0.95),
        "post_p50": pct(post, 0.5),
        "dom_to_frame_p50": pct(drawn, 0.5),
        "bytes_p50": pct(sizes, 0.5),
        "bytes_max": max(sizes),
        "content_bytes_p50": pct([per_msg_content[k] for k in measured], 0.5),
        "frames_per_update": sorted(set(frames)),
        "other_frames": [(f.method, f.size) for f in other],
        "list_json_bytes": list_bytes,
        "select_up_bytes": sum(select_up),
        "select_up_frames": len(select_up),
    }


def median_of_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration's figures: the median over rounds of each number (the first run's other fields)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("size", "round"):
            out[key] = statistics.median(r[key] for r in runs)
    out["frames_per_update"] = sorted({f for r in runs for f in r["frames_per_update"]})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=30, help="measured messages per configuration (default 30)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--sizes", default="20,1000", help="loaded list sizes (default 20,1000)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every configuration this many times, interleaved; tables show the median of the rounds' figures",
    )
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not 1 <= args.messages <= 200 or not all(20 <= s <= 2000 for s in sizes) or not 1 <= args.rounds <= 20:
        ap.error("--messages 1..200, sizes 20..2000, --rounds 1..20")
    total = max(sizes)

    from playwright.sync_api import sync_playwright

    started = datetime.now(timezone.utc)
    t_start = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="tw-bench-jlab-"))
    root = base / "notebooks"
    root.mkdir()
    write_notebook(root / "bench.ipynb", [SETUP.format(app=APP, total=total), "# the widget under test"])
    server = start_jupyterlab(base, root)
    rounds: list[dict[str, Any]] = []
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            try:
                ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
                page = ctx.new_page()
                page.set_default_timeout(120_000)
                tap = CommTap(page)
                open_notebook(page, server, "bench.ipynb")
                t = time.monotonic()
                info = json.loads(kernel_exec(page, SETUP.format(app=APP, total=total))["stdout"].strip())
                print(
                    f"setup: {total} conversations in {time.monotonic() - t:.1f} s; emulator {info['base']}", flush=True
                )
                for rnd, size, variant in itertools.product(range(args.rounds), sizes, ("ours", "naive")):
                    r = run_config(page, tap, info, variant, size, args.messages, args.warmup)
                    r["round"] = rnd
                    rounds.append(r)
                    print(
                        f"round {rnd + 1} {variant:>5} {size:>5}: POST start→DOM p50 {r['start_p50']:.1f} ms, "
                        f"delay p50 {r['delay_p50']:.1f} ms p95 {r['delay_p95']:.1f} ms, {r['bytes_p50']} B/update "
                        f"(frames {r['frames_per_update']}, other {r['other_frames']}); "
                        f"a click sends {r['select_up_bytes']} B in {r['select_up_frames']} frames",
                        flush=True,
                    )
                kernel_exec(page, "w.close()")
                ctx.close()
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)

    results = [
        median_of_rounds([r for r in rounds if r["size"] == size and r["variant"] == variant])
        for size in sizes
        for variant in ("ours", "naive")
    ]

    from importlib.metadata import version

    env = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": round(time.monotonic() - t_start, 1),
        "python": platform.python_version(),
        **{
            name: version(name)
            for name in ("jupyterlab", "jupyter_server", "ipykernel", "ipywidgets", "anywidget", "playwright")
        },
        "messages": args.messages,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
    }
    print(f"\n{env}\n")
    print(
        "| loaded | variant | delay p50 (ms) | delay p95 (ms) | POST start→DOM p50 (ms) | POST p50 (ms) "
        "| DOM→next frame p50 (ms) | bytes/update (p50) | max | frames/update |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['size']} | {r['variant']} | {r['delay_p50']:.1f} | {r['delay_p95']:.1f} | {r['start_p50']:.1f} "
            f"| {r['post_p50']:.1f} | {r['dom_to_frame_p50']:.1f} "
            f"| {r['bytes_p50']:,} | {r['bytes_max']:,} | {'/'.join(map(str, r['frames_per_update']))} |"
        )
    print("\n| loaded | variant | browser → kernel bytes for one click (after the updates) |")
    print("|---:|---|---:|")
    for r in results:
        print(f"| {r['size']} | {r['variant']} | {r['select_up_bytes']:,} ({r['select_up_frames']} frames) |")
    print("\n| loaded | naive ÷ ours bytes | naive ÷ ours delay p50 | naive ÷ ours delay p95 | list JSON (bytes) |")
    print("|---:|---:|---:|---:|---:|")
    for size in sizes:
        ours = next(r for r in results if r["size"] == size and r["variant"] == "ours")
        naive = next(r for r in results if r["size"] == size and r["variant"] == "naive")
        print(
            f"| {size} | {naive['bytes_p50'] / ours['bytes_p50']:.1f}× | {naive['delay_p50'] / ours['delay_p50']:.1f}× "
            f"| {naive['delay_p95'] / ours['delay_p95']:.1f}× | {ours['list_json_bytes']:,} |"
        )
    lo, hi = min(sizes), max(sizes)
    if lo != hi:
        per_round = []
        for rnd in range(args.rounds):
            ours = {r["size"]: r for r in rounds if r["round"] == rnd and r["variant"] == "ours"}
            per_round.append(ours[hi]["start_p50"] / ours[lo]["start_p50"])
        ours_lo = next(r for r in results if r["size"] == lo and r["variant"] == "ours")
        ours_hi = next(r for r in results if r["size"] == hi and r["variant"] == "ours")
        print(
            f"\nours, POST start→DOM p50 at {hi:,} ÷ at {lo:,} loaded: "
            f"{ours_hi['start_p50'] / ours_lo['start_p50']:.2f}× "
            f"(medians of {args.rounds} rounds); per round: {', '.join(f'{x:.2f}×' for x in per_round)}"
        )
    if args.json:
        args.json.write_text(json.dumps({"env": env, "results": results, "rounds": rounds}, indent=2))
    ok = all(r["bytes_max"] <= 4096 for r in results if r["variant"] == "ours")
    big = [s for s in sizes if s >= 1000]
    for size in big:
        ours = next(r for r in results if r["size"] == size and r["variant"] == "ours")
        naive = next(r for r in results if r["size"] == size and r["variant"] == "naive")
        ok = ok and naive["bytes_p50"] >= 20 * ours["bytes_p50"]
    print(f"\ntargets (ours <= 4 KB per update; >= 20x fewer bytes than naive at 1,000): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
