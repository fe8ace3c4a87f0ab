"""Where one ``POST /messages`` spends its time in the emulator, end to end, with a live-feed subscriber.

The emulator runs in a subprocess under pyinstrument (statistical, every 0.5 ms of wall time, main
thread: uvicorn serves from it). This process creates a sender and one subscriber in one
conversation (``--subscribers`` of them), opens their live feeds, sends warm-up messages, then asks the server to start
profiling (SIGUSR1), sends the measured messages one at a time with a lean keep-alive HTTP client
(``bench._emulator.LeanHttp``), waits until the subscriber has every event, and asks for the profile
(SIGUSR2). Printed: where the server's time goes per message (the inclusive time of the frames
that make up a POST, as a share of the profile's wall time), and the functions with the most own
time. The profiler slows the server down (every call and return is seen), so the shares matter
more than the µs.

Run from the repository root::

    .venv/bin/python -m bench.emulator_profile                  # 2,000 messages, in-memory database
    .venv/bin/python -m bench.emulator_profile --db file        # a WAL database file, as `serve --db`
    .venv/bin/python -m bench.emulator_profile --before /tmp/main --before-python /tmp/main/.venv/bin/python

``--before`` profiles the emulator of another checkout (its own code, this same client). Needs the
``bench`` extra (pyinstrument). Nothing here is a test; figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# -- the profiled server (its own process) ---------------------------------------------------------


def serve_profiled(root: str, port: int, db: str, out: str, app_id: str, secret: str) -> None:
    """Run by file path (not ``-m``), so that ``root``'s own ``talkwidgets`` is the one imported:
    this checkout's, or ``--before``'s."""
    sys.path.insert(0, root)
    from pyinstrument import Profiler

    from talkwidgets.emulator import Emulator, EmulatorConfig, serve

    emulator = Emulator(EmulatorConfig(db_path=db))
    emulator.store.ensure_app(app_id, secret)
    profiler = Profiler(interval=0.0005, async_mode="disabled")

    def start(*_: Any) -> None:
        profiler.start()

    def dump(*_: Any) -> None:
        session = profiler.stop()
        Path(out).write_text(json.dumps(summarise(session.root_frame(), session.duration)))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, dump)
    serve(emulator, "127.0.0.1", port, log_level="error")


def summarise(root: Any, duration: float) -> dict[str, Any]:
    """Inclusive and own time per function (``name (file)``), each function counted once per stack."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()

    def key(frame: Any) -> str:
        path = frame.file_path_short or ""
        return f"{frame.function} ({path})" if path else str(frame.function)

    stack: list[tuple[Any, str, frozenset[str]]] = [(root, "", frozenset())]
    while stack:
        frame, parent, above = stack.pop()
        if frame.function == "[self]":  # pyinstrument's synthetic leaf: the parent's own time
            own[parent] += frame.time
            continue
        name = key(frame)
        if name not in above:
            inclusive[name] += frame.time
        if not frame.children:
            own[name] += frame.time
        stack.extend((child, name, above | {name}) for child in frame.children)
    return {"duration": duration, "inclusive": inclusive.most_common(400), "own": own.most_common(60)}


