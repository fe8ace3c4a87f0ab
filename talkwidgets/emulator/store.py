"""SQLite storage of the emulator: apps, users, conversations, messages, files and events.

Every change and the live-feed events it causes are written in one transaction, so an answered
request and its events survive a crash together (WAL mode). Rows come out as TalkJS REST JSON.
Arguments reaching this module are already validated by the routes.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, not_found

JSON = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
  id TEXT PRIMARY KEY, secret_key TEXT NOT NULL, webhook_url TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id));
CREATE TABLE IF NOT EXISTS conversations (
  app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_message_id TEXT, last_message_at INTEGER,
  PRIMARY KEY (app_id, id));
CREATE TABLE IF NOT EXISTS participants (
  app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, user_id TEXT NOT NULL,
  access TEXT NOT NULL, notify TEXT NOT NULL, joined_at INTEGER NOT NULL, read_until INTEGER NOT NULL,
  PRIMARY KEY (app_id, conversation_id, user_id));
CREATE INDEX IF NOT EXISTS participants_by_user ON participants (app_id, user_id);
CREATE TABLE IF NOT EXISTS messages (
  app_id TEXT NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL, n INTEGER NOT NULL,
  sender_id TEXT, created_at INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (app_id, id));
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (app_id, conversation_id, n);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (app_id, conversation_id, created_at);
CREATE TABLE IF NOT EXISTS files (
  app_id TEXT NOT NULL, token TEXT NOT NULL, file_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (app_id, token));
CREATE TABLE IF NOT EXISTS events (
  app_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, conversation_id TEXT,
  audience TEXT, ts INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (app_id, seq));
"""

_ALNUM = string.ascii_letters + string.digits

USER_FIELDS = (
    "name",
    "email",
    "welcomeMessage",
    "photoUrl",
    "headerPhotoUrl",
    "role",
    "phone",
    "custom",
    "availabilityText",
    "locale",
    "pushTokens",
)
CONVERSATION_FIELDS = ("subject", "photoUrl", "welcomeMessages", "custom", "topicId")


def now_ms() -> int:
    return int(time.time() * 1000)


def message_id() -> str:
    """``msg_`` and 22 alphanumerics, the shape TalkJS uses."""
    return "msg_" + "".join(secrets.choice(_ALNUM) for _ in range(22))


@dataclass(slots=True)
class FeedEvent:
    """A persisted live-feed event; ``audience`` is None for app-wide-only events."""

    app_id: str
    seq: int
    type: str
    conversation_id: str | None
    audience: list[str] | None
    ts: int
    data: JSON
    _text: str | None = field(default=None, repr=False, compare=False)

    def text(self) -> str:
        """The frame as JSON text, encoded once however many connections send it."""
        if self._text is None:
            self._text = json.dumps(self.frame())
        return self._text

    def frame(self) -> JSON:
        return {
            "op": "event",
            "seq": self.seq,
            "type": self.type,
            "ts": self.ts,
            "conversationId": self.conversation_id,
            "data": self.data,
        }

    def visible_to(self, user_id: str | None) -> bool:
        return user_id is None or (self.audience is not None and user_id in self.audience)


