"""The SQLite connection, transactions, and the event log with its sequence numbers.

Every change and the live-feed events it causes are written in one transaction, so an answered
request and its events survive a crash together (WAL mode). Webhooks wait in the transaction's
:class:`Changes` and are handed to ``on_commit`` only once it has committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..clock import now_ms
from .events import JSON, Changes, FeedEvent, Webhook
from .schema import SCHEMA

PRUNE_EVERY = 500
"""Old events are pruned once every this many events, not on each write."""


def make_private(db_path: str) -> None:
    """Create the database file readable by this account only (it holds the apps' secret keys),
    and tighten an existing one. SQLite gives its ``-wal`` and ``-shm`` files the database file's
    permissions, so they follow."""
    os.close(os.open(db_path, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (db_path, db_path + "-wal", db_path + "-shm", db_path + "-journal"):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # another account's file: its owner decides
            os.chmod(path, 0o600)


def dumps(value: Any) -> str:
    """Compact JSON for the ``data`` columns."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Storage:
    """One SQLite connection guarded by a lock.

    The lock makes storage safe to use from the server's event loop and from the thread that owns
    an embedded server (``ensure_app``, ``reset``). Calls are short; SQLite does the work.
    """

    def __init__(self, db_path: str = ":memory:", *, event_retention: int = 10_000) -> None:
        self.db_path = db_path
        self.event_retention = event_retention
        self.lock = threading.RLock()
        if db_path != ":memory:":
            make_private(db_path)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if db_path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # committed data survives a process kill
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.executescript(SCHEMA)
        self._seq: dict[str, int] = {}
        self._changes: Changes | None = None
        self.on_commit: Callable[[Changes], None] | None = None
        """Called after each commit that emitted events or webhooks (publishes them)."""

    def close(self) -> None:
        with self.lock:
            self._db.close()

    # -- transactions and queries ----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Changes]:
        """One atomic write; yields the collector of the events it emits. Nested calls join the outer one."""
        with self.lock:
            if self._changes is not None:
                yield self._changes
                return
            changes = Changes()
            self._changes = changes
            seq_before = dict(self._seq)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield changes
            except BaseException:
                self._db.execute("ROLLBACK")
                self._seq = seq_before
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._changes = None
            if self.on_commit is not None and (changes.events or changes.webhooks):
                self.on_commit(changes)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, tuple(params))

    def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(sql, tuple(params)).fetchone()
        return row

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._db.execute(sql, tuple(params)).fetchall()

    def exists(self, sql: str, params: Iterable[Any] = ()) -> bool:
        return self.one(sql, params) is not None

    # -- event log -------------------------------------------------------------------------------

    def latest_seq(self, app_id: str) -> int:
        """The app's last sequence number (0 before its first event); never goes back, not even on reset."""
        with self.lock:
            seq = self._seq.get(app_id)
            if seq is None:
                row = self.one("SELECT MAX(seq) AS s FROM events WHERE app_id=?", (app_id,))
                seq = int(row["s"] or 0) if row else 0
                self._seq[app_id] = seq
            return seq

    def emit(
        self, app_id: str, type_: str, conversation_id: str | None, audience: Iterable[str] | None, data: JSON
    ) -> None:
        """Append a live-feed event to the log; ``audience`` None means admin feeds only."""
        assert self._changes is not None, "events are emitted inside a transaction"
        seq = self.latest_seq(app_id) + 1
        self._seq[app_id] = seq
        ts = now_ms()
        aud = sorted(set(audience)) if audience is not None else None
        self.execute(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?)",
            (app_id, seq, type_, conversation_id, dumps(aud) if aud is not None else None, ts, dumps(data)),
        )
        if seq % PRUNE_EVERY == 0:
            self.execute("DELETE FROM events WHERE app_id=? AND seq<=?", (app_id, seq - self.event_retention))
        self._changes.events.append(FeedEvent(app_id, seq, type_, conversation_id, aud, ts, data))

    def events_after(self, app_id: str, since: int) -> tuple[list[FeedEvent], bool]:
        """Events with ``seq > since`` and whether they are complete (nothing was pruned)."""
        with self.lock:
            oldest = self.one("SELECT MIN(seq) AS s FROM events WHERE app_id=?", (app_id,))
            latest = self.latest_seq(app_id)
            first = int(oldest["s"]) if oldest and oldest["s"] is not None else latest + 1
            complete = since <= latest and since >= first - 1
            rows = self.all("SELECT * FROM events WHERE app_id=? AND seq>? ORDER BY seq", (app_id, since))
            events = [
                FeedEvent(
                    app_id,
                    r["seq"],
                    r["type"],
                    r["conversation_id"],
                    json.loads(r["audience"]) if r["audience"] else None,
                    r["ts"],
                    json.loads(r["data"]),
                )
                for r in rows
            ]
            # a reset in between cannot be replayed to user views (its event is admin-only): resync
            complete = complete and not any(e.type == "app.reset" for e in events)
            return events, complete

    # -- webhooks --------------------------------------------------------------------------------

    def has_webhook(self, app_id: str) -> bool:
        row = self.one("SELECT webhook_url FROM apps WHERE id=?", (app_id,))
        return bool(row and row["webhook_url"])

    def queue_webhook(self, app_id: str, type_: str, build: Callable[[], JSON]) -> None:
        """Queue a webhook for after the commit; ``build`` runs only when the app has a webhook URL."""
        assert self._changes is not None, "webhooks are queued inside a transaction"
        if self.has_webhook(app_id):
            self._changes.webhooks.append(Webhook(app_id, type_, build()))


@dataclass(slots=True)
class Where:
    """AND-ed SQL conditions and their parameters, built up by a list query.

    The seam for list filters: a filter evaluator adds its conditions here."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"
