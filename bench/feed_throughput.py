"""Live-feed throughput and delay of the emulator, beside a bare ``websockets`` broadcast baseline.

For 1, 10 and 100 live-feed subscribers this measures

* **msgs/s**: messages sent by one sequential sender and delivered to every subscriber, divided by
  the time from the first send to the last delivery; and **msgs/s at the median pace**, one over the
  median time from one send to the next (the sender sends when the previous POST is answered, after
  the server has written that message's frames): the same rate without the stalls a shared machine
  adds now and then;
* **delay**: for each (message, subscriber) pair, the subscriber's receive time minus the time the
  sender got the answer to its ``POST /messages`` (p50 and p99; negative when the event overtakes
  the HTTP answer). The delay from the moment the sender *started* the request is reported too.

Both servers run in their own subprocess, so they never share a GIL with the clients. The sender
and all subscribers live in this (client) process and share one ``time.perf_counter`` clock.

* **emulator**: ``talkwidgets serve`` (in-memory SQLite, or ``--db file``) on a free port.
  Subscribers open the live feed with user tokens of the conversation's participants; the sender
  POSTs one message at a time with the secret key, over one keep-alive connection: with a lean
  HTTP/1.1 client by default (``bench._emulator.LeanHttp``: the request written in one piece, the answer
  read by its length), or with httpx (``--sender httpx``), which costs about as much per request in
  the client as the emulator spends answering it.
* **baseline**: a bare ``websockets`` server (``--baseline-server``, this same file). The sender
  sends each payload over a WebSocket; the server broadcasts exactly those bytes to every subscriber
  and then answers the sender. The payloads are real emulator ``message.sent`` frames of the same
  size as the emulator run's, so both sides move the same bytes; neither server compresses frames.
* **before** (``--before DIR``): the emulator of another checkout (say, ``main``), run by
  ``--before-python``, measured by this same client in the same run.

Every configuration runs ``--repeat`` times, interleaved (emulator, baseline, before, then the next
subscriber count, then the next round); the tables show medians over the rounds, and the ratios
are medians of each round's ratio to the baseline run next to it in time (the machine's load
moves between rounds more than between two neighbouring runs).

Run from the repository root::

    .venv/bin/python -m bench.feed_throughput            # 300 messages per configuration, 3 rounds
    .venv/bin/python -m bench.feed_throughput --quick    # 50 messages, 1 round, for a smoke run

It prints markdown tables (and ``--json PATH`` writes the raw figures). Nothing here is a test:
timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil
import websockets
from websockets.asyncio.client import connect

from bench._common import MARKER, marker_index, percentile, text_of
from bench._emulator import APP_ID, SECRET, Checkout, Emulator, LeanHttp
from talkwidgets.model.auth import mint_user_token
from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent

CONVERSATION = "room"
SENDER = "sender"
WARMUP = 20
ANSWER_FIRST = "baseline, answer first"
"""The baseline variant that answers the sender before broadcasting (``--answer-first-baseline``)."""


# -- the baseline server (runs in its own process) ------------------------------------------------


async def _baseline_server(port: int, answer_first: bool) -> None:
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
                if answer_first:  # the sender hears first, then the subscribers (--answer-first-baseline)
                    await ws.send("ok")
                    broadcast(subscribers, payload)
                else:
                    broadcast(subscribers, payload)
                    await ws.send("ok")

    # no compression, like the emulator's feed: the same bytes on the wire for every subscriber
    async with serve(handler, "127.0.0.1", port, max_size=None, ping_interval=None, compression=None) as server:
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
    pace_msgs_per_s: float = float("nan")
    """1 ÷ the median time from one send to the next: the rate without the machine's stalls."""
    server_cpu_ms: float = float("nan")
    """The server process's user + system CPU time per measured message."""
    client_cpu_ms: float = float("nan")
    """This process's (sender and subscribers) CPU time per measured message."""


class CpuMeter:
    """CPU seconds of the server process and of this one, between :meth:`start` and :meth:`stop`:
    with one sequential sender, a message's time is roughly the two added up."""

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)
        self.me = psutil.Process()
        self.at = (0.0, 0.0)
        self.used = (float("nan"), float("nan"))

    def _now(self) -> tuple[float, float]:
        server, me = self.server.cpu_times(), self.me.cpu_times()
        return server.user + server.system, me.user + me.system

    def start(self) -> None:
        self.at = self._now()

    def stop(self) -> None:
        now = self._now()
        self.used = (now[0] - self.at[0], now[1] - self.at[1])


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


def summarise(server: str, rec: Recorder, sent: list[float], answered: list[float], cpu: CpuMeter) -> Result:
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
    gaps = [sent[i + 1] - sent[i] for i in range(WARMUP, len(sent) - 1)]
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
        1 / statistics.median(gaps) if gaps else float("nan"),
        cpu.used[0] * 1000 / n,
        cpu.used[1] * 1000 / n,
    )


