"""Live-feed throughput and delay of the emulator, beside a bare ``websockets`` broadcast baseline.

For 1, 10 and 100 live-feed subscribers this measures

* **msgs/s**: messages sent by one sequential sender and delivered to every subscriber, divided by
  the time from the first send to the last delivery;
* **delay**: for each (message, subscriber) pair, the subscriber's receive time minus the time the
  sender got the answer to its ``POST /messages`` (p50 and p99; negative when the event overtakes
  the HTTP answer). The delay from the moment the sender *started* the request is reported too.

Both servers run in their own subprocess, so they never share a GIL with the clients. The sender
and all subscribers live in this (client) process and share one ``time.perf_counter`` clock.

* **emulator**: ``talkwidgets serve`` (in-memory SQLite) on a free port. Subscribers open the live
  feed with user tokens of the conversation's participants; the sender POSTs one message at a time
  with httpx and the secret key.
* **baseline**: a bare ``websockets`` server (``--baseline-server``, this same file). The sender
  sends each payload over a WebSocket; the server broadcasts exactly those bytes to every subscriber
  and then answers the sender. The payloads are real emulator ``message.sent`` frames of the same
  size as the emulator run's, so both sides move the same bytes.

Run from the repository root::

    .venv/bin/python -m bench.feed_throughput            # 300 messages per configuration
    .venv/bin/python -m bench.feed_throughput --quick    # 50 messages, for a smoke run

It prints a markdown table (and ``--json PATH`` writes the raw figures). Nothing here is a test:
timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import websockets
from websockets.asyncio.client import connect

from bench._common import MARKER, marker_index, percentile, text_of
from talkwidgets.model.auth import mint_user_token
from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent

APP_ID = "bench"
SECRET = "sk_test_bench_secret_key_0123456789abcdef"
CONVERSATION = "room"
SENDER = "sender"
WARMUP = 20


# -- the baseline server (runs in its own process) ------------------------------------------------


async def _baseline_server(port: int) -> None:
    from websockets.asyncio.server import broadcast, serve

    subscribers: set = set()

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        if ws.request.path == "/sub":
            subscribers.add(ws)
            try:
                await ws.send('{"op":"hello"}')
                await ws.wait_closed()
            finally:
                subscribers.discard(ws)
        elif ws.request.path == "/post":
            async for payload in ws:
                broadcast(subscribers, payload)
                await ws.send("ok")

    async with serve(handler, "127.0.0.1", port, max_size=None, ping_interval=None) as server:
        print("ready", flush=True)
        await server.serve_forever()


# -- helpers ---------------------------------------------------------------------------------------


@dataclass
class Result:
    server: str
    subscribers: int
    messages: int
    msgs_per_s: float
    delay_p50_ms: float
    delay_p99_ms: float
    send_to_recv_p50_ms: float
    send_to_recv_p99_ms: float
    post_p50_ms: float
    lost: int


class Recorder:
    """Receive times per subscriber, indexed by message number."""

    def __init__(self, subscribers: int, total: int) -> None:
        self.recv: list[list[float | None]] = [[None] * total for _ in range(subscribers)]
        self.remaining = subscribers * total
        self.done = asyncio.Event()

    async def pump(self, k: int, ws) -> None:  # type: ignore[no-untyped-def]
        row = self.recv[k]
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in ws:
                now = time.perf_counter()
                i = marker_index(frame)
                if i is not None and i < len(row) and row[i] is None:
                    row[i] = now
                    self.remaining -= 1
                    if self.remaining == 0:
                        self.done.set()


def summarise(server: str, rec: Recorder, sent: list[float], answered: list[float]) -> Result:
    measured = range(WARMUP, len(sent))
    delays, e2e, lost, last = [], [], 0, 0.0
    for row in rec.recv:
        for i in measured:
            t = row[i]
            if t is None:
                lost += 1
                continue
            delays.append((t - answered[i]) * 1000)
            e2e.append((t - sent[i]) * 1000)
            last = max(last, t)
    n = len(measured)
    span = last - sent[WARMUP] if last else float("nan")
    posts = [(answered[i] - sent[i]) * 1000 for i in measured]
    return Result(
        server,
        len(rec.recv),
        n,
        n / span if span else float("nan"),
        percentile(delays, 50),
        percentile(delays, 99),
        percentile(e2e, 50),
        percentile(e2e, 99),
        percentile(posts, 50),
        lost,
    )


async def wait_all(rec: Recorder, timeout: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(rec.done.wait(), timeout)


# -- emulator run ----------------------------------------------------------------------------------


async def run_emulator(subscribers: int, messages: int) -> tuple[Result, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talkwidgets",
            "serve",
            "--port",
            str(port),
            "--app-id",
            APP_ID,
            "--secret-key",
            SECRET,
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    api = f"{base}/v1/{APP_ID}"
    try:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=30) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{base}/_emulator/health")).status_code == 200:
                        break
                if proc.poll() is not None:
                    raise RuntimeError(f"emulator exited: {proc.stderr.read().decode() if proc.stderr else ''}")
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("emulator did not start")
            users = [SENDER] + [f"sub{k:03d}" for k in range(subscribers)]
            for at in range(0, len(users), 100):  # the batch endpoint takes at most 100 users
                r = await http.put(f"{api}/users", json={u: {"name": u} for u in users[at : at + 100]})
                r.raise_for_status()
            r = await http.put(f"{api}/conversations/{CONVERSATION}", json={"participants": users})
            r.raise_for_status()

            total = WARMUP + messages
            rec = Recorder(subscribers, total)
            sockets = []
            for k in range(subscribers):
                token = mint_user_token(APP_ID, users[k + 1], SECRET, ttl=3600)
                ws = await connect(
                    f"ws://127.0.0.1:{port}/v1/{APP_ID}/feed",
                    additional_headers={"Authorization": f"Bearer {token}"},
                    max_size=None,
                    ping_interval=None,
                )
                hello = json.loads(await ws.recv())
                assert hello["op"] == "hello", hello
                sockets.append(ws)
            pumps = [asyncio.create_task(rec.pump(k, ws)) for k, ws in enumerate(sockets)]

            sent, answered = [0.0] * total, [0.0] * total
            url = f"{api}/conversations/{CONVERSATION}/messages"
            for i in range(total):
                body = [{"text": text_of(i), "sender": SENDER}]
                sent[i] = time.perf_counter()
                r = await http.post(url, json=body)
                answered[i] = time.perf_counter()
                if r.status_code != 200:
                    raise RuntimeError(f"POST answered {r.status_code}: {r.text}")
            await wait_all(rec, 60)
            # one real frame, reused as the baseline's payload so both move the same bytes
            r = await http.get(url, params={"limit": 1})
            frame = json.dumps(
                {
                    "op": "event",
                    "seq": 10**6,
                    "type": "message.sent",
                    "ts": int(time.time() * 1000),
                    "conversationId": CONVERSATION,
                    "data": {"message": r.json()["data"][0]},
                }
            )
            for ws in sockets:
                await ws.close()
            for task in pumps:
                task.cancel()
        return summarise("emulator", rec, sent, answered), frame
    finally:
        stop_process(proc)


# -- baseline run ----------------------------------------------------------------------------------


async def run_baseline(subscribers: int, messages: int, template: str) -> Result:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.feed_throughput", "--baseline-server", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline)
        if line.strip() != "ready":
            raise RuntimeError(f"baseline server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        total = WARMUP + messages
        rec = Recorder(subscribers, total)
        sockets = []
        for _ in range(subscribers):
            ws = await connect(f"ws://127.0.0.1:{port}/sub", max_size=None, ping_interval=None)
            await ws.recv()  # hello
            sockets.append(ws)
        pumps = [asyncio.create_task(rec.pump(k, ws)) for k, ws in enumerate(sockets)]
        # the emulator's frame with the marker of message i, same length for every i
        at = template.index(MARKER) + len(MARKER)
        payloads = [template[:at] + f"{i:06d}" + template[at + 6 :] for i in range(total)]
        sent, answered = [0.0] * total, [0.0] * total
        async with connect(f"ws://127.0.0.1:{port}/post", max_size=None, ping_interval=None) as sender:
            for i in range(total):
                sent[i] = time.perf_counter()
                await sender.send(payloads[i])
                await sender.recv()
                answered[i] = time.perf_counter()
        await wait_all(rec, 60)
        for ws in sockets:
            await ws.close()
        for task in pumps:
            task.cancel()
        return summarise("baseline", rec, sent, answered)
    finally:
        stop_process(proc)


# -- report ----------------------------------------------------------------------------------------


def table(pairs: list[tuple[Result, Result]]) -> str:
    head = (
        "| subscribers | server | msgs/s | delay p50 (ms) | delay p99 (ms) | send→recv p50 (ms) "
        "| send→recv p99 (ms) | POST p50 (ms) | lost |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for emu, base in pairs:
        for r in (emu, base):
            rows.append(
                f"| {r.subscribers} | {r.server} | {r.msgs_per_s:.0f} | {r.delay_p50_ms:.2f} | "
                f"{r.delay_p99_ms:.2f} | {r.send_to_recv_p50_ms:.2f} | {r.send_to_recv_p99_ms:.2f} | "
                f"{r.post_p50_ms:.2f} | {r.lost} |"
            )
    ratio_head = (
        "\n| subscribers | msgs/s emulator/baseline | send→recv p50 emulator/baseline "
        "| send→recv p99 emulator/baseline |\n|---:|---:|---:|---:|\n"
    )
    ratios = [
        f"| {e.subscribers} | {e.msgs_per_s / b.msgs_per_s:.2f} | "
        f"{e.send_to_recv_p50_ms / b.send_to_recv_p50_ms:.1f} | {e.send_to_recv_p99_ms / b.send_to_recv_p99_ms:.1f} |"
        for e, b in pairs
    ]
    return head + "\n".join(rows) + "\n" + ratio_head + "\n".join(ratios)


async def main(args: argparse.Namespace) -> int:
    counts = [int(x) for x in args.subscribers.split(",")]
    pairs: list[tuple[Result, Result]] = []
    for n in counts:
        emu, frame = await run_emulator(n, args.messages)
        base = await run_baseline(n, args.messages, frame)
        pairs.append((emu, base))
        print(
            f"  {n:>3} subscribers: emulator {emu.msgs_per_s:.0f} msgs/s, baseline {base.msgs_per_s:.0f} msgs/s",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"\n{args.messages} messages per configuration (+{WARMUP} warm-up), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, websockets {websockets.__version__}, frame {len(frame)} bytes\n"
    )
    print(table(pairs))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for pair in pairs for r in pair], indent=2))
    lost = sum(r.lost for pair in pairs for r in pair)
    return 1 if lost else 0


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="measured messages per configuration")
    parser.add_argument("--subscribers", default="1,10,100", help="comma-separated subscriber counts")
    parser.add_argument("--quick", action="store_true", help="50 messages per configuration")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    parser.add_argument("--baseline-server", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_baseline_server(args.baseline_server))
        return 0
    if args.quick:
        args.messages = 50
    return asyncio.run(main(args))


if __name__ == "__main__":
    sys.exit(cli())
