"""Where one ``POST /messages`` spends its time in the emulator, end to end, with a live-feed subscriber.

The emulator runs in a subprocess under pyinstrument (statistical, every 0.5 ms of wall time, main
thread: uvicorn serves from it). This process creates a sender and one subscriber in one
conversation, opens the subscriber's live feed, sends warm-up messages, then asks the server to start
profiling (SIGUSR1), sends the measured messages one at a time with a lean keep-alive HTTP client
(``_emulator.LeanHttp``), waits until the subscriber has every event, and asks for the profile
(SIGUSR2). Printed: the server's busy time per message and the functions that take it, by
inclusive and by own time.

Run from the repository root::

    .venv/bin/python bench/emulator_profile.py                  # 2,000 messages, in-memory database
    .venv/bin/python bench/emulator_profile.py --db file        # a WAL database file, as `serve --db`
    .venv/bin/python bench/emulator_profile.py --before /tmp/main --before-python /tmp/main/.venv/bin/python

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
sys.path.insert(0, str(Path(__file__).resolve().parent))

IDLE = ("epoll.poll", "select.epoll.poll", "poll", "select", "Loop.run_forever", "run_forever")
"""Frames whose own time is the event loop waiting for input: ``epoll.poll`` for asyncio's loop,
uvloop's ``run_forever`` (it waits inside its C code)."""


# -- the profiled server (its own process) ---------------------------------------------------------


def serve_profiled(root: str, port: int, db: str, out: str) -> None:
    sys.path.insert(0, root)
    from _emulator import APP_ID, SECRET
    from pyinstrument import Profiler

    from talkwidgets.emulator import Emulator, EmulatorConfig, serve

    emulator = Emulator(EmulatorConfig(db_path=db))
    emulator.store.ensure_app(APP_ID, SECRET)
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
    idle = sum(t for name, t in own.items() if name.split(" (")[0] in IDLE)
    return {"duration": duration, "idle": idle, "inclusive": inclusive.most_common(60), "own": own.most_common(40)}


# -- the client ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from _common import free_port, stop, text_of
    from _emulator import APP_ID, SECRET, LeanHttp
    from websockets.asyncio.client import connect

    from talkwidgets.model.auth import mint_user_token

    port = free_port()
    tmp = tempfile.mkdtemp(prefix="emulator-profile-")
    out = os.path.join(tmp, "profile.json")
    db = ":memory:" if args.db == "memory" else os.path.join(tmp, "bench.db")
    root = args.before or str(ROOT)
    python = args.before_python or sys.executable
    proc = subprocess.Popen(
        [python, __file__, "--serve", str(port), "--root", root, "--db-path", db, "--out", out],
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
        status, _ = await http.call("PUT", f"{api}/users", {"sender": {"name": "S"}, "sub": {"name": "R"}})
        assert status == 200, status
        status, _ = await http.call("PUT", f"{api}/conversations/room", {"participants": ["sender", "sub"]})
        assert status == 200, status
        token = mint_user_token(APP_ID, "sub", SECRET, ttl=3600)
        url = f"ws://127.0.0.1:{port}{api}/feed"
        total = args.warmup + args.messages
        received = 0
        done = asyncio.Event()
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None) as ws:
            assert json.loads(await ws.recv())["op"] == "hello"

            async def pump() -> None:
                nonlocal received
                async for _frame in ws:
                    received += 1
                    if received == total:
                        done.set()

            task = asyncio.create_task(pump())
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
            task.cancel()
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
        stop(proc)


def report(profile: dict[str, Any], top: int) -> str:
    duration, idle, n = profile["duration"], profile["idle"], profile["messages"]
    busy = duration - idle
    lines = [
        f"{n} messages in {duration:.2f} s of profile; server busy {busy:.2f} s "
        f"= {busy / n * 1e6:.0f} µs per message; POST p50 at the client {profile['post_p50_ms']:.2f} ms",
        "",
        "| function (inclusive) | % of busy | µs per message |",
        "|---|---:|---:|",
    ]
    for name, t in profile["inclusive"]:
        if len(lines) >= top + 4:
            break
        if t >= busy * 0.999 or name.split(" (")[0] in IDLE:
            continue  # the server's own entry frames: all of the busy time
        lines.append(f"| `{name}` | {t / busy * 100:.1f} | {t / n * 1e6:.0f} |")
    lines += ["", "| function (own time) | % of busy | µs per message |", "|---|---:|---:|"]
    shown = 0
    for name, t in profile["own"]:
        if name.split(" (")[0] in IDLE:
            continue
        lines.append(f"| `{name}` | {t / busy * 100:.1f} | {t / n * 1e6:.0f} |")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--db", choices=("memory", "file"), default="memory")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", default=None, help="also write the raw profile summary to this file")
    parser.add_argument("--before", default=None, help="profile the emulator of this checkout instead")
    parser.add_argument("--before-python", default=None, help="the Python that runs --before's emulator")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--db-path", default=":memory:", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve_profiled(args.root, args.serve, args.db_path, args.out)
        return 0
    profile = asyncio.run(run(args))
    print(report(profile, args.top))
    if args.json:
        Path(args.json).write_text(json.dumps(profile, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
