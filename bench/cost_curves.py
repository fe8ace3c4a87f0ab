"""How the emulator's costs grow with the data: the work grows ×10 at a time, and each measure is
printed beside its value at the smallest size.

* **conversations per user**, 10² … 10⁵: ``GET /users/alice/conversations?limit=30`` (first page),
  the next page (``startingAfter`` the 30th), a page from the middle of the list, ``load_more(30)``
  of alice's ``TalkSession`` conversation list (ten calls, from a window of 20 to 320), and a new
  message (``POST`` into one of her conversations);
* **messages per conversation**, 10² … 10⁶: the first page of messages (``limit=30``), an older page
  (``startingAfter`` a message in the middle), a new message, and the conversation list of a
  participant who has not read half of them (its ``unreadMessageCount`` counts them);
* **subscribers**, 1 … 1,000 live-feed connections following one conversation: a new message's
  ``POST`` (the emulator writes the frame to every caught-up connection before it answers) and the
  time until the last subscriber has it, per message and per subscriber.

Big data sets are seeded fast and directly: for every size the checkout under test creates its own
database file (its ``Store``, so its own schema and migrations), then this script inserts users,
conversations, participants, messages and their search words with plain SQL (the schema's
triggers index the words), filling the activity columns and unread counts where the schema has them. Then one
server per size (``talkwidgets serve --db FILE``, each in its own subprocess) runs at the same
time, and every measure goes round them: one request to each server per round, ``--runs`` rounds,
the order rotating from round to round, over one keep-alive connection per server
(``bench._emulator.LeanHttp``). On a shared machine the load moves far more than the sizes do; measured
this way, every size sees the same load. Each figure is the median of its rounds.

Run from the repository root (needs the ``bench`` extra for the plot)::

    .venv/bin/python -m bench.cost_curves                        # all three curves, ~10 minutes
    .venv/bin/python -m bench.cost_curves --curves conversations --before /tmp/main \\
        --before-python /tmp/main/.venv/bin/python               # the list curve of another checkout too
    .venv/bin/python -m bench.cost_curves --quick                # smaller sizes, a smoke run

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from bench._common import marker_index, text_of
from bench._emulator import APP_ID, SECRET, Checkout, Emulator, LeanHttp
from talkwidgets.emulator.store.search_words import indexed
from talkwidgets.model.auth import mint_user_token

ROOT = Path(__file__).resolve().parent.parent

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
        columns = {
            table: {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for table in ("conversations", "participants")
        }
        self.activity = {table: "activity" in columns[table] for table in columns}
        self.unread_counts = "unread_count" in columns["participants"]

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
            if self.unread_counts:
                part["unread_count"] = 1 if uid == ME and sent else 0  # bob's message
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
        if self.unread_counts:
            db.execute(
                "UPDATE participants AS p SET unread_count=(SELECT COUNT(*) FROM messages m WHERE m.app_id=p.app_id"
                " AND m.conversation_id=p.conversation_id AND m.created_at>p.read_until AND m.sender_id<>p.user_id)"
                " WHERE p.app_id=? AND p.conversation_id=?",
                (APP_ID, cid),
            )
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


@dataclass(eq=False)
class Target:
    """One running server holding one size of the data, and what a measure needs of it."""

    checkout: Checkout
    size: int
    server: Emulator
    http: LeanHttp | None = None
    paths: dict[str, str] = field(default_factory=dict)
    posts: list[bytes] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


Step = Callable[[Target, int], Awaitable[float | None]]
"""One request of a measure against one target (its ``i``-th); answers its own time in ms, or None
to have the call timed as a whole (or to skip it: see :func:`interleave`)."""


async def interleave(targets: list[Target], runs: int, warmup: int, step: Step) -> dict[Target, list[float]]:
    """``warmup`` + ``runs`` rounds; each round sends one request to every target, in an order that
    rotates from round to round. Every size then sees the same machine load, which on a shared
    machine moves far more than the sizes do."""
    times: dict[Target, list[float]] = {t: [] for t in targets}
    for i in range(warmup + runs):
        turn = i % len(targets)
        for target in targets[turn:] + targets[:turn]:
            if target.state.get("done"):
                continue
            started = time.perf_counter()
            own = await step(target, i)
            took = own if own is not None else (time.perf_counter() - started) * 1000
            if i >= warmup and not target.state.get("skip"):
                times[target].append(took)
            target.state.pop("skip", None)
    return times


def points_of(curve: str, measure: str, times: dict[Target, list[float]]) -> list[Point]:
    return [
        Point(curve, measure, t.checkout.label, t.size, statistics.median(v), len(v)) for t, v in times.items() if v
    ]


async def get_ok(http: LeanHttp, path: str) -> Any:
    status, body = await http.call("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body}")
    return body


async def post_ok(http: LeanHttp, raw: bytes) -> None:
    status, body = await http.send(raw)
    if status != 200:
        raise RuntimeError(f"POST answered {status}: {body!r}")


def getter(name: str) -> Step:
    async def step(t: Target, i: int) -> None:
        assert t.http is not None
        await get_ok(t.http, t.paths[name])

    return step


def post_bytes(http: LeanHttp, path: str, i: int, sender: str) -> bytes:
    """A prepared ``POST`` of message number ``i``."""
    return http.request_bytes("POST", path, json.dumps([{"text": text_of(i), "sender": sender}]).encode())


async def poster(t: Target, i: int) -> None:
    assert t.http is not None
    await post_ok(t.http, t.posts[i])


async def start_servers(targets: list[Target]) -> None:
    await asyncio.gather(*(t.server.ready(60) for t in targets))
    for t in targets:
        t.http = await LeanHttp.open(t.server.port)


async def stop_servers(targets: list[Target]) -> None:
    for t in targets:
        if t.http is not None:
            await t.http.close()
        t.server.stop()


# -- the curves ------------------------------------------------------------------------------------


async def curve_conversations(sizes: list[int], checkouts: list[Checkout], runs: int, tmp: Path) -> list[Point]:
    targets = []
    for checkout in checkouts:
        for size in sizes:
            path = tmp / f"conversations-{checkout.label}-{size}.db"
            started = time.perf_counter()
            create_database(checkout, path)
            seeder = Seeder(path)
            seeder.users(ME, OTHER)
            seeder.conversations(0, size)
            seeder.close()
            print(
                f"  [{checkout.label}] {size:,} conversations seeded in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            targets.append(Target(checkout, size, Emulator(checkout, db=str(path))))
    try:
        await start_servers(targets)
        api = f"/v1/{APP_ID}"
        for t in targets:
            assert t.http is not None
            base = f"{api}/users/{ME}/conversations?limit=30"
            first = (await get_ok(t.http, base))["data"]
            assert len(first) == min(30, t.size), len(first)
            t.paths = {
                "first": base,
                "next": f"{base}&startingAfter={first[-1]['id']}",
                "middle": f"{base}&startingAfter=c{t.size // 2:06d}",
            }
            rng = random.Random(t.size)
            t.posts = [
                post_bytes(t.http, f"{api}/conversations/c{rng.randrange(t.size):06d}/messages", i, OTHER)
                for i in range(runs + 3)
            ]
        points = []
        for measure, step in (
            ("list: first page", getter("first")),
            ("list: next page", getter("next")),
            ("list: a page from the middle", getter("middle")),
        ):
            points += points_of("conversations", measure, await interleave(targets, runs, 3, step))
        points += points_of("conversations", "new message", await interleave(targets, runs, 3, poster))
        points += await load_more_curve(targets)
        return points
    finally:
        await stop_servers(targets)


async def load_more_curve(targets: list[Target], calls: int = 10) -> list[Point]:
    """``load_more(30)`` of alice's ``TalkSession`` list on each server, from the initial window of
    20, at most ``calls`` times (a list of 100 has room for two)."""
    from talkwidgets.session import get_talk_session

    sessions = []
    try:
        for t in targets:
            session = await get_talk_session(APP_ID, ME, secret_key=SECRET, host=t.server.base)
            sessions.append(session)
            t.state["sub"] = session.subscribe_conversations()
            await asyncio.wait_for(t.state["sub"].connected, 30)
            t.state["calls"] = min(calls, (t.size - 20) // 30)

        async def step(t: Target, i: int) -> None:
            if i >= t.state["calls"]:
                t.state["skip"] = True
                return
            await asyncio.wait_for(t.state["sub"].load_more(30), 60)

        return points_of("conversations", "session: load_more(30)", await interleave(targets, calls, 0, step))
    finally:
        for session in sessions:
            await asyncio.wait_for(session.aclose(), 10)


async def curve_messages(sizes: list[int], checkout: Checkout, runs: int, tmp: Path) -> list[Point]:
    targets = []
    for size in sizes:
        path = tmp / f"messages-{size}.db"
        started = time.perf_counter()
        create_database(checkout, path)
        seeder = Seeder(path)
        seeder.users(ME, OTHER)
        seeder.conversation("long")
        seeder.messages("long", 0, size)
        seeder.close()
        print(f"  {size:,} messages seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        targets.append(Target(checkout, size, Emulator(checkout, db=str(path))))
    try:
        await start_servers(targets)
        api = f"/v1/{APP_ID}"
        for t in targets:
            assert t.http is not None
            base = f"{api}/conversations/long/messages?limit=30"
            first = (await get_ok(t.http, base))["data"]
            assert len(first) == 30 and first[0]["id"] == f"msg_seed_{t.size:07d}", first[0]["id"]
            older = f"{base}&startingAfter=msg_seed_{t.size // 2:07d}"
            assert (await get_ok(t.http, older))["data"][0]["id"] == f"msg_seed_{t.size // 2 - 1:07d}"
            t.paths = {"first": base, "older": older, "list": f"{api}/users/{OTHER}/conversations?limit=30"}
            t.posts = [post_bytes(t.http, f"{api}/conversations/long/messages", i, ME) for i in range(runs + 3)]
        points = []
        for measure, step in (
            ("messages: first page", getter("first")),
            ("messages: an older page", getter("older")),
            ("bob's conversation list (half the messages unread)", getter("list")),
        ):
            points += points_of("messages", measure, await interleave(targets, runs, 3, step))
        points += points_of("messages", "new message", await interleave(targets, runs, 3, poster))
        return points
    finally:
        await stop_servers(targets)


async def curve_subscribers(sizes: list[int], checkout: Checkout, messages: int, tmp: Path) -> list[Point]:
    """``count`` live-feed connections on one conversation per server (at most 200 users, so up to
    five connections per user, like several open tabs)."""
    targets = [Target(checkout, count, Emulator(checkout, db=str(tmp / f"fanout-{count}.db"))) for count in sizes]
    sockets = []
    try:
        await start_servers(targets)
        api = f"/v1/{APP_ID}"
        for t in targets:
            assert t.http is not None
            users = [f"sub{k:03d}" for k in range(min(t.size, 200))]
            everyone = [ME, *users]
            for at in range(0, len(everyone), 100):  # the batch route takes 100 users at a time
                status, _ = await t.http.call("PUT", f"{api}/users", {u: {"name": u} for u in everyone[at : at + 100]})
                assert status == 200, status
            status, _ = await t.http.call("PUT", f"{api}/conversations/room", {"participants": everyone})
            assert status == 200, status
            t.posts = [post_bytes(t.http, f"{api}/conversations/room/messages", i, ME) for i in range(messages + 5)]
            waiting: dict[int, list[Any]] = {}  # message number -> [subscribers left, event, last receive time]
            t.state["waiting"] = waiting
            for k in range(t.size):
                token = mint_user_token(APP_ID, users[k % len(users)], SECRET, ttl=3600)
                ws = await connect(t.server.ws, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None)
                assert json.loads(await ws.recv())["op"] == "hello"
                sockets.append(asyncio.create_task(pump(ws, waiting)))
        for t in targets:  # a fresh sender connection: uvicorn closes one idle for 5 s, as during the setup above
            assert t.http is not None
            await t.http.close()
            t.http = await LeanHttp.open(t.server.port)
        post_ms: dict[Target, list[float]] = {t: [] for t in targets}

        async def step(t: Target, i: int) -> float:
            assert t.http is not None
            entry = t.state["waiting"][i] = [t.size, asyncio.Event(), 0.0]
            started = time.perf_counter()
            await post_ok(t.http, t.posts[i])
            if i >= 5:
                post_ms[t].append((time.perf_counter() - started) * 1000)
            await asyncio.wait_for(entry[1].wait(), 60)  # one message at a time: every subscriber has it
            return float((entry[2] - started) * 1000)

        spans = await interleave(targets, messages, 5, step)
        per_subscriber = {t: [v / t.size for v in values] for t, values in spans.items()}
        return [
            *points_of("subscribers", "POST (answered before the fan-out)", post_ms),
            *points_of("subscribers", "send → last subscriber has it", spans),
            *points_of("subscribers", "send → last subscriber, per subscriber", per_subscriber),
        ]
    finally:
        for task in sockets:
            task.cancel()
        await stop_servers(targets)


async def pump(ws: Any, waiting: dict[int, list[Any]]) -> None:
    """One subscriber: counts each numbered message down, and stamps the last arrival."""
    try:
        async for frame in ws:
            i = marker_index(frame)
            entry = waiting.get(i) if i is not None else None
            if entry is not None:
                entry[0] -= 1
                if entry[0] == 0:
                    entry[2] = time.perf_counter()
                    entry[1].set()
    finally:
        await ws.close()


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
    """One panel per curve, log-log: a colour per measure, dashed for the ``before`` checkout, and a
    dotted grey line growing like the size (linear cost) for comparison."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [c for c in TITLES if any(p.curve == c for p in points)]
    fig, axes = plt.subplots(1, len(curves), figsize=(6.2 * len(curves), 5.2), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, curve in zip(axes[0], curves, strict=True):
        mine = [p for p in points if p.curve == curve]
        measures = list(dict.fromkeys(p.measure for p in mine))
        for (measure, server), colour in (
            (key, colours[measures.index(key[0]) % len(colours)])
            for key in dict.fromkeys((p.measure, p.server) for p in mine)
        ):
            line = sorted((p.size, p.p50_ms) for p in mine if p.measure == measure and p.server == server)
            before = server != "emulator"
            ax.plot(
                *zip(*line, strict=True),
                marker="o",
                color=colour,
                linestyle="--" if before else "-",
                label=f"{measure} ({server})" if before else measure,
            )
        sizes = sorted({p.size for p in mine})
        low = min(p.p50_ms for p in mine if p.size == sizes[0])
        ax.plot(sizes, [low * s / sizes[0] for s in sizes], color="grey", linestyle=":", label="linear growth")
        values = [p.p50_ms for p in mine]
        ax.set_ylim(min(values) / 2, max(max(values) * 2, min(values) * 20))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(TITLES[curve].lower())
        ax.set_ylabel("median time (ms)")
        ax.set_title(TITLES[curve])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"talkwidgets emulator: cost as the work grows ×10 ({note})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


async def main(args: argparse.Namespace) -> int:
    checkouts = [Checkout()]
    if args.before:
        python = os.path.abspath(args.before_python or sys.executable)  # the servers run from another folder
        checkouts.append(Checkout(Path(args.before).absolute(), python, "before"))
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
