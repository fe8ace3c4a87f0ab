"""How the emulator's costs grow with the data: the work grows ×10 at a time, and each measure is
printed beside its value at the smallest size.

* **conversations per user**, 10² … 10⁵: ``GET /users/alice/conversations?limit=30`` (first page),
  the next page (``startingAfter`` the 30th), a page from the middle of the list, ``load_more(30)``
  of alice's ``TalkSession`` conversation list (ten calls, from a window of 20 to 320), and a new
  message (``POST`` into one of her conversations);
* **messages per conversation**, 10² … 10⁶: the first page of messages (``limit=30``), an older page
  (``startingAfter`` a message in the middle) and a new message;
* **subscribers**, 1 … 1,000 live-feed connections following one conversation: a new message's
  ``POST`` (the emulator writes the frame to every caught-up connection before it answers) and the
  time until the last subscriber has it, per message and per subscriber.

Big data sets are seeded fast and directly: the checkout under test creates its own database file
(its ``Store``, so its own schema and migrations), then this script inserts users, conversations,
participants, messages and their search words with plain SQL (the schema's triggers index the
words), filling the activity columns where the schema has them. The server (``talkwidgets serve
--db FILE``, in a subprocess) is stopped while rows are added and started again on the file. Each
figure is the median of ``--runs`` requests over one keep-alive connection (``_emulator.LeanHttp``),
after warm-up requests.

Run from the repository root (needs the ``bench`` extra for the plot)::

    .venv/bin/python bench/cost_curves.py                        # all three curves, ~10 minutes
    .venv/bin/python bench/cost_curves.py --curves conversations --before /tmp/main \\
        --before-python /tmp/main/.venv/bin/python               # the list curve of another checkout too
    .venv/bin/python bench/cost_curves.py --quick                # smaller sizes, a smoke run

It prints markdown tables, writes ``docs/img/cost_curves.png`` (``--plot PATH``) and, with
``--json PATH``, the raw figures. Nothing here is a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import marker_index, text_of  # noqa: E402
from _emulator import APP_ID, SECRET, Checkout, Emulator, LeanHttp  # noqa: E402

from talkwidgets.emulator.store.search_words import indexed  # noqa: E402
from talkwidgets.model.auth import mint_user_token  # noqa: E402

T0 = 1_700_000_000_000
"""Seeded times start here (ms); every seeded row is older than anything the server writes."""
ME, OTHER = "alice", "bob"


@dataclass
class Point:
    curve: str
    measure: str
    server: str
    size: int
    p50_ms: float
    runs: int


# -- seeding ---------------------------------------------------------------------------------------


def create_database(checkout: Checkout, path: Path) -> None:
    """An empty file with the checkout's own schema, migrations and the bench app."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from talkwidgets.emulator.store import Store;"
        "s = Store(sys.argv[2]); s.ensure_app(sys.argv[3], sys.argv[4]); s.close()"
    )
    subprocess.run([checkout.python, "-c", code, str(checkout.root), str(path), APP_ID, SECRET], check=True)


def message_data(mid: str, cid: str, sender: str, text: str, at: int) -> str:
    """A stored message row's ``data``, shaped as the emulator stores a plain text message."""
    return json.dumps(
        {
            "id": mid,
            "conversationId": cid,
            "type": "UserMessage",
            "senderId": sender,
            "text": text,
            "content": [{"type": "text", "children": [text]}],
            "attachment": None,
            "location": None,
            "origin": "rest",
            "createdAt": at,
            "editedAt": None,
            "referencedMessageId": None,
            "custom": {},
        },
        separators=(",", ":"),
    )