async def wait_all(rec: Recorder, timeout: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(rec.done.wait(), timeout)


# -- emulator run ----------------------------------------------------------------------------------


async def run_emulator(subscribers: int, messages: int, checkout: Checkout, sender: str, db: str) -> tuple[Result, str]:
    tmp = tempfile.mkdtemp(prefix="feed-bench-") if db == "file" else None
    server = Emulator(checkout, db=os.path.join(tmp, "bench.db") if tmp else ":memory:")
    try:
        await server.ready()
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=30) as http:
            users = [SENDER] + [f"sub{k:03d}" for k in range(subscribers)]
            for at in range(0, len(users), 100):  # the batch endpoint takes at most 100 users
                r = await http.put(f"{server.api}/users", json={u: {"name": u} for u in users[at : at + 100]})
                r.raise_for_status()
            r = await http.put(f"{server.api}/conversations/{CONVERSATION}", json={"participants": users})
            r.raise_for_status()

            total = WARMUP + messages
            rec = Recorder(subscribers, total)
            sockets = []
            for k in range(subscribers):
                token = mint_user_token(APP_ID, users[k + 1], SECRET, ttl=3600)
                ws = await connect(
                    server.ws,
                    additional_headers={"Authorization": f"Bearer {token}"},
                    max_size=None,
                    ping_interval=None,
                )
                hello = json.loads(await ws.recv())
                assert hello["op"] == "hello", hello
                sockets.append(ws)
            pumps = [asyncio.create_task(rec.pump(k, ws)) for k, ws in enumerate(sockets)]

            sent, answered = [0.0] * total, [0.0] * total
            cpu = CpuMeter(server.proc.pid)
            url = f"{server.api}/conversations/{CONVERSATION}/messages"
            if sender == "lean":
                lean = await LeanHttp.open(server.port)
                path = url.removeprefix(server.base)
                requests = [
                    lean.request_bytes("POST", path, json.dumps([{"text": text_of(i), "sender": SENDER}]).encode())
                    for i in range(total)
                ]
                for i in range(total):
                    if i == WARMUP:
                        cpu.start()
                    sent[i] = time.perf_counter()
                    status, answer = await lean.send(requests[i])
                    answered[i] = time.perf_counter()
                    if status != 200:
                        raise RuntimeError(f"POST answered {status}: {answer!r}")
                await lean.close()
            else:
                for i in range(total):
                    if i == WARMUP:
                        cpu.start()
                    body = [{"text": text_of(i), "sender": SENDER}]
                    sent[i] = time.perf_counter()
                    r = await http.post(url, json=body)
                    answered[i] = time.perf_counter()
                    if r.status_code != 200:
                        raise RuntimeError(f"POST answered {r.status_code}: {r.text}")
            await wait_all(rec, 60)
            cpu.stop()
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
        return summarise(checkout.label, rec, sent, answered, cpu), frame
    finally:
        server.stop()


# -- baseline run ----------------------------------------------------------------------------------


async def run_baseline(subscribers: int, messages: int, template: str, answer_first: bool = False) -> Result:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.feed_throughput", "--baseline-server", str(port)]
        + (["--baseline-answers-first"] if answer_first else []),
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
        cpu = CpuMeter(proc.pid)
        async with connect(f"ws://127.0.0.1:{port}/post", max_size=None, ping_interval=None) as sender:
            for i in range(total):
                if i == WARMUP:
                    cpu.start()
                sent[i] = time.perf_counter()
                await sender.send(payloads[i])
                await sender.recv()
                answered[i] = time.perf_counter()
        await wait_all(rec, 60)
        cpu.stop()
        for ws in sockets:
            await ws.close()
        for task in pumps:
            task.cancel()
        return summarise(ANSWER_FIRST if answer_first else "baseline", rec, sent, answered, cpu)
    finally:
        stop_process(proc)


# -- report ----------------------------------------------------------------------------------------

FIGURES = (
    "msgs_per_s",
    "pace_msgs_per_s",
    "delay_p50_ms",
    "delay_p99_ms",
    "send_to_recv_p50_ms",
    "send_to_recv_p99_ms",
    "post_p50_ms",
    "server_cpu_ms",
    "client_cpu_ms",
)


def median_of(runs: list[Result]) -> Result:
    """Medians of each figure over repeated runs of one configuration (lost: the sum)."""
    first = runs[0]
    figures = {name: statistics.median(getattr(r, name) for r in runs) for name in FIGURES}
    return Result(first.server, first.subscribers, first.messages, lost=sum(r.lost for r in runs), **figures)


