"""The Data API inside a conversation: message latency, paging into history, and search.

Three measurements, each against a ``talkwidgets serve`` subprocess (in-memory database, seeded with
``--seed``), with the session, a bare feed client and the sender in this process on one
``time.perf_counter`` clock:

1. **POST → ``subscribe_messages``.** Alice's session subscribes to a conversation's messages; bob
   POSTs numbered messages one at a time (httpx, secret key). For each: when alice's
   ``on_snapshot`` first shows it at index 0, and, in the same run, when a bare ``websockets``
   connection to alice's feed receives its ``message.sent`` frame (the raw feed: the emulator's
   own delay). Both from the POST being sent. Target: the session's p50/p99 at most 1.2 x the raw
   feed's.
2. **``load_more(100)`` at 10,000 messages.** A fresh subscription (the newest 30) loads 100 older
   messages; beside it, in alternation, one REST ``GET`` of the same 100 (the user-view messages
   route, ``limit=100&startingAfter=<the 30th>``) with httpx. Target: at most 3 x the GET.
3. **Search over 100,000 messages** (100 conversations x 1,000 messages of random words):
   ``set_query`` (the first 3 results) and ``load_more(50)`` for a frequent word, a rare word, a
   prefix 10 words share, two words and a word of one message, beside the bare REST search
   request that ``set_query`` makes.

Run from the repository root::

    .venv/bin/python -m bench.data_api            # full run
    .venv/bin/python -m bench.data_api --quick    # fewer samples, for a smoke run

It prints markdown tables (``--json PATH`` also writes the raw figures). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
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
T0 = 1_700_000_000_000
WORDS = [f"w{n:03d}" for n in range(500)]
"""Search vocabulary: word k appears with a frequency falling with k (a rough Zipf law)."""


# -- the emulator ----------------------------------------------------------------------------------


class Server:
    def __init__(self, seed: dict[str, Any]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.base}/v1/{APP_ID}"
        fd, self.seed_path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(seed, f)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "talkwidgets", "serve", "--port", str(self.port), "--app-id", APP_ID]
            + ["--secret-key", SECRET, "--seed", self.seed_path, "--log-level", "error"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def wait_ready(self, http: httpx.AsyncClient, timeout: float = 600) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{self.base}/_emulator/health")).status_code == 200:
                    return time.perf_counter() - start
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            await asyncio.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        stop_process(self.proc)
        os.unlink(self.seed_path)


def users() -> dict[str, Any]:
    return {"alice": {"name": "Alice"}, "bob": {"name": "Bob"}}


def history_seed(count: int) -> dict[str, Any]:
    msgs = [
        {"sender": "bob" if i % 2 else "alice", "text": f"history {i:05d}", "createdAt": T0 + i * 1000}
        for i in range(count)
    ]
    return {
        "users": users(),
        "conversations": {"big": {"participants": ["alice", "bob"]}, "live": {"participants": ["alice", "bob"]}},
        "messages": {"big": msgs},
    }


def search_seed(conversations: int, per: int, rng: random.Random) -> dict[str, Any]:
    weights = [1 / (k + 1) for k in range(len(WORDS))]
    messages = {}
    for c in range(conversations):
        messages[f"s{c:03d}"] = [
            {
                "sender": "bob" if i % 2 else "alice",
                "text": " ".join(rng.choices(WORDS, weights, k=8)) + f" end{c:03d}x{i:04d}",
                "createdAt": T0 + (c * per + i) * 10,
            }
            for i in range(per)
        ]
    return {
        "users": users(),
        "conversations": {cid: {"participants": ["alice", "bob"], "subject": f"Search {cid}"} for cid in messages},
        "messages": messages,
    }


def stats(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p99": percentile(values, 99), "n": len(values)}


# -- 1. POST -> subscribe_messages ----------------------------------------------------------------


async def message_latency(samples: int, warmup: int = 10) -> dict[str, Any]:
    server = Server(history_seed(0))
    session = None
    raw = None
    try:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=30) as http:
            await server.wait_ready(http)
            total = warmup + samples
            sent = [0.0] * total
            raw_at: list[float | None] = [None] * total
            snap_at: list[float | None] = [None] * total
            waiting = asyncio.Event()
            current = [-1]

            def check(i: int) -> None:
                if i == current[0] and raw_at[i] is not None and snap_at[i] is not None:
                    waiting.set()

            def on_snapshot(snaps: Any, loaded_all: bool) -> None:
                now = time.perf_counter()
                if snaps:
                    i = marker_index(snaps[0].plaintext)
                    if i is not None and 0 <= i < total and snap_at[i] is None:
                        snap_at[i] = now
                        check(i)

            session = await get_talk_session(APP_ID, "alice", secret_key=SECRET, host=server.base)
            sub = session.conversation("live").subscribe_messages(on_snapshot)
            await asyncio.wait_for(sub.connected, 30)
            raw = await connect(
                f"ws://127.0.0.1:{server.port}/v1/{APP_ID}/feed?userId=alice",
                additional_headers={"Authorization": f"Bearer {SECRET}"},
                max_size=None,
                ping_interval=None,
            )
            assert json.loads(await raw.recv())["op"] == "hello"

            async def pump() -> None:
                with contextlib.suppress(websockets.ConnectionClosed):
                    async for frame in raw:
                        now = time.perf_counter()
                        i = marker_index(frame)
                        if i is not None and 0 <= i < total and raw_at[i] is None:
                            raw_at[i] = now
                            check(i)

            pumping = asyncio.create_task(pump())
            for i in range(total):
                current[0] = i
                waiting.clear()
                sent[i] = time.perf_counter()
                r = await http.post(
                    f"{server.api}/conversations/live/messages", json=[{"text": text_of(i), "sender": "bob"}]
                )
                r.raise_for_status()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(waiting.wait(), 10)
            pumping.cancel()
            measured = range(warmup, total)
            raw_ms = [(raw_at[i] - sent[i]) * 1000 for i in measured if raw_at[i] is not None]  # type: ignore[operator]
            sess_ms = [(snap_at[i] - sent[i]) * 1000 for i in measured if snap_at[i] is not None]  # type: ignore[operator]
            sub.unsubscribe()
            return {
                "raw_feed_ms": stats(raw_ms),
                "session_ms": stats(sess_ms),
                "lost_raw": samples - len(raw_ms),
                "lost_session": samples - len(sess_ms),
            }
    finally:
        if raw is not None:
            with contextlib.suppress(Exception):
                await raw.close()
        if session is not None:
            await session.aclose()
        server.stop()


# -- 2. load_more(100) at 10,000 messages ---------------------------------------------------------


async def load_more_at_depth(history: int, trials: int) -> dict[str, Any]:
    server = Server(history_seed(history))
    session = None
    try:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=60) as http:
            seeded = await server.wait_ready(http)
            session = await get_talk_session(APP_ID, "alice", secret_key=SECRET, host=server.base)
            chat = session.conversation("big")
            url = f"{server.api}/users/alice/conversations/big/messages"
            session_ms: list[float] = []
            rest_ms: list[float] = []
            for trial in range(trials + 3):
                sub = chat.subscribe_messages()
                state = await asyncio.wait_for(sub.connected, 30)
                after = state.latest_snapshot[-1].id
                t = time.perf_counter()
                await sub.load_more(100)
                took = (time.perf_counter() - t) * 1000
                assert len(sub.state.latest_snapshot) == 130
                sub.unsubscribe()
                t = time.perf_counter()
                r = await http.get(url, params={"limit": 100, "startingAfter": after})
                rest = (time.perf_counter() - t) * 1000
                r.raise_for_status()
                assert len(r.json()["data"]) == 100
                if trial >= 3:  # warm-up
                    session_ms.append(took)
                    rest_ms.append(rest)
            return {"history": history, "seed_s": seeded, "session_ms": stats(session_ms), "rest_ms": stats(rest_ms)}
    finally:
        if session is not None:
            await session.aclose()
        server.stop()


# -- 3. search over 100,000 messages ------------------------------------------------------------


async def search_latency(conversations: int, per: int, trials: int, rng: random.Random) -> dict[str, Any]:
    server = Server(search_seed(conversations, per, rng))
    session = None
    try:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=120) as http:
            seeded = await server.wait_ready(http)
            session = await get_talk_session(APP_ID, "alice", secret_key=SECRET, host=server.base)
            url = f"{server.api}/users/alice/messages/search"
            out: dict[str, Any] = {"messages": conversations * per, "seed_s": seeded, "queries": {}}
            for label, query in (
                ("frequent word", "w000"),
                ("rare word", "w499"),
                ("prefix of 10 words", "w01"),
                ("two words", "w003 w007"),
                ("one message", f"end042x{per // 2:04d}"),
            ):
                set_ms, more_ms, rest_ms, found = [], [], [], 0
                for trial in range(trials + 2):
                    search = session.search_messages()
                    t = time.perf_counter()
                    state = await search.set_query(query)
                    a = (time.perf_counter() - t) * 1000
                    t = time.perf_counter()
                    state = await search.load_more(50)
                    b = (time.perf_counter() - t) * 1000
                    found = len(state.results)
                    t = time.perf_counter()
                    r = await http.get(url, params={"query": query, "limit": 4})
                    c = (time.perf_counter() - t) * 1000
                    r.raise_for_status()
                    if trial >= 2:
                        set_ms.append(a)
                        more_ms.append(b)
                        rest_ms.append(c)
                out["queries"][label] = {
                    "query": query,
                    "results_after_load_more": found,
                    "set_query_ms": stats(set_ms),
                    "load_more_50_ms": stats(more_ms),
                    "rest_first_page_ms": stats(rest_ms),
                }
            return out
    finally:
        if session is not None:
            await session.aclose()
        server.stop()


# -- report ---------------------------------------------------------------------------------------


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}"


def report(results: dict[str, Any]) -> str:
    lines = [f"Date: {results['date']}. Machine: {results['machine']}.", ""]
    if "latency" in results:
        lines += latency_table(results["latency"])
    if "load_more" in results:
        lines += load_more_table(results["load_more"])
    if "search" in results:
        lines += search_table(results["search"])
    return "\n".join(lines)


def latency_table(lat: dict[str, Any]) -> list[str]:
    raw, ses = lat["raw_feed_ms"], lat["session_ms"]
    return [
        "**POST → `subscribe_messages` snapshot** (from the POST being sent; raw feed in the same run)",
        "",
        "| | p50 ms | p99 ms | samples |",
        "|---|---|---|---|",
        f"| raw feed (`message.sent` frame) | {raw['p50']:.2f} | {raw['p99']:.2f} | {raw['n']} |",
        f"| `subscribe_messages` `on_snapshot` | {ses['p50']:.2f} | {ses['p99']:.2f} | {ses['n']} |",
        f"| ratio | {ses['p50'] / raw['p50']:.2f}× | {ses['p99'] / raw['p99']:.2f}× | |",
        "",
        f"Lost: raw feed {lat['lost_raw']}, session {lat['lost_session']}.",
        "",
    ]


def load_more_table(lm: dict[str, Any]) -> list[str]:
    s, r = lm["session_ms"], lm["rest_ms"]
    return [
        f"**`load_more(100)` at {lm['history']:,} messages** (from a window of 30; REST: the same 100 in one GET)",
        "",
        "| | p50 ms | p99 ms | samples |",
        "|---|---|---|---|",
        f"| REST page of 100 | {r['p50']:.2f} | {r['p99']:.2f} | {r['n']} |",
        f"| `load_more(100)` | {s['p50']:.2f} | {s['p99']:.2f} | {s['n']} |",
        f"| ratio | {s['p50'] / r['p50']:.2f}× | {s['p99'] / r['p99']:.2f}× | |",
        "",
    ]


def search_table(se: dict[str, Any]) -> list[str]:
    lines = [
        f"**Search over {se['messages']:,} messages** (seeded in {se['seed_s']:.0f} s)",
        "",
        "| query | results (3 + 50) | REST first page p50 / p99 ms | `set_query` p50 / p99 ms "
        "| `load_more(50)` p50 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for label, q in se["queries"].items():
        lines.append(
            f"| {label} (`{q['query']}`) | {q['results_after_load_more']} | "
            f"{q['rest_first_page_ms']['p50']:.1f} / {q['rest_first_page_ms']['p99']:.1f} | "
            f"{q['set_query_ms']['p50']:.1f} / {q['set_query_ms']['p99']:.1f} | "
            + (
                f"{q['load_more_50_ms']['p50']:.1f} / {q['load_more_50_ms']['p99']:.1f} |"
                if q["results_after_load_more"] > 3
                else "– (nothing left to load) |"
            )
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--only", choices=("latency", "load_more", "search"), help="run one measurement")
    args = parser.parse_args()
    rng = random.Random(10)
    messages, trials, searches = (40, 10, 5) if args.quick else (300, 60, 30)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    if args.only in (None, "latency"):
        print("message latency...", file=sys.stderr, flush=True)
        results["latency"] = await message_latency(messages)
    if args.only in (None, "load_more"):
        print("load_more at 10,000 messages...", file=sys.stderr, flush=True)
        results["load_more"] = await load_more_at_depth(10_000, trials)
    if args.only in (None, "search"):
        print("search over 100,000 messages...", file=sys.stderr, flush=True)
        results["search"] = await search_latency(100, 1000, searches, rng)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