@dataclass(slots=True)
class Changes:
    """What one transaction emitted: feed events (persisted) and webhooks (to send after commit)."""

    events: list[FeedEvent] = field(default_factory=list)
    webhooks: list[tuple[str, str, JSON]] = field(default_factory=list)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Store:
    """All emulator state behind one SQLite connection guarded by a lock.

    The lock makes the store safe to call from the server's event loop and from the thread that
    owns an embedded server (``ensure_app``, ``reset``). Calls are short; SQLite does the work.
    """

    def __init__(self, db_path: str = ":memory:", *, event_retention: int = 10_000) -> None:
        self.db_path = db_path
        self.event_retention = event_retention
        self._lock = threading.RLock()
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
        with self._lock:
            self._db.close()

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Changes]:
        """One atomic write; yields the collector of the events it emits."""
        with self._lock:
            if self._changes is not None:  # nested: join the outer transaction
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

    def _q(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, tuple(params))

    def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return self._db.execute(sql, tuple(params)).fetchone()

    def _emit(
        self, app_id: str, type_: str, conversation_id: str | None, audience: Iterable[str] | None, data: JSON
    ) -> None:
        assert self._changes is not None, "events are emitted inside a transaction"
        seq = self.latest_seq(app_id) + 1
        self._seq[app_id] = seq
        ts = now_ms()
        aud = sorted(set(audience)) if audience is not None else None
        self._q(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?)",
            (app_id, seq, type_, conversation_id, _dumps(aud) if aud is not None else None, ts, _dumps(data)),
        )
        if seq % 500 == 0:
            self._q("DELETE FROM events WHERE app_id=? AND seq<=?", (app_id, seq - self.event_retention))
        self._changes.events.append(FeedEvent(app_id, seq, type_, conversation_id, aud, ts, data))

    def _webhook(self, app_id: str, type_: str, data: JSON | Callable[[], JSON]) -> None:
        """Queue a webhook; ``data`` may be a function, built only when the app has a webhook URL."""
        assert self._changes is not None
        if not self._has_webhook(app_id):
            return
        self._changes.webhooks.append((app_id, type_, data() if callable(data) else data))

    def _has_webhook(self, app_id: str) -> bool:
        row = self._one("SELECT webhook_url FROM apps WHERE id=?", (app_id,))
        return bool(row and row["webhook_url"])

    # -- apps -----------------------------------------------------------------------------------

    def ensure_app(self, app_id: str, secret_key: str | None = None, webhook_url: str | None = None) -> str:
        """Create the app if needed and return its secret key (an explicit key replaces the old one)."""
        from ..model.auth import generate_secret_key

        with self._lock:
            row = self._one("SELECT secret_key FROM apps WHERE id=?", (app_id,))
            if row is not None and secret_key in (None, row["secret_key"]):
                if webhook_url is not None:
                    self._q("UPDATE apps SET webhook_url=? WHERE id=?", (webhook_url or None, app_id))
                return str(row["secret_key"])
            key = secret_key or generate_secret_key()
            self._q(
                "INSERT INTO apps VALUES (?,?,?,?) ON CONFLICT(id) DO UPDATE SET secret_key=excluded.secret_key,"
                " webhook_url=COALESCE(excluded.webhook_url, apps.webhook_url)",
                (app_id, key, webhook_url or None, now_ms()),
            )
            return key

    def app(self, app_id: str) -> sqlite3.Row | None:
        with self._lock:
            return self._one("SELECT * FROM apps WHERE id=?", (app_id,))

    def reset(self, app_id: str) -> None:
        """Forget every user, conversation, message, file and event of one app (keeps its key)."""
        with self.transaction():
            for table in ("users", "conversations", "participants", "messages", "files", "events"):
                self._q(f"DELETE FROM {table} WHERE app_id=?", (app_id,))
            # sequence numbers never go back: connected clients learn of the reset by a resync
            self._emit(app_id, "app.reset", None, None, {})

    def latest_seq(self, app_id: str) -> int:
        seq = self._seq.get(app_id)
        if seq is None:
            row = self._one("SELECT MAX(seq) AS s FROM events WHERE app_id=?", (app_id,))
            seq = int(row["s"] or 0) if row else 0
            self._seq[app_id] = seq
        return seq

    def events_after(self, app_id: str, since: int) -> tuple[list[FeedEvent], bool]:
        """Events with ``seq > since`` and whether they are complete (nothing was pruned)."""
        with self._lock:
            oldest = self._one("SELECT MIN(seq) AS s FROM events WHERE app_id=?", (app_id,))
            latest = self.latest_seq(app_id)
            first = int(oldest["s"]) if oldest and oldest["s"] is not None else latest + 1
            complete = since <= latest and since >= first - 1
            rows = self._q("SELECT * FROM events WHERE app_id=? AND seq>? ORDER BY seq", (app_id, since))
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

    # -- users ----------------------------------------------------------------------------------

    def _user_json(self, row: sqlite3.Row) -> JSON:
        data = json.loads(row["data"])
        return {
            "id": row["id"],
            "name": data.get("name", ""),
            "welcomeMessage": data.get("welcomeMessage"),
            "photoUrl": data.get("photoUrl"),
            "headerPhotoUrl": data.get("headerPhotoUrl"),
            "role": data.get("role") or "default",
            "email": data.get("email"),
            "phone": data.get("phone"),
            "custom": data.get("custom") or {},
            "availabilityText": data.get("availabilityText"),
            "locale": data.get("locale"),
            "createdAt": row["created_at"],
            "pushTokens": data.get("pushTokens"),
        }

    def get_user(self, app_id: str, user_id: str) -> JSON | None:
        with self._lock:
            row = self._one("SELECT * FROM users WHERE app_id=? AND id=?", (app_id, user_id))
            return self._user_json(row) if row else None

    def user_exists(self, app_id: str, user_id: str) -> bool:
        with self._lock:
            return self._one("SELECT 1 FROM users WHERE app_id=? AND id=?", (app_id, user_id)) is not None

    def list_users(self, app_id: str, limit: int, starting_after: str | None) -> list[JSON]:
        with self._lock:
            rows = self._q(
                "SELECT * FROM users WHERE app_id=? AND id>? ORDER BY id LIMIT ?", (app_id, starting_after or "", limit)
            )
            return [self._user_json(r) for r in rows]

    def put_user(self, app_id: str, user_id: str, patch: JSON, *, fire_webhooks: bool = True) -> None:
        """Create or update with PATCH semantics; ``None`` values reset a field."""
        with self.transaction():
            row = self._one("SELECT * FROM users WHERE app_id=? AND id=?", (app_id, user_id))
            if row is None:
                if not patch.get("name"):
                    raise bad_request(f"user {user_id!r} does not exist yet, so 'name' is required")
                data = _merge_user({}, patch)
                self._q("INSERT INTO users VALUES (?,?,?,?)", (app_id, user_id, _dumps(data), now_ms()))
                kind = "user.created"
            else:
                old = json.loads(row["data"])
                data = _merge_user(old, patch)
                if data == old:
                    return
                self._q("UPDATE users SET data=? WHERE app_id=? AND id=?", (_dumps(data), app_id, user_id))
                kind = "user.updated"
            user = self.get_user(app_id, user_id)
            assert user is not None
            if fire_webhooks:
                self._webhook(app_id, kind, {"user": user})
            if kind == "user.updated":
                self._emit(app_id, "user.updated", None, self._contacts(app_id, user_id) | {user_id}, {"user": user})

    def _contacts(self, app_id: str, user_id: str) -> set[str]:
        rows = self._q(
            "SELECT DISTINCT p2.user_id FROM participants p1 JOIN participants p2"
            " ON p1.app_id=p2.app_id AND p1.conversation_id=p2.conversation_id"
            " WHERE p1.app_id=? AND p1.user_id=?",
            (app_id, user_id),
        )
        return {r[0] for r in rows}

    def _participants(self, app_id: str, conversation_id: str) -> dict[str, sqlite3.Row]:
        rows = self._q(
            "SELECT * FROM participants WHERE app_id=? AND conversation_id=? ORDER BY joined_at, user_id",
            (app_id, conversation_id),
        )
        return {r["user_id"]: r for r in rows}

    @staticmethod
    def _participant_json(row: sqlite3.Row) -> JSON:
        return {
            "access": row["access"],
            "notify": json.loads(row["notify"]),
            "joinedAt": row["joined_at"],
            "readUntil": row["read_until"],
        }

    def _conversation_row(self, app_id: str, conversation_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))

    def _conversation_json(self, row: sqlite3.Row) -> JSON:
        app_id, cid = row["app_id"], row["id"]
        data = json.loads(row["data"])
        parts = self._participants(app_id, cid)
        last = self._message_json(app_id, row["last_message_id"], parts) if row["last_message_id"] else None
        participants = {}
        for uid, p in parts.items():
            info = self._participant_json(p)
            info["isUnread"] = self._has_unread(app_id, cid, uid, p["read_until"])
            participants[uid] = info
        return {
            "id": cid,
            "subject": data.get("subject"),
            "photoUrl": data.get("photoUrl"),
            "welcomeMessages": data.get("welcomeMessages"),
            "custom": data.get("custom") or {},
            "topicId": data.get("topicId"),
            "lastMessage": last,
            "participants": participants,
            "createdAt": row["created_at"],
        }

    def _has_unread(self, app_id: str, cid: str, user_id: str, read_until: int) -> bool:
        return (
            self._one(
                "SELECT 1 FROM messages WHERE app_id=? AND conversation_id=? AND created_at>?"
                " AND (sender_id IS NULL OR sender_id<>?) LIMIT 1",
                (app_id, cid, read_until, user_id),
            )
            is not None
        )

    def _unread_count(self, app_id: str, cid: str, user_id: str, read_until: int) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM messages WHERE app_id=? AND conversation_id=? AND created_at>?"
            " AND (sender_id IS NULL OR sender_id<>?)",
            (app_id, cid, read_until, user_id),
        )
        return int(row[0]) if row else 0

    def _user_conversation_json(self, row: sqlite3.Row, user_id: str) -> JSON:
        conv = self._conversation_json(row)
        me = conv["participants"][user_id]
        read_untils = [p["readUntil"] for p in conv["participants"].values()]
        last_at = row["last_message_at"] or 0
        conv.update(
            joinedAt=me["joinedAt"],
            readUntil=me["readUntil"],
            everyoneReadUntil=min(read_untils) if read_untils else 0,
            unreadMessageCount=self._unread_count(row["app_id"], row["id"], user_id, me["readUntil"]),
            isUnread=me["isUnread"],
            access=me["access"],
            notify=me["notify"],
            lastActivityAt=max(last_at, me["joinedAt"]),
        )
        return conv

    def get_conversation(self, app_id: str, conversation_id: str) -> JSON | None:
        with self._lock:
            row = self._conversation_row(app_id, conversation_id)
            return self._conversation_json(row) if row else None

    def get_user_conversation(self, app_id: str, user_id: str, conversation_id: str) -> JSON | None:
        with self._lock:
            row = self._conversation_row(app_id, conversation_id)
            if row is None or not self.is_participant(app_id, conversation_id, user_id):
                return None
            return self._user_conversation_json(row, user_id)

    def conversation_exists(self, app_id: str, conversation_id: str) -> bool:
        with self._lock:
            return self._conversation_row(app_id, conversation_id) is not None

    def is_participant(self, app_id: str, conversation_id: str, user_id: str) -> bool:
        with self._lock:
            return self._participant(app_id, conversation_id, user_id) is not None

    def _participant(self, app_id: str, cid: str, uid: str) -> sqlite3.Row | None:
        return self._one(
            "SELECT * FROM participants WHERE app_id=? AND conversation_id=? AND user_id=?", (app_id, cid, uid)
        )

    def participant_access(self, app_id: str, conversation_id: str, user_id: str) -> str | None:
        with self._lock:
            row = self._participant(app_id, conversation_id, user_id)
            return str(row["access"]) if row else None

    def list_conversations(
        self, app_id: str, limit: int, starting_after: str | None, before: int | None, after: int | None
    ) -> list[JSON]:
        """All conversations, most recent activity (last message, else creation) first."""
        with self._lock:
            activity = "COALESCE(last_message_at, created_at)"
            where, params = ["app_id=?"], [app_id]
            if starting_after:
                cursor = self._conversation_row(app_id, starting_after)
                if cursor is None:
                    raise bad_request(f"startingAfter: conversation {starting_after!r} does not exist")
                ca = cursor["last_message_at"] or cursor["created_at"]
                where.append(f"({activity}<? OR ({activity}=? AND id<?))")
                params += [ca, ca, starting_after]
            if before is not None:
                where.append("last_message_at<?")
                params.append(before)
            if after is not None:
                where.append("last_message_at>?")
                params.append(after)
            rows = self._q(
                f"SELECT * FROM conversations WHERE {' AND '.join(where)} ORDER BY {activity} DESC, id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
            return [self._conversation_json(r) for r in rows]

    def list_user_conversations(
        self,
        app_id: str,
        user_id: str,
        limit: int,
        starting_after: str | None,
        unreads_only: bool,
        before: int | None,
        after: int | None,
    ) -> list[JSON]:
        """A user's conversations, newest activity ``max(lastMessage.createdAt, joinedAt)`` first."""
        with self._lock:
            activity = "MAX(COALESCE(c.last_message_at, 0), p.joined_at)"
            where = ["p.app_id=?", "p.user_id=?"]
            params: list[Any] = [app_id, user_id]
            if starting_after:
                cur = self._one(
                    f"SELECT {activity} AS a FROM participants p JOIN conversations c"
                    " ON c.app_id=p.app_id AND c.id=p.conversation_id"
                    " WHERE p.app_id=? AND p.user_id=? AND c.id=?",
                    (app_id, user_id, starting_after),
                )
                if cur is None:
                    raise bad_request(f"startingAfter: {user_id!r} is not in conversation {starting_after!r}")
                where.append(f"({activity}<? OR ({activity}=? AND c.id<?))")
                params += [cur["a"], cur["a"], starting_after]
            if before is not None:
                where.append("c.last_message_at<?")
                params.append(before)
            if after is not None:
                where.append("c.last_message_at>?")
                params.append(after)
            if unreads_only:
                where.append(
                    "EXISTS (SELECT 1 FROM messages m WHERE m.app_id=c.app_id AND m.conversation_id=c.id"
                    " AND m.created_at>p.read_until AND (m.sender_id IS NULL OR m.sender_id<>p.user_id))"
                )
            rows = self._q(
                f"SELECT c.* FROM participants p JOIN conversations c"
                " ON c.app_id=p.app_id AND c.id=p.conversation_id"
                f" WHERE {' AND '.join(where)} ORDER BY {activity} DESC, c.id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
            return [self._user_conversation_json(r, user_id) for r in rows]

    def put_conversation(
        self, app_id: str, conversation_id: str, patch: JSON, participants: list[str], max_participants: int
    ) -> None:
        """Create or update (PATCH semantics); ``participants`` are merged in, never removed."""
        with self.transaction():
            row = self._conversation_row(app_id, conversation_id)
            for uid in participants:
                if not self._one("SELECT 1 FROM users WHERE app_id=? AND id=?", (app_id, uid)):
                    raise ApiError(400, "USER_NOT_FOUND", f"participant {uid!r} does not exist; create the user first")
            now = now_ms()
            if row is None:
                data = _merge_fields({}, patch, CONVERSATION_FIELDS)
                self._q(
                    "INSERT INTO conversations VALUES (?,?,?,?,NULL,NULL)", (app_id, conversation_id, _dumps(data), now)
                )
                changed = False
            else:
                old = json.loads(row["data"])
                data = _merge_fields(old, patch, CONVERSATION_FIELDS)
                changed = data != old
                if changed:
                    self._q(
                        "UPDATE conversations SET data=? WHERE app_id=? AND id=?",
                        (_dumps(data), app_id, conversation_id),
                    )
            existing = self._participants(app_id, conversation_id)
            new = [u for u in dict.fromkeys(participants) if u not in existing]
            if len(existing) + len(new) > max_participants:
                raise bad_request(f"a conversation has at most {max_participants} participants")
            if changed:
                conv = self._conversation_json(self._conversation_row(app_id, conversation_id))  # type: ignore[arg-type]
                self._emit(app_id, "conversation.updated", conversation_id, existing.keys(), {"conversation": conv})
            for uid in new:
                self._join(app_id, conversation_id, uid, "ReadWrite", True, now)

    def _join(self, app_id: str, cid: str, uid: str, access: str, notify: Any, now: int) -> None:
        self._q("INSERT INTO participants VALUES (?,?,?,?,?,?,?)", (app_id, cid, uid, access, _dumps(notify), now, now))
        row = self._conversation_row(app_id, cid)
        assert row is not None
        conv = self._conversation_json(row)
        self._emit(
            app_id,
            "participant.joined",
            cid,
            conv["participants"].keys(),
            {
                "userId": uid,
                "participant": self._participant_json(self._participant(app_id, cid, uid)),  # type: ignore[arg-type]
                "conversation": conv,
            },
        )

    def delete_conversation(self, app_id: str, conversation_id: str) -> None:
        with self.transaction():
            row = self._conversation_row(app_id, conversation_id)
            if row is None:
                raise not_found(f"conversation {conversation_id!r}")
            conv = self._conversation_json(row)
            audience = list(conv["participants"])
            for table in ("participants", "messages"):
                self._q(f"DELETE FROM {table} WHERE app_id=? AND conversation_id=?", (app_id, conversation_id))
            self._q("DELETE FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))
            self._emit(app_id, "conversation.deleted", conversation_id, audience, {})
            self._webhook(app_id, "conversation.deleted", {"conversation": conv})

    # -- participants ---------------------------------------------------------------------------

    def join(self, app_id: str, cid: str, uid: str, access: str, notify: Any, max_participants: int) -> None:
        """PUT participant: join with the given settings, overwriting earlier ones (idempotent)."""
        with self.transaction():
            if self._conversation_row(app_id, cid) is None:
                raise not_found(f"conversation {cid!r}")
            if not self._one("SELECT 1 FROM users WHERE app_id=? AND id=?", (app_id, uid)):
                raise ApiError(400, "USER_NOT_FOUND", f"user {uid!r} does not exist; create the user first")
            row = self._participant(app_id, cid, uid)
            if row is None:
                if len(self._participants(app_id, cid)) >= max_participants:
                    raise bad_request(f"a conversation has at most {max_participants} participants")
                self._join(app_id, cid, uid, access, notify, now_ms())
            else:
                self._modify(app_id, cid, uid, row, {"access": access, "notify": notify})

    def modify_participant(self, app_id: str, cid: str, uid: str, patch: JSON) -> None:
        with self.transaction():
            row = self._participant(app_id, cid, uid)
            if row is None:
                raise not_found(f"participant {uid!r} in conversation {cid!r}")
            self._modify(app_id, cid, uid, row, patch)

    def _modify(self, app_id: str, cid: str, uid: str, row: sqlite3.Row, patch: JSON) -> None:
        access = patch.get("access", row["access"])
        notify = patch.get("notify", json.loads(row["notify"]))
        if access == "None":  # TalkJS: access None removes the participant's access entirely
            self._leave(app_id, cid, uid)
            return
        if access == row["access"] and notify == json.loads(row["notify"]):
            return
        self._q(
            "UPDATE participants SET access=?, notify=? WHERE app_id=? AND conversation_id=? AND user_id=?",
            (access, _dumps(notify), app_id, cid, uid),
        )
        new = self._participant(app_id, cid, uid)
        self._emit(
            app_id,
            "participant.updated",
            cid,
            self._participants(app_id, cid).keys(),
            {"userId": uid, "participant": self._participant_json(new)},
        )  # type: ignore[arg-type]

    def leave(self, app_id: str, cid: str, uid: str) -> None:
        """DELETE participant; idempotent like every TalkJS participation call."""
        with self.transaction():
            if self._conversation_row(app_id, cid) is None:
                raise not_found(f"conversation {cid!r}")
            if self._participant(app_id, cid, uid) is not None:
                self._leave(app_id, cid, uid)

    def _leave(self, app_id: str, cid: str, uid: str) -> None:
        audience = set(self._participants(app_id, cid))
        self._q("DELETE FROM participants WHERE app_id=? AND conversation_id=? AND user_id=?", (app_id, cid, uid))
        self._emit(app_id, "participant.left", cid, audience, {"userId": uid})

    def mark_read(self, app_id: str, cid: str, uid: str) -> None:
        """The user has read everything in the conversation up to now."""
        with self.transaction():
            row = self._participant(app_id, cid, uid)
            if row is None:
                raise not_found(f"participant {uid!r} in conversation {cid!r}")
            last = self._conversation_row(app_id, cid)
            until = max(now_ms(), (last["last_message_at"] or 0) if last else 0)
            unread = self._q(
                "SELECT data FROM messages WHERE app_id=? AND conversation_id=? AND created_at>?"
                " AND (sender_id IS NULL OR sender_id<>?) ORDER BY n",
                (app_id, cid, row["read_until"], uid),
            )
            newly_read = [json.loads(r["data"])["id"] for r in unread]
            self._q(
                "UPDATE participants SET read_until=? WHERE app_id=? AND conversation_id=? AND user_id=?",
                (until, app_id, cid, uid),
            )
            self._emit(
                app_id,
                "conversation.read",
                cid,
                self._participants(app_id, cid).keys(),
                {"userId": uid, "readUntil": until},
            )
            if newly_read and self._has_webhook(app_id):
                parts = self._participants(app_id, cid)
                recipient = self.get_user(app_id, uid)
                for mid in newly_read:
                    self._webhook(
                        app_id,
                        "message.read",
                        {"recipient": recipient, "message": self._message_json(app_id, mid, parts)},
                    )

    # -- messages -------------------------------------------------------------------------------

    def _message_json(self, app_id: str, mid: str, parts: dict[str, sqlite3.Row] | None = None) -> JSON | None:
        row = self._one("SELECT * FROM messages WHERE app_id=? AND id=?", (app_id, mid))
        if row is None:
            return None
        if parts is None:
            parts = self._participants(app_id, row["conversation_id"])
        return self._message_from_row(row, parts)

    @staticmethod
    def _message_from_row(row: sqlite3.Row, parts: dict[str, sqlite3.Row]) -> JSON:
        msg = json.loads(row["data"])
        msg["readBy"] = [u for u, p in parts.items() if u != row["sender_id"] and p["read_until"] >= row["created_at"]]
        return msg

    def get_message(self, app_id: str, cid: str, mid: str) -> JSON | None:
        with self._lock:
            row = self._one("SELECT * FROM messages WHERE app_id=? AND id=? AND conversation_id=?", (app_id, mid, cid))
            return self._message_from_row(row, self._participants(app_id, cid)) if row else None

    def list_messages(self, app_id: str, cid: str, limit: int, starting_after: str | None) -> list[JSON]:
        """Newest first; ``startingAfter`` walks back in time."""
        with self._lock:
            bound = 1 << 62
            if starting_after:
                cur = self._one(
                    "SELECT n FROM messages WHERE app_id=? AND conversation_id=? AND id=?",
                    (app_id, cid, starting_after),
                )
                if cur is None:
                    raise bad_request(f"startingAfter: message {starting_after!r} is not in conversation {cid!r}")
                bound = cur["n"]
            rows = self._q(
                "SELECT * FROM messages WHERE app_id=? AND conversation_id=? AND n<? ORDER BY n DESC LIMIT ?",
                (app_id, cid, bound, limit),
            ).fetchall()
            parts = self._participants(app_id, cid)
            return [self._message_from_row(r, parts) for r in rows]

    def file_block(self, app_id: str, token: str) -> JSON | None:
        with self._lock:
            row = self._one("SELECT data FROM files WHERE app_id=? AND token=?", (app_id, token))
            return json.loads(row["data"])["block"] if row else None

    def send_messages(
        self,
        app_id: str,
        cid: str,
        items: list[JSON],
        origin: str,
        *,
        fire_webhooks: bool = True,
        created_at: list[int | None] | None = None,
    ) -> list[str]:
        """Store validated messages in order; all or nothing. Returns their ids."""
        with self.transaction():
            conv = self._conversation_row(app_id, cid)
            if conv is None:
                raise not_found(f"conversation {cid!r}")
            row = self._one("SELECT MAX(n) FROM messages WHERE app_id=? AND conversation_id=?", (app_id, cid))
            n = int(row[0] or 0)
            ids: list[str] = []
            last_at = conv["last_message_at"] or 0
            for i, item in enumerate(items):
                sender = item.get("sender")
                if sender is not None and self._participant(app_id, cid, sender) is None:
                    raise forbidden_sender(sender, cid)
                n += 1
                # strictly increasing within a conversation, so clients can order and de-duplicate by time
                ts = (created_at[i] if created_at and created_at[i] else None) or max(now_ms(), last_at + 1)
                last_at = ts
                mid = message_id()
                content = self._resolve_content(app_id, item["content"])
                first_file = next((b for b in content if b["type"] == "file"), None)
                first_loc = next((b for b in content if b["type"] == "location"), None)
                msg = {
                    "id": mid,
                    "conversationId": cid,
                    "type": item.get("type", "UserMessage"),
                    "senderId": sender,
                    "text": item["text"],
                    "content": content,
                    "attachment": {"url": first_file["url"], "size": first_file["size"]} if first_file else None,
                    "location": [first_loc["latitude"], first_loc["longitude"]] if first_loc else None,
                    "origin": origin,
                    "createdAt": ts,
                    "editedAt": None,
                    "referencedMessageId": item.get("referencedMessageId"),
                    "custom": {k: v for k, v in (item.get("custom") or {}).items() if v is not None},
                }
                if msg["referencedMessageId"] and not self._one(
                    "SELECT 1 FROM messages WHERE app_id=? AND conversation_id=? AND id=?",
                    (app_id, cid, msg["referencedMessageId"]),
                ):
                    raise bad_request(f"referencedMessageId {msg['referencedMessageId']!r} is not in this conversation")
                self._q("INSERT INTO messages VALUES (?,?,?,?,?,?,?)", (app_id, mid, cid, n, sender, ts, _dumps(msg)))
                self._q(
                    "UPDATE conversations SET last_message_id=?, last_message_at=? WHERE app_id=? AND id=?",
                    (mid, ts, app_id, cid),
                )
                parts = self._participants(app_id, cid)
                full = self._message_from_row(
                    self._one("SELECT * FROM messages WHERE app_id=? AND id=?", (app_id, mid)),  # type: ignore[arg-type]
                    parts,
                )
                self._emit(app_id, "message.sent", cid, parts.keys(), {"message": full})
                if fire_webhooks:
                    self._webhook(
                        app_id,
                        "message.sent",
                        lambda: {
                            "conversation": self._conversation_json(self._conversation_row(app_id, cid)),  # type: ignore[arg-type]
                            "message": full,
                            "sender": self.get_user(app_id, sender) if sender else None,
                        },
                    )
                ids.append(mid)
            return ids

    def _resolve_content(self, app_id: str, blocks: list[JSON]) -> list[JSON]:
        out = []
        for block in blocks:
            if block["type"] == "file":
                full = self.file_block(app_id, block["fileToken"])
                if full is None:
                    raise ApiError(
                        400, "INVALID_FILE_TOKEN", f"file token {block['fileToken']!r} is unknown to this app"
                    )
                out.append(full)
            else:
                out.append(block)
        return out

    def edit_message(self, app_id: str, cid: str, mid: str, patch: JSON) -> None:
        with self.transaction():
            row = self._one("SELECT * FROM messages WHERE app_id=? AND conversation_id=? AND id=?", (app_id, cid, mid))
            if row is None:
                raise not_found(f"message {mid!r} in conversation {cid!r}")
            msg = json.loads(row["data"])
            if "content" in patch:
                msg["content"] = self._resolve_content(app_id, patch["content"])
                msg["text"] = patch["text"]
            elif "text" in patch:
                msg["text"] = patch["text"]
                msg["content"] = [b for b in msg["content"] if b["type"] != "text"] or []
                msg["content"].insert(0, {"type": "text", "children": [patch["text"]]})
            if "custom" in patch:
                custom = dict(msg.get("custom") or {})
                for k, v in (patch["custom"] or {}).items():
                    if v is None:
                        custom.pop(k, None)
                    else:
                        custom[k] = v
                msg["custom"] = custom
            first_file = next((b for b in msg["content"] if b["type"] == "file"), None)
            first_loc = next((b for b in msg["content"] if b["type"] == "location"), None)
            msg["attachment"] = {"url": first_file["url"], "size": first_file["size"]} if first_file else None
            msg["location"] = [first_loc["latitude"], first_loc["longitude"]] if first_loc else None
            msg["editedAt"] = now_ms()
            self._q("UPDATE messages SET data=? WHERE app_id=? AND id=?", (_dumps(msg), app_id, mid))
            parts = self._participants(app_id, cid)
            full = self._message_json(app_id, mid, parts)
            self._emit(app_id, "message.updated", cid, parts.keys(), {"message": full})
            self._webhook(app_id, "message.updated", {"message": full})

    def delete_message(self, app_id: str, cid: str, mid: str) -> None:
        with self.transaction():
            parts = self._participants(app_id, cid)
            full = self._message_json(app_id, mid, parts)
            if full is None or full["conversationId"] != cid:
                raise not_found(f"message {mid!r} in conversation {cid!r}")
            self._q("DELETE FROM messages WHERE app_id=? AND id=?", (app_id, mid))
            last = self._one(
                "SELECT id, created_at FROM messages WHERE app_id=? AND conversation_id=? ORDER BY n DESC LIMIT 1",
                (app_id, cid),
            )
            self._q(
                "UPDATE conversations SET last_message_id=?, last_message_at=? WHERE app_id=? AND id=?",
                (last["id"] if last else None, last["created_at"] if last else None, app_id, cid),
            )
            self._emit(
                app_id,
                "message.deleted",
                cid,
                parts.keys(),
                {"messageId": mid, "lastMessage": self._message_json(app_id, last["id"], parts) if last else None},
            )
            self._webhook(app_id, "message.deleted", {"message": full})

    # -- files ----------------------------------------------------------------------------------

    def add_file(
        self, app_id: str, token: str, file_id: str, block: JSON, path: str, content_type: str, uploader: str | None
    ) -> None:
        with self.transaction():
            data = {"block": block, "path": path, "contentType": content_type, "uploader": uploader}
            self._q("INSERT INTO files VALUES (?,?,?,?,?)", (app_id, token, file_id, _dumps(data), now_ms()))

    def file_by_id(self, app_id: str, file_id: str) -> JSON | None:
        with self._lock:
            row = self._one("SELECT data FROM files WHERE app_id=? AND file_id=?", (app_id, file_id))
            return json.loads(row["data"]) if row else None

    def file_paths(self, app_id: str | None = None) -> list[str]:
        with self._lock:
            rows = self._q(
                "SELECT data FROM files" + (" WHERE app_id=?" if app_id else ""), (app_id,) if app_id else ()
            )
            return [json.loads(r["data"])["path"] for r in rows]


def forbidden_sender(sender: str, cid: str) -> ApiError:
    return ApiError(403, "SENDER_NOT_PARTICIPANT", f"sender {sender!r} is not a participant of conversation {cid!r}")


def _merge_fields(old: JSON, patch: JSON, fields: tuple[str, ...]) -> JSON:
    data = dict(old)
    for key in fields:
        if key not in patch:
            continue
        value = patch[key]
        if key == "custom":
            custom = dict(data.get("custom") or {})
            if value is None:
                custom = {}
            else:
                for k, v in value.items():
                    if v is None:
                        custom.pop(k, None)
                    else:
                        custom[k] = v
            data["custom"] = custom
        elif value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _merge_user(old: JSON, patch: JSON) -> JSON:
    data = _merge_fields(old, patch, tuple(f for f in USER_FIELDS if f != "pushTokens"))
    if "pushTokens" in patch:
        tokens = patch["pushTokens"]
        if tokens is None:
            data.pop("pushTokens", None)
        else:
            merged = dict(data.get("pushTokens") or {})
            for k, v in tokens.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = True
            data["pushTokens"] = merged or None
    return data