def table(results: dict[tuple[int, str], list[Result]], servers: list[str]) -> str:
    head = (
        "| subscribers | server | msgs/s | msgs/s range | msgs/s at the median pace | delay p50 (ms) "
        "| delay p99 (ms) | send→recv p50 (ms) | send→recv p99 (ms) | POST p50 (ms) "
        "| server CPU per message (ms) | client CPU per message (ms) | lost |\n"
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    counts = sorted({n for n, _ in results})
    rows = []
    for n in counts:
        for server in servers:
            runs = results[(n, server)]
            r = median_of(runs)
            rates = [x.msgs_per_s for x in runs]
            rows.append(
                f"| {n} | {server} | {r.msgs_per_s:.0f} | {min(rates):.0f}–{max(rates):.0f} | "
                f"{r.pace_msgs_per_s:.0f} | {r.delay_p50_ms:.2f} | "
                f"{r.delay_p99_ms:.2f} | {r.send_to_recv_p50_ms:.2f} | {r.send_to_recv_p99_ms:.2f} | "
                f"{r.post_p50_ms:.2f} | {r.server_cpu_ms:.2f} | {r.client_cpu_ms:.2f} | {r.lost} |"
            )
    baselines = [s for s in ("baseline", ANSWER_FIRST) if s in servers]
    others = [s for s in servers if s not in baselines]
    ratio_head = (
        "\n| subscribers | server | baseline | msgs/s ÷ baseline | range over rounds | median pace ÷ baseline "
        "| range over rounds | send→recv p50 ÷ baseline | send→recv p99 ÷ baseline |\n"
        "|---:|---|---|---:|---|---:|---|---:|---:|\n"
    )
    ratios = []
    for n, baseline, server in ((n, b, o) for n in counts for b in baselines for o in others):
        base_runs = results[(n, baseline)]
        runs = results[(n, server)]
        # each round's run against the baseline run right next to it in time
        paired = [e.msgs_per_s / b.msgs_per_s for e, b in zip(runs, base_runs, strict=True)]
        paced = [e.pace_msgs_per_s / b.pace_msgs_per_s for e, b in zip(runs, base_runs, strict=True)]
        e, b = median_of(runs), median_of(base_runs)
        ratios.append(
            f"| {n} | {server} | {baseline} | {statistics.median(paired):.2f} | {min(paired):.2f}–{max(paired):.2f} | "
            f"{statistics.median(paced):.2f} | {min(paced):.2f}–{max(paced):.2f} | "
            f"{e.send_to_recv_p50_ms / b.send_to_recv_p50_ms:.1f} | "
            f"{e.send_to_recv_p99_ms / b.send_to_recv_p99_ms:.1f} |"
        )
    return head + "\n".join(rows) + "\n" + ratio_head + "\n".join(ratios)


async def main(args: argparse.Namespace) -> int:
    counts = [int(x) for x in args.subscribers.split(",")]
    checkouts = [Checkout()]
    if args.before:
        python = os.path.abspath(args.before_python or sys.executable)  # the servers run from another folder
        checkouts.append(Checkout(Path(args.before).absolute(), python, "before"))
    servers = ["emulator", "baseline"] + ([ANSWER_FIRST] if args.answer_first_baseline else [])
    servers += ["before"] if args.before else []
    results: dict[tuple[int, str], list[Result]] = {(n, s): [] for n in counts for s in servers}
    frame = ""
    for round_ in range(args.repeat):
        for n in counts:
            emu, frame = await run_emulator(n, args.messages, checkouts[0], args.sender, args.db)
            results[(n, "emulator")].append(emu)
            base = await run_baseline(n, args.messages, frame)
            results[(n, "baseline")].append(base)
            line = f"  round {round_ + 1}, {n:>3} subscribers: emulator {emu.msgs_per_s:.0f}"
            line += f", baseline {base.msgs_per_s:.0f}"
            if args.answer_first_baseline:
                first = await run_baseline(n, args.messages, frame, answer_first=True)
                results[(n, ANSWER_FIRST)].append(first)
                line += f", {ANSWER_FIRST} {first.msgs_per_s:.0f}"
            if args.before:
                before, _ = await run_emulator(n, args.messages, checkouts[1], args.sender, args.db)
                results[(n, "before")].append(before)
                line += f", before {before.msgs_per_s:.0f}"
            print(line + " msgs/s", file=sys.stderr, flush=True)
    print(
        f"\n{args.messages} messages per configuration (+{WARMUP} warm-up), medians of {args.repeat} rounds, "
        f"sender {args.sender}, database {args.db}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
        f"websockets {websockets.__version__}, frame {len(frame)} bytes\n"
    )
    print(table(results, servers))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for runs in results.values() for r in runs], indent=2))
    lost = sum(r.lost for runs in results.values() for r in runs)
    return 1 if lost else 0


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="measured messages per configuration")
    parser.add_argument("--subscribers", default="1,10,100", help="comma-separated subscriber counts")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the tables show medians")
    parser.add_argument("--sender", choices=("lean", "httpx"), default="lean", help="the emulator's HTTP client")
    parser.add_argument("--db", choices=("memory", "file"), default="memory", help="the emulator's database")
    parser.add_argument("--before", default=None, help="also measure the emulator of this checkout")
    parser.add_argument("--before-python", default=None, help="the Python that runs --before's emulator")
    parser.add_argument("--quick", action="store_true", help="50 messages per configuration, 1 round")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    parser.add_argument(
        "--answer-first-baseline",
        action="store_true",
        help="also measure a baseline that answers the sender before it broadcasts",
    )
    parser.add_argument("--baseline-server", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-answers-first", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_baseline_server(args.baseline_server, args.baseline_answers_first))
        return 0
    if args.quick:
        args.messages, args.repeat = 50, 1
    return asyncio.run(main(args))


if __name__ == "__main__":
    sys.exit(cli())
