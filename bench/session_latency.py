"""Delay from a message POST to ``on_snapshot`` in another user's session, beside the raw live feed.

Alice's ``TalkSession`` (``get_talk_session(..., secret_key=..., host=...)``) subscribes to her
conversation list; bob POSTs messages (httpx, secret key) into her conversations, one at a time, each
into a conversation other than the current top one, so most messages move a conversation from deep in
the list to the top. For each message this records

* **raw feed**: when a bare ``websockets`` connection to alice's live feed (``/v1/{app}/feed``) receives
  the ``message.sent`` frame: the emulator's own feed delay, as in ``bench/feed_throughput.py``;
* **session**: when alice's ``on_snapshot`` is called with that message's conversation at index 0;

both relative to the moment bob's POST was answered (and to the moment it was sent), in the same run
and on the same ``time.perf_counter`` clock. Configurations: 20 conversations (all loaded), 1,000
conversations all loaded (``load_more(30)`` until ``loaded_all``), and 1,000 conversations with only the
initial window of 20 loaded (so a message into an unloaded conversation costs the session a REST read).

Memory: with ``tracemalloc``, what the subscription holds per 1,000 conversations (loaded window of
1,000 minus window of 20), what 1,000 ``ConversationSnapshot`` objects alone take, what the same
conversations take as parsed JSON (dicts), and their size as JSON bytes on the wire.

The emulator runs in a subprocess (``talkwidgets serve``, in-memory database); the session, the raw
feed client and the sender share this process and its event loop. Run from the repository root::

    .venv/bin/python -m bench.session_latency            # 200 measured messages per configuration
    .venv/bin/python -m bench.session_latency --quick    # 40, for a smoke run

It prints markdown tables (``--json PATH`` also writes the raw figures). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import connect

from bench._common import marker_index, percentile, text_of
from talkwidgets.session import get_talk_session
from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent

APP_ID = "bench"
SECRET = "sk_test_bench_secret_key_0123456789abcdef"
ME, OTHER = "alice", "bob"
WARMUP = 10
EVENT_TIMEOUT = 10.0
SEED_PARALLEL = 16


# -- helpers ---------------------------------------------------------------------------------------


def conv_id(k: int) -> str:
    return f"c{k:04d}"


@dataclass
class Result:
    config: str
    conversations: int
    loaded_before: int
    loaded_after: int
    messages: int
    lost_raw: int
    lost_session: int
    post_p50_ms: float
    raw_p50_ms: float
    raw_p99_ms: float
    session_p50_ms: float
    session_p99_ms: float
    raw_e2e_p50_ms: float
    raw_e2e_p99_ms: float
    session_e2e_p50_ms: float
    session_e2e_p99_ms: float
    in_session_p50_ms: float
    """From the frame reaching ``TalkSession._on_frame`` (parsed) to ``on_snapshot``."""
    in_session_p99_ms: float
    added_p50_ms: float
    """Per message: session receive time minus raw-feed receive time."""
    added_p99_ms: float
    snapshots_emitted: int
    load_ms: float
    """Time to grow the window from 20 to everything with ``load_more(30)``."""
    load_rest_calls: int
    """REST calls the session made while doing so."""


@dataclass
class Memory:
    conversations: int
    window_kib_per_1000: float
    """Growth of everything traced from a window of 20 to a window of ``conversations``, per 1,000."""
    snapshots_kib_per_1000: float
    """1,000 ``ConversationSnapshot`` objects with their last message (the sender is shared)."""
    wire_dicts_kib_per_1000: float
    """The same conversations as parsed JSON (what the subscription kept before it kept snapshots)."""
    json_kib_per_1000: float
    """The same conversations as compact JSON bytes, as the REST API sends them."""
    load_s: float
    top_allocations: list[str] = field(default_factory=list)


# -- the emulator ----------------------------------------------------------------------------------


class Emulator:
    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.base}/v1/{APP_ID}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "talkwidgets",
                "serve",
                "--port",
                str(self.port),
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

    async def wait_ready(self, http: httpx.AsyncClient) -> None:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{self.base}/_emulator/health")).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            await asyncio.sleep(0.05)
        raise RuntimeError("emulator did not start")

    def stop(self) -> None:
        stop_process(self.proc)


async def seed(em: Emulator, http: httpx.AsyncClient, n: int) -> float:
    """Users alice and bob; ``n`` conversations with both of them and one message each.

    Each conversation needs one message, so the 10-messages-per-POST limit does not help here: the
    2 × ``n`` requests run ``SEED_PARALLEL`` at a time instead (about 5 s for 1,000 conversations).
    """
    start = time.perf_counter()
    r = await http.put(f"{em.api}/users", json={u: {"name": u.title()} for u in (ME, OTHER)})
    r.raise_for_status()
    gate = asyncio.Semaphore(SEED_PARALLEL)

    async def one(k: int) -> None:
        async with gate:
            cid = conv_id(k)
            r = await http.put(
                f"{em.api}/conversations/{cid}", json={"participants": [ME, OTHER], "subject": f"Conversation {k}"}
            )
            r.raise_for_status()
            r = await http.post(
                f"{em.api}/conversations/{cid}/messages",
                json=[{"text": f"hello from conversation {k}", "sender": OTHER}],
            )
            r.raise_for_status()

    await asyncio.gather(*(one(k) for k in range(n)))
    return time.perf_counter() - start


# -- one configuration -----------------------------------------------------------------------------


class Probe:
    """Receive times, by message number, at the raw feed, at the session's feed and at ``on_snapshot``."""

    def __init__(self, total: int) -> None:
        self.raw: list[float | None] = [None] * total
        self.frame: list[float | None] = [None] * total
        self.snap: list[float | None] = [None] * total
        self.expect_cid: list[str] = [""] * total
        self.waiting = -1
        self.got = asyncio.Event()
        self.snaps: tuple[Any, ...] = ()
        self.loaded_all = False
        self.emitted = 0

    def _check(self, i: int) -> None:
        if i == self.waiting and self.raw[i] is not None and self.snap[i] is not None:
            self.got.set()

    def on_snapshot(self, snaps: tuple[Any, ...], loaded_all: bool) -> None:
        now = time.perf_counter()
        self.emitted += 1
        self.snaps = snaps  # keep a reference only: the callback should cost next to nothing
        self.loaded_all = loaded_all
        if not snaps or snaps[0].last_message is None:
            return
        i = marker_index(snaps[0].last_message.plaintext)
        if i is not None and 0 <= i < len(self.snap) and self.snap[i] is None and snaps[0].id == self.expect_cid[i]:
            self.snap[i] = now
            self._check(i)

    def on_frame(self, frame: dict[str, Any]) -> None:
        now = time.perf_counter()
        if frame.get("type") == "message.sent":
            i = marker_index(frame["data"]["message"].get("text") or "")
            if i is not None and 0 <= i < len(self.frame) and self.frame[i] is None:
                self.frame[i] = now

    async def pump_raw(self, ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                now = time.perf_counter()
                i = marker_index(raw)
                if i is not None and 0 <= i < len(self.raw) and self.raw[i] is None:
                    self.raw[i] = now
                    self._check(i)


async def open_raw_feed(em: Emulator) -> Any:
    ws = await connect(
        f"ws://127.0.0.1:{em.port}/v1/{APP_ID}/feed?userId={ME}",
        additional_headers={"Authorization": f"Bearer {SECRET}"},
        max_size=None,
        ping_interval=None,
        open_timeout=10,
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello["op"] == "hello", hello
    return ws


async def load_everything(sub: Any, probe: Probe, n: int) -> None:
    for _ in range(n // 30 + 5):  # bounded: one page of 30 per round
        if probe.loaded_all or (sub.state.loaded_all if hasattr(sub.state, "loaded_all") else False):
            return
        await asyncio.wait_for(sub.load_more(30), 60)
    if not sub.state.loaded_all:
        raise RuntimeError("the window did not load everything")


async def conversations_json(em: Emulator, http: httpx.AsyncClient, n: int) -> list[dict[str, Any]]:
    """Alice's conversations as the REST API sends them (pages of 30, as the session reads them)."""
    convs: list[dict[str, Any]] = []
    for _ in range(n // 30 + 2):  # bounded
        params: dict[str, Any] = {"limit": 30}
        if convs:
            params["startingAfter"] = convs[-1]["id"]
        r = await http.get(f"{em.api}/users/{ME}/conversations", params=params)
        r.raise_for_status()
        page = r.json()["data"]
        if not page:
            break
        convs += page
    return convs


async def snapshot_memory(session: Any, convs: list[Any]) -> tuple[int, int]:
    """Traced bytes of fresh ConversationSnapshots, and of the same conversations parsed from JSON."""
    text = json.dumps(convs, separators=(",", ":"), ensure_ascii=False)
    # warm the sender cache and any lazily created objects first
    for c in convs[:5]:
        await session._core.conversation_from_wire(c)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        snaps = [await session._core.conversation_from_wire(c) for c in convs]
        gc.collect()
        snap_bytes = tracemalloc.get_traced_memory()[0] - base
        base = tracemalloc.get_traced_memory()[0]
        parsed = json.loads(text)
        gc.collect()
        wire_bytes = tracemalloc.get_traced_memory()[0] - base
        del snaps, parsed
    finally:
        tracemalloc.stop()
    return snap_bytes, wire_bytes


async def run_config(
    label: str, n: int, load_all: bool, messages: int, rng: random.Random, measure_memory: bool
) -> tuple[Result, Memory | None]:
    em = Emulator()
    session = None
    raw_ws = None
    pump = None
    try:
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {SECRET}"},
            timeout=30,
            limits=httpx.Limits(max_connections=SEED_PARALLEL),
        ) as http:
            await em.wait_ready(http)
            seed_s = await seed(em, http, n)
            print(f"  [{label}] seeded {n} conversations in {seed_s:.1f} s", file=sys.stderr, flush=True)

            total = WARMUP + messages
            probe = Probe(total)
            session = await get_talk_session(APP_ID, ME, secret_key=SECRET, host=em.base)
            # see each frame as the session receives it (after the feed client parsed it), without
            # changing what the session does with it
            forward = session._core._on_frame

            def on_frame(frame: dict[str, Any]) -> None:
                probe.on_frame(frame)
                forward(frame)

            session._core._on_frame = on_frame  # type: ignore[method-assign]
            calls = [0]
            call = session._core.call

            async def counted(*a: Any, **kw: Any) -> Any:
                calls[0] += 1
                return await call(*a, **kw)

            session._core.call = counted  # type: ignore[method-assign]

            memory = None
            if measure_memory:
                gc.collect()
                tracemalloc.start(1)
            sub = session.subscribe_conversations(probe.on_snapshot)
            await asyncio.wait_for(sub.connected, 30)
            if measure_memory:
                gc.collect()
                mem_20 = tracemalloc.take_snapshot()
            loaded_before = len(probe.snaps)
            load_s = 0.0
            calls[0] = 0
            if load_all:
                t = time.perf_counter()
                await load_everything(sub, probe, n)
                load_s = time.perf_counter() - t
                loaded_before = len(probe.snaps)
            load_calls = calls[0]
            if measure_memory:
                gc.collect()
                mem_all = tracemalloc.take_snapshot()
                tracemalloc.stop()
                diff = mem_all.compare_to(mem_20, "filename")
                growth = sum(s.size_diff for s in diff)
                top = [
                    f"{'/'.join(Path(s.traceback[0].filename).parts[-2:])} {s.size_diff / 1024:+.0f} KiB"
                    for s in diff[:5]
                ]
                del mem_20, mem_all, diff
                convs = await conversations_json(em, http, n)
                snap_bytes, wire_bytes = await snapshot_memory(session, convs)
                encoded = len(json.dumps(convs, separators=(",", ":"), ensure_ascii=False).encode())
                k = 1000 / len(convs) / 1024
                memory = Memory(
                    len(convs),
                    growth * 1000 / (len(convs) - 20) / 1024,
                    snap_bytes * k,
                    wire_bytes * k,
                    encoded * k,
                    load_s,
                    top,
                )
            if loaded_before != (n if load_all else min(n, 20)):
                raise RuntimeError(f"expected {n if load_all else 20} loaded conversations, have {loaded_before}")

            raw_ws = await open_raw_feed(em)
            pump = asyncio.create_task(probe.pump_raw(raw_ws))

            all_ids = [conv_id(k) for k in range(n)]
            sent, answered = [0.0] * total, [0.0] * total
            for i in range(total):
                top_id = probe.snaps[0].id if probe.snaps else None
                cid = rng.choice([c for c in all_ids if c != top_id])
                probe.expect_cid[i] = cid
                probe.waiting = i
                probe.got.clear()
                sent[i] = time.perf_counter()
                r = await http.post(
                    f"{em.api}/conversations/{cid}/messages", json=[{"text": text_of(i), "sender": OTHER}]
                )
                answered[i] = time.perf_counter()
                if r.status_code != 200:
                    raise RuntimeError(f"POST answered {r.status_code}: {r.text}")
                if probe.raw[i] is None or probe.snap[i] is None:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(probe.got.wait(), EVENT_TIMEOUT)
            loaded_after = len(probe.snaps)
        result = summarise(label, n, loaded_before, loaded_after, probe, sent, answered)
        result.load_ms, result.load_rest_calls = load_s * 1000, load_calls
        return result, memory
    finally:
        if pump is not None:
            pump.cancel()
        if raw_ws is not None:
            with contextlib.suppress(Exception):
                await raw_ws.close()
        if session is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.aclose(), 10)
        em.stop()


def summarise(
    label: str, n: int, before: int, after: int, p: Probe, sent: list[float], answered: list[float]
) -> Result:
    measured = range(WARMUP, len(sent))
    ms = 1000.0

    def series(times: list[float | None], origin: list[float]) -> list[float]:
        return [(times[i] - origin[i]) * ms for i in measured if times[i] is not None]  # type: ignore[operator]

    raw, snap = series(p.raw, answered), series(p.snap, answered)
    raw_e2e, snap_e2e = series(p.raw, sent), series(p.snap, sent)
    inside = [
        (p.snap[i] - p.frame[i]) * ms
        for i in measured  # type: ignore[operator]
        if p.snap[i] is not None and p.frame[i] is not None
    ]
    added = [
        (p.snap[i] - p.raw[i]) * ms
        for i in measured  # type: ignore[operator]
        if p.snap[i] is not None and p.raw[i] is not None
    ]
    posts = [(answered[i] - sent[i]) * ms for i in measured]
    lost_raw = sum(1 for i in measured if p.raw[i] is None)
    lost_snap = sum(1 for i in measured if p.snap[i] is None)
    return Result(
        label,
        n,
        before,
        after,
        len(measured),
        lost_raw,
        lost_snap,
        percentile(posts, 50),
        percentile(raw, 50),
        percentile(raw, 99),
        percentile(snap, 50),
        percentile(snap, 99),
        percentile(raw_e2e, 50),
        percentile(raw_e2e, 99),
        percentile(snap_e2e, 50),
        percentile(snap_e2e, 99),
        percentile(inside, 50),
        percentile(inside, 99),
        percentile(added, 50),
        percentile(added, 99),
        p.emitted,
        0.0,
        0,
    )


# -- report ----------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b > 0.05 else "n/a"


def tables(results: list[Result], memory: Memory | None) -> str:
    out = [
        "| conversations | loaded | path | POST→recv p50 (ms) | POST→recv p99 (ms) | send→recv p50 (ms) "
        "| send→recv p99 (ms) | lost |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        loaded = f"{r.loaded_before}" if r.loaded_before == r.loaded_after else f"{r.loaded_before}→{r.loaded_after}"
        out.append(
            f"| {r.conversations} | {loaded} | raw feed | {r.raw_p50_ms:.2f} | {r.raw_p99_ms:.2f} | "
            f"{r.raw_e2e_p50_ms:.2f} | {r.raw_e2e_p99_ms:.2f} | {r.lost_raw} |"
        )
        out.append(
            f"| {r.conversations} | {loaded} | session `on_snapshot` | {r.session_p50_ms:.2f} | "
            f"{r.session_p99_ms:.2f} | {r.session_e2e_p50_ms:.2f} | {r.session_e2e_p99_ms:.2f} | "
            f"{r.lost_session} |"
        )
    out += [
        "",
        "| conversations | loaded | session ÷ raw, POST→recv p50 | p99 | session ÷ raw, send→recv p50 | p99 "
        "| added by session p50 (ms) | p99 (ms) | in session p50 (ms) | p99 (ms) | POST p50 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        loaded = f"{r.loaded_before}" if r.loaded_before == r.loaded_after else f"{r.loaded_before}→{r.loaded_after}"
        out.append(
            f"| {r.conversations} | {loaded} | {ratio(r.session_p50_ms, r.raw_p50_ms)} | "
            f"{ratio(r.session_p99_ms, r.raw_p99_ms)} | {ratio(r.session_e2e_p50_ms, r.raw_e2e_p50_ms)} | "
            f"{ratio(r.session_e2e_p99_ms, r.raw_e2e_p99_ms)} | {r.added_p50_ms:.2f} | {r.added_p99_ms:.2f} | "
            f"{r.in_session_p50_ms:.2f} | {r.in_session_p99_ms:.2f} | {r.post_p50_ms:.2f} |"
        )
    if memory is not None:
        out += [
            "",
            "| per 1,000 conversations | KiB |",
            "|---|---:|",
            f"| held by the subscription (window of {memory.conversations} minus window of 20) "
            f"| {memory.window_kib_per_1000:.0f} |",
            "| `ConversationSnapshot`s with their last message (sender shared) "
            f"| {memory.snapshots_kib_per_1000:.0f} |",
            f"| the same conversations as parsed JSON (dicts) | {memory.wire_dicts_kib_per_1000:.0f} |",
            f"| the same conversations as compact JSON bytes | {memory.json_kib_per_1000:.0f} |",
        ]
    return "\n".join(out)


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    big = args.conversations
    configs = [("20", 20, True, False), (f"{big}-all", big, True, True), (f"{big}-window", big, False, False)]
    results: list[Result] = []
    memory: Memory | None = None
    wall = time.perf_counter()
    for label, n, load_all, mem in configs:
        res, m = await run_config(label, n, load_all, args.messages, rng, mem and not args.no_memory)
        results.append(res)
        memory = memory or m
        print(
            f"  [{label}] raw p50 {res.raw_p50_ms:.2f} ms, session p50 {res.session_p50_ms:.2f} ms, "
            f"lost {res.lost_raw}/{res.lost_session}",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"\n{args.messages} measured messages per configuration (+{WARMUP} warm-up), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, websockets {websockets.__version__}, "
        f"{time.perf_counter() - wall:.1f} s wall\n"
    )
    print(tables(results, memory))
    for r in results:
        if r.load_rest_calls:
            print(
                f"\n[{r.config}] loading {r.loaded_before} conversations with load_more(30): {r.load_ms:.0f} ms, "
                f"{r.load_rest_calls} REST calls"
                + (" (under tracemalloc)" if memory and r.config.endswith("-all") else "")
            )
    if memory is not None:
        print("\ntraced growth from a window of 20 to all, by file: " + "; ".join(memory.top_allocations))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"results": [asdict(r) for r in results], "memory": asdict(memory) if memory else None}, indent=2
            )
        )
    return 1 if any(r.lost_raw or r.lost_session for r in results) else 0


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="measured messages per configuration")
    parser.add_argument("--conversations", type=int, default=1000, help="the large configuration's size")
    parser.add_argument("--quick", action="store_true", help="40 messages per configuration")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc measurement")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the choice of conversations")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.messages = 40
    return asyncio.run(main(args))


if __name__ == "__main__":
    sys.exit(cli())