class Seeder:
    """Plain SQL inserts into a file the server is not serving (it is stopped meanwhile)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # a benchmark's scratch file: speed over safety
        self.activity = {
            table: "activity" in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for table in ("conversations", "participants")
        }

    def users(self, *ids: str) -> None:
        for uid in ids:
            data = json.dumps({"name": uid.title()})
            self.db.execute("INSERT OR IGNORE INTO users VALUES (?,?,?,?)", (APP_ID, uid, data, T0))

    def conversations(self, start: int, stop: int) -> None:
        """Conversations ``c{i}`` (i in [start, stop)) of alice and bob, each with one message from bob,
        unread by alice; older ``i`` are older."""
        self.db.execute("BEGIN")
        for i in range(start, stop):
            cid, mid = f"c{i:06d}", f"msg_seed_c{i:06d}"
            created, sent = T0 + i * 10, T0 + i * 10 + 5
            subject = f"Conversation {i}"
            self._conversation(cid, subject, created, last_message=(mid, sent))
            text = f"Hello from conversation {i}"
            self._insert_messages([(APP_ID, mid, cid, 1, OTHER, sent, text)])
            self.db.execute(
                "INSERT INTO conversation_words (app_id, conversation_id, field, words) VALUES (?,?,?,?)",
                (APP_ID, cid, "subject", indexed(subject)),
            )
        self.db.execute("COMMIT")

    def conversation(self, cid: str) -> None:
        """An empty conversation of alice and bob."""
        self._conversation(cid, "Long history", T0, last_message=None)

    def _conversation(self, cid: str, subject: str, created: int, last_message: tuple[str, int] | None) -> None:
        """A conversation row and its two participants (joined at its creation)."""
        mid, sent = last_message or (None, None)
        row: dict[str, Any] = {
            "app_id": APP_ID,
            "id": cid,
            "data": json.dumps({"subject": subject}),
            "created_at": created,
            "last_message_id": mid,
            "last_message_at": sent,
        }
        if self.activity["conversations"]:
            row["activity"] = sent or created
        self._insert("conversations", row)
        for uid in (ME, OTHER):
            part: dict[str, Any] = {
                "app_id": APP_ID,
                "conversation_id": cid,
                "user_id": uid,
                "access": "ReadWrite",
                "notify": "true",
                "joined_at": created,
                "read_until": created,
            }
            if self.activity["participants"]:
                part["activity"] = max(sent or 0, created)
            self._insert("participants", part)

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        marks = ",".join("?" * len(row))
        self.db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))

    def messages(self, cid: str, start: int, stop: int) -> None:
        """Messages number ``start+1`` … ``stop`` of ``cid``, alternating senders, one ms apart."""
        db = self.db
        db.execute("BEGIN")

        def rows() -> Iterator[tuple[Any, ...]]:
            for n in range(start + 1, stop + 1):
                sender = ME if n % 2 else OTHER
                yield APP_ID, f"msg_seed_{n:07d}", cid, n, sender, T0 + n, f"Message number {n} of a long history"

        batch: list[tuple[Any, ...]] = []
        for app, mid, c, n, sender, at, text in rows():
            batch.append((app, mid, c, n, sender, at, text))
            if len(batch) == 10_000:
                self._insert_messages(batch)
                batch = []
        self._insert_messages(batch)
        last = T0 + stop
        db.execute(
            "UPDATE conversations SET last_message_id=?, last_message_at=? WHERE app_id=? AND id=?",
            (f"msg_seed_{stop:07d}", last, APP_ID, cid),
        )
        if self.activity["conversations"]:
            db.execute("UPDATE conversations SET activity=? WHERE app_id=? AND id=?", (last, APP_ID, cid))
        if self.activity["participants"]:
            db.execute("UPDATE participants SET activity=? WHERE app_id=? AND conversation_id=?", (last, APP_ID, cid))
        db.execute("COMMIT")

    def _insert_messages(self, batch: list[tuple[Any, ...]]) -> None:
        self.db.executemany(
            "INSERT INTO messages VALUES (?,?,?,?,?,?,?)",
            [(a, m, c, n, s, at, message_data(m, c, s, t, at)) for a, m, c, n, s, at, t in batch],
        )
        self.db.executemany(
            "INSERT INTO message_words (app_id, conversation_id, message_id, words) VALUES (?,?,?,?)",
            [(a, c, m, indexed(t)) for a, m, c, n, s, at, t in batch],
        )

    def close(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


# -- measuring -------------------------------------------------------------------------------------


async def median_ms(runs: int, warmup: int, once: Callable[[int], Awaitable[None]]) -> float:
    for i in range(warmup):
        await once(i)
    times = []
    for i in range(runs):
        started = time.perf_counter()
        await once(warmup + i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def get_ok(http: LeanHttp, path: str) -> Any:
    status, body = await http.call("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body}")
    return body


async def post_ok(http: LeanHttp, raw: bytes) -> None:
    status, body = await http.send(raw)
    if status != 200:
        raise RuntimeError(f"POST answered {status}: {body!r}")


async def measure_conversations(server: Emulator, size: int, runs: int, label: str) -> list[Point]:
    http = await LeanHttp.open(server.port)
    api = f"/v1/{APP_ID}"
    base = f"{api}/users/{ME}/conversations?limit=30"
    first = (await get_ok(http, base))["data"]
    assert len(first) == min(30, size), len(first)
    after = first[-1]["id"]
    middle = f"c{size // 2:06d}"
    points = []

    async def page(path: str) -> Callable[[int], Awaitable[None]]:
        async def once(_: int) -> None:
            await get_ok(http, path)

        return once

    for measure, path in (
        ("list: first page", base),
        ("list: next page", f"{base}&startingAfter={after}"),
        ("list: a page from the middle", f"{base}&startingAfter={middle}"),
    ):
        points.append(Point("conversations", measure, label, size, await median_ms(runs, 3, await page(path)), runs))
    rng = random.Random(size)
    targets = [f"c{rng.randrange(size):06d}" for _ in range(runs + 3)]
    bodies = [
        http.request_bytes(
            "POST",
            f"{api}/conversations/{cid}/messages",
            json.dumps([{"text": text_of(i), "sender": OTHER}]).encode(),
        )
        for i, cid in enumerate(targets)
    ]

    async def send(i: int) -> None:
        await post_ok(http, bodies[i])

    points.append(Point("conversations", "new message", label, size, await median_ms(runs, 3, send), runs))
    await http.close()
    points.append(await measure_load_more(server, size, label, calls=min(10, (size - 20) // 30)))
    return points


async def measure_load_more(server: Emulator, size: int, label: str, calls: int) -> Point:
    """``load_more(30)`` of alice's session, ``calls`` times from the initial window of 20 (each call
    loads 30 more: the list is longer than the window gets)."""
    from talkwidgets.session import get_talk_session

    session = await get_talk_session(APP_ID, ME, secret_key=SECRET, host=server.base)
    try:
        sub = session.subscribe_conversations()
        await asyncio.wait_for(sub.connected, 30)
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            await asyncio.wait_for(sub.load_more(30), 60)
            times.append((time.perf_counter() - started) * 1000)
        return Point("conversations", "session: load_more(30)", label, size, statistics.median(times), calls)
    finally:
        await asyncio.wait_for(session.aclose(), 10)


async def measure_messages(server: Emulator, size: int, runs: int) -> list[Point]:
    http = await LeanHttp.open(server.port)
    api = f"/v1/{APP_ID}"
    base = f"{api}/conversations/long/messages?limit=30"
    first = (await get_ok(http, base))["data"]
    assert len(first) == 30 and first[0]["id"] == f"msg_seed_{size:07d}", first[0]["id"]
    older = f"{base}&startingAfter=msg_seed_{size // 2:07d}"
    assert (await get_ok(http, older))["data"][0]["id"] == f"msg_seed_{size // 2 - 1:07d}"
    points = []
    for measure, path in (("messages: first page", base), ("messages: an older page", older)):

        async def once(_: int, path: str = path) -> None:
            await get_ok(http, path)

        points.append(Point("messages", measure, "emulator", size, await median_ms(runs, 3, once), runs))
    bodies = [
        http.request_bytes(
            "POST", f"{api}/conversations/long/messages", json.dumps([{"text": text_of(i), "sender": ME}]).encode()
        )
        for i in range(runs + 3)
    ]

    async def send(i: int) -> None:
        await post_ok(http, bodies[i])

    points.append(Point("messages", "new message", "emulator", size, await median_ms(runs, 3, send), runs))
    await http.close()
    return points


async def measure_subscribers(checkout: Checkout, count: int, messages: int, tmp: Path) -> list[Point]:
    """``count`` live-feed connections on one conversation (at most 200 users, so up to five
    connections per user, like several open tabs)."""
    server = Emulator(checkout, db=str(tmp / f"fanout-{count}.db"))
    sockets = []
    try:
        await server.ready()
        http = await LeanHttp.open(server.port)
        api = f"/v1/{APP_ID}"
        users = [f"sub{k:03d}" for k in range(min(count, 200))]
        everyone = [ME, *users]
        for at in range(0, len(everyone), 100):  # the batch route takes 100 users at a time
            status, _ = await http.call("PUT", f"{api}/users", {u: {"name": u} for u in everyone[at : at + 100]})
            assert status == 200, status
        status, _ = await http.call("PUT", f"{api}/conversations/room", {"participants": [ME, *users]})
        assert status == 200, status
        total = 10 + messages
        received: list[list[float | None]] = [[None] * total for _ in range(count)]
        remaining = [count] * total
        done = [asyncio.Event() for _ in range(total)]
        for k in range(count):
            token = mint_user_token(APP_ID, users[k % len(users)], SECRET, ttl=3600)
            ws = await connect(server.ws, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None)
            assert json.loads(await ws.recv())["op"] == "hello"
            sockets.append(ws)

        async def pump(k: int, ws: Any) -> None:
            async for frame in ws:
                i = marker_index(frame)
                if i is not None and i < total and received[k][i] is None:
                    received[k][i] = time.perf_counter()
                    remaining[i] -= 1
                    if remaining[i] == 0:
                        done[i].set()

        pumps = [asyncio.create_task(pump(k, ws)) for k, ws in enumerate(sockets)]
        path = f"{api}/conversations/room/messages"
        posts, spans = [], []
        for i in range(total):
            raw = http.request_bytes("POST", path, json.dumps([{"text": text_of(i), "sender": ME}]).encode())
            started = time.perf_counter()
            await post_ok(http, raw)
            answered = time.perf_counter()
            await asyncio.wait_for(done[i].wait(), 60)  # one message at a time: every subscriber has it
            if i >= 10:
                posts.append((answered - started) * 1000)
                last = max(t for t in (row[i] for row in received) if t is not None)
                spans.append((last - started) * 1000)
        for task in pumps:
            task.cancel()
        await http.close()
        post, span = statistics.median(posts), statistics.median(spans)
        return [
            Point("subscribers", "POST (frames written before the answer)", "emulator", count, post, messages),
            Point("subscribers", "send → last subscriber has it", "emulator", count, span, messages),
            Point("subscribers", "send → last subscriber, per subscriber", "emulator", count, span / count, messages),
        ]
    finally:
        for ws in sockets:
            await ws.close()
        server.stop()


# -- the curves ------------------------------------------------------------------------------------


async def curve_conversations(sizes: list[int], checkouts: list[Checkout], runs: int, tmp: Path) -> list[Point]:
    points: list[Point] = []
    paths = {c.label: tmp / f"conversations-{c.label}.db" for c in checkouts}
    seeded = dict.fromkeys(paths, 0)
    for checkout in checkouts:
        create_database(checkout, paths[checkout.label])
        seeder = Seeder(paths[checkout.label])
        seeder.users(ME, OTHER)
        seeder.close()
    for size in sizes:
        for checkout in checkouts:
            label = checkout.label
            started = time.perf_counter()
            seeder = Seeder(paths[label])
            seeder.conversations(seeded[label], size)
            seeder.close()
            seeded[label] = size
            seed_s = time.perf_counter() - started
            server = Emulator(checkout, db=str(paths[label]))
            try:
                await server.ready()
                found = await measure_conversations(server, size, runs, label)
            finally:
                server.stop()
            points += found
            # the POSTs added messages: the rows stay consistent, and the next size adds more conversations
            summary = ", ".join(f"{p.measure} {p.p50_ms:.2f}" for p in found)
            print(f"  conversations {size:>7} [{label}] seeded in {seed_s:.1f} s: {summary} ms", file=sys.stderr)
    return points


async def curve_messages(sizes: list[int], checkout: Checkout, runs: int, tmp: Path) -> list[Point]:
    path = tmp / "messages.db"
    create_database(checkout, path)
    seeder = Seeder(path)
    seeder.users(ME, OTHER)
    seeder.conversation("long")
    seeder.close()
    points: list[Point] = []
    seeded = 0
    for size in sizes:
        started = time.perf_counter()
        seeder = Seeder(path)
        # the POSTs of the previous size numbered their messages after the seeded ones: renumber them away
        seeder.db.execute("DELETE FROM message_words WHERE app_id=? AND message_id NOT LIKE 'msg_seed_%'", (APP_ID,))
        seeder.db.execute("DELETE FROM messages WHERE app_id=? AND id NOT LIKE 'msg_seed_%'", (APP_ID,))
        seeder.messages("long", seeded, size)
        seeder.close()
        seeded = size
        seed_s = time.perf_counter() - started
        server = Emulator(checkout, db=str(path))
        try:
            await server.ready()
            found = await measure_messages(server, size, runs)
        finally:
            server.stop()
        points += found
        summary = ", ".join(f"{p.measure} {p.p50_ms:.2f}" for p in found)
        print(f"  messages {size:>8} seeded in {seed_s:.1f} s: {summary} ms", file=sys.stderr)
    return points


async def curve_subscribers(sizes: list[int], checkout: Checkout, messages: int, tmp: Path) -> list[Point]:
    points: list[Point] = []
    for count in sizes:
        found = await measure_subscribers(checkout, count, messages, tmp)
        points += found
        summary = ", ".join(f"{p.measure} {p.p50_ms:.3f}" for p in found)
        print(f"  subscribers {count:>5}: {summary} ms", file=sys.stderr)
    return points


# -- report ----------------------------------------------------------------------------------------

TITLES = {
    "conversations": "Conversations per user",
    "messages": "Messages in the conversation",
    "subscribers": "Live-feed subscribers of the conversation",
}


def table(points: list[Point]) -> str:
    """One table per curve: each measure's p50 by size, and its growth from the smallest size."""
    out = []
    for curve in TITLES:
        mine = [p for p in points if p.curve == curve]
        if not mine:
            continue
        sizes = sorted({p.size for p in mine})
        rows = list(dict.fromkeys((p.measure, p.server) for p in mine))
        head = f"| {TITLES[curve].lower()} | server | " + " | ".join(f"{s:,}" for s in sizes)
        out.append(head + f" | {sizes[-1]:,} ÷ {sizes[0]:,} |")
        out.append("|---|---|" + "---:|" * (len(sizes) + 1))
        for measure, server in rows:
            by_size = {p.size: p.p50_ms for p in mine if p.measure == measure and p.server == server}
            cells = [f"{by_size[s]:.3f}" if s in by_size else "–" for s in sizes]
            ends = (sizes[0], sizes[-1])
            growth = by_size[ends[1]] / by_size[ends[0]] if all(e in by_size for e in ends) else float("nan")
            out.append(f"| {measure} | {server} | " + " | ".join(cells) + f" | {growth:.2f}× |")
        out.append("")
    return "\n".join(out)