# -- the client ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    from bench._common import text_of
    from bench._emulator import APP_ID, SECRET, LeanHttp
    from talkwidgets.model.auth import mint_user_token
    from tests.process_support import free_port, stop_process

    port = free_port()
    tmp = tempfile.mkdtemp(prefix="emulator-profile-")
    out = os.path.join(tmp, "profile.json")
    db = ":memory:" if args.db == "memory" else os.path.join(tmp, "bench.db")
    root = os.path.abspath(args.before) if args.before else str(ROOT)
    python = os.path.abspath(args.before_python or sys.executable)
    proc = subprocess.Popen(
        [python, __file__, "--serve", str(port), "--root", root, "--db-path", db, "--out", out]
        + ["--app-id", APP_ID, "--secret", SECRET],
        cwd=root,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                http = await LeanHttp.open(port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the profiled emulator did not start")
        api = f"/v1/{APP_ID}"
        subs = [f"sub{k:03d}" for k in range(args.subscribers)]
        status, _ = await http.call("PUT", f"{api}/users", {u: {"name": u} for u in ["sender", *subs]})
        assert status == 200, status
        status, _ = await http.call("PUT", f"{api}/conversations/room", {"participants": ["sender", *subs]})
        assert status == 200, status
        url = f"ws://127.0.0.1:{port}{api}/feed"
        total = args.warmup + args.messages
        received = 0
        done = asyncio.Event()
        sockets = []
        for sub in subs:
            token = mint_user_token(APP_ID, sub, SECRET, ttl=3600)
            ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None)
            assert json.loads(await ws.recv())["op"] == "hello"
            sockets.append(ws)

        async def pump(ws: Any) -> None:
            nonlocal received
            async for _frame in ws:
                received += 1
                if received == total * len(sockets):
                    done.set()

        tasks = [asyncio.create_task(pump(ws)) for ws in sockets]
        path = f"{api}/conversations/room/messages"
        requests = [
            http.request_bytes("POST", path, json.dumps([{"text": text_of(i), "sender": "sender"}]).encode())
            for i in range(total)
        ]
        for i in range(args.warmup):
            await http.send(requests[i])
        os.kill(proc.pid, signal.SIGUSR1)
        await asyncio.sleep(0.2)  # the signal is handled between two bytecodes of the server's loop
        posts = []
        for i in range(args.warmup, total):
            started = time.perf_counter()
            status, _ = await http.send(requests[i])
            posts.append(time.perf_counter() - started)
            assert status == 200, status
        await asyncio.wait_for(done.wait(), 60)
        os.kill(proc.pid, signal.SIGUSR2)
        for task in tasks:
            task.cancel()
        for ws in sockets:
            await ws.close()
        await http.close()
        for _ in range(200):
            if os.path.exists(out) and os.path.getsize(out):
                break
            await asyncio.sleep(0.05)
        profile: dict[str, Any] = json.loads(Path(out).read_text())
        posts.sort()
        profile["post_p50_ms"] = posts[len(posts) // 2] * 1000
        profile["messages"] = args.messages
        return profile
    finally:
        stop_process(proc)


LOOP = ("run (asyncio/runners.py)", "epoll.poll")
"""The event loop's own time: waiting for sockets (uvloop: also its C socket code)."""
PARTS = (
    ("the event loop itself (waiting; uvloop: its C socket code too)", LOOP),
    ("a request through uvicorn and Starlette", ("run_asgi (uvicorn/",)),
    ("· the route: token, body, store, answer", ("handler (talkwidgets/emulator/_http",)),
    ("· · reading the JSON body", ("read_json (talkwidgets/emulator/_http",)),
    ("· · checking the message (markup parsed)", ("check_message (talkwidgets/emulator/bodies",)),
    ("· · checking the token", ("authenticate (talkwidgets/emulator/auth",)),
    ("· · the store: one transaction, events published", ("send_messages (talkwidgets/emulator/store/__init__",)),
    ("· · · SQLite statements (all)", ("Connection.execute (<built-in>)",)),
    ("· · · the message's search words (FTS5)", ("index_message (talkwidgets/emulator/store/queries/search",)),
    ("· · · handing events to the live feeds", ("_published (talkwidgets/emulator/instance",)),
    ("· writing the answer", ("__call__ (starlette/responses.py)",)),
    ("parsing requests (HTTP protocol)", ("data_received (uvicorn/", "data_received (talkwidgets/emulator/protocol")),
    ("feed connections' writer tasks", ("writer (talkwidgets/emulator/feed",)),
)
"""Frames whose inclusive time shows where a POST goes, matched by the start of ``function (file)``."""


def report(profile: dict[str, Any], top: int) -> str:
    duration, n = profile["duration"], profile["messages"]
    inclusive: dict[str, float] = dict(profile["inclusive"])
    own: dict[str, float] = dict(profile["own"])

    def time_of(prefixes: tuple[str, ...], table: dict[str, float]) -> float | None:
        found = [t for name, t in table.items() if name.startswith(prefixes)]
        return max(found) if found else None

    lines = [
        f"{n} messages in {duration:.2f} s of profile ({duration / n * 1e6:.0f} µs of wall time per message; "
        f"POST p50 at the client, while profiled: {profile['post_p50_ms']:.2f} ms)",
        "",
        "| part of the time | % | µs per message |",
        "|---|---:|---:|",
    ]
    for label, prefixes in PARTS:
        table = own if prefixes is LOOP else inclusive
        t = time_of(prefixes, table)
        cells = ("–", "–") if t is None else (f"{t / duration * 100:.1f}", f"{t / n * 1e6:.0f}")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    lines += ["", "| function (own time) | % | µs per message |", "|---|---:|---:|"]
    shown = 0
    for name, t in profile["own"]:
        if name.startswith(LOOP):
            continue
        lines.append(f"| `{name}` | {t / duration * 100:.1f} | {t / n * 1e6:.0f} |")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--db", choices=("memory", "file"), default="memory")
    parser.add_argument("--subscribers", type=int, default=1, help="live-feed connections (at most 99)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", default=None, help="also write the raw profile summary to this file")
    parser.add_argument("--before", default=None, help="profile the emulator of this checkout instead")
    parser.add_argument("--before-python", default=None, help="the Python that runs --before's emulator")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--db-path", default=":memory:", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--app-id", default="", help=argparse.SUPPRESS)
    parser.add_argument("--secret", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve_profiled(args.root, args.serve, args.db_path, args.out, args.app_id, args.secret)
        return 0
    profile = asyncio.run(run(args))
    print(report(profile, args.top))
    if args.json:
        Path(args.json).write_text(json.dumps(profile, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