def plot(points: list[Point], path: Path, note: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [c for c in TITLES if any(p.curve == c for p in points)]
    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.8), squeeze=False)
    for ax, curve in zip(axes[0], curves, strict=True):
        mine = [p for p in points if p.curve == curve]
        for measure, server in dict.fromkeys((p.measure, p.server) for p in mine):
            line = sorted((p.size, p.p50_ms) for p in mine if p.measure == measure and p.server == server)
            label = measure if server == "emulator" else f"{measure} ({server})"
            ax.plot(*zip(*line, strict=True), marker="o", linestyle="--" if server != "emulator" else "-", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(TITLES[curve].lower())
        ax.set_ylabel("median time (ms)")
        ax.set_title(TITLES[curve])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"talkwidgets emulator: cost as the work grows ×10 ({note})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


async def main(args: argparse.Namespace) -> int:
    checkouts = [Checkout()]
    if args.before:
        checkouts.append(Checkout(Path(args.before), args.before_python or sys.executable, "before"))
    curves = args.curves.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="cost-curves-"))
    points: list[Point] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        if "conversations" in curves:
            points += await curve_conversations(args.conversations, checkouts, args.runs, tmp)
        if "messages" in curves:
            points += await curve_messages(args.messages, checkouts[0], args.runs, tmp)
        if "subscribers" in curves:
            points += await curve_subscribers(args.subscribers, checkouts[0], args.fanout_messages, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    note = f"{started}, {os.cpu_count()} CPUs, Python {platform.python_version()}, medians of {args.runs}"
    print(f"\n{note}; load average at the end {os.getloadavg()[0]:.1f}; times in ms\n")
    print(table(points))
    if args.plot:
        plot(points, Path(args.plot), note)
        print(f"plot: {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(p) for p in points], indent=1))
    return 0


def sizes(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",")]


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--curves", default="conversations,messages,subscribers")
    parser.add_argument("--conversations", type=sizes, default=sizes("1e2,1e3,1e4,1e5"))
    parser.add_argument("--messages", type=sizes, default=sizes("1e2,1e3,1e4,1e5,1e6"))
    parser.add_argument("--subscribers", type=sizes, default=sizes("1,10,100,1000"))
    parser.add_argument("--runs", type=int, default=30, help="requests per figure (the median is shown)")
    parser.add_argument("--fanout-messages", type=int, default=50, help="messages per subscriber count")
    parser.add_argument("--before", default=None, help="also measure the conversation curve of this checkout")
    parser.add_argument("--before-python", default=None, help="the Python that runs --before's emulator")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "img" / "cost_curves.png"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^3 (10^4 messages), 10 runs")
    args = parser.parse_args()
    if args.quick:
        args.conversations, args.messages = sizes("1e2,1e3"), sizes("1e2,1e3,1e4")
        args.subscribers, args.runs, args.fanout_messages = sizes("1,10,100"), 10, 20
    return asyncio.run(main(args))


if __name__ == "__main__":
    sys.exit(cli())
