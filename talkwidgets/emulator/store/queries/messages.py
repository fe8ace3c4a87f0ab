"""The ``messages`` table, and the unread queries (messages seen from a participant).

``n`` numbers a conversation's messages in sending order; lists walk it, so equal
``createdAt`` values (possible in seeded history) never make paging ambiguous."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ...errors import InvalidError
from ..events import JSON
from ..rules import UNREAD_SQL
from ..storage import Storage, dumps

_OF_PARTICIPANT = (
    " FROM messages m JOIN participants p ON p.app_id=m.app_id AND p.conversation_id=m.conversation_id"
    f" WHERE p.app_id=? AND p.conversation_id=? AND {UNREAD_SQL}"
)

HAS_UNREAD_SQL = (
    "EXISTS (SELECT 1 FROM messages m WHERE m.app_id=p.app_id AND m.conversation_id=p.conversation_id"
    f" AND {UNREAD_SQL})"
)
"""SQL condition: participant row ``p`` has an unread message in its conversation."""

PARTICIPANT_UNREAD_SQL = f"(p.marked_unread<>0 OR {HAS_UNREAD_SQL})"
"""SQL condition: the conversation is unread for participant row ``p`` (``isUnread``): it has an
unread message, or the participant marked it unread."""


def row(db: Storage, app_id: str, message_id: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM messages WHERE app_id=? AND id=?", (app_id, message_id))


def row_in(db: Storage, app_id: str, conversation_id: str, message_id: str) -> sqlite3.Row | None:
    """The message, if it belongs to the conversation."""
    return db.one(
        "SELECT * FROM messages WHERE app_id=? AND conversation_id=? AND id=?", (app_id, conversation_id, message_id)
    )


def rows_in(db: Storage, app_id: str, conversation_id: str, message_ids: Iterable[str]) -> list[sqlite3.Row]:
    """The messages of the conversation among ``message_ids`` (missing ones are left out)."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return []
    return db.all(
        "SELECT * FROM messages WHERE app_id=? AND conversation_id=? AND id IN (SELECT value FROM json_each(?))",
        (app_id, conversation_id, dumps(ids)),
    )


def last_number(db: Storage, app_id: str, conversation_id: str) -> int:
    found = db.one("SELECT MAX(n) FROM messages WHERE app_id=? AND conversation_id=?", (app_id, conversation_id))
    return int(found[0] or 0) if found else 0


def page(db: Storage, app_id: str, conversation_id: str, limit: int, starting_after: str | None) -> list[sqlite3.Row]:
    """Newest first; ``starting_after`` (a message id of this conversation) walks back in time."""
    before = 1 << 62
    if starting_after:
        cursor = row_in(db, app_id, conversation_id, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: message {starting_after!r} is not in conversation {conversation_id!r}")
        before = int(cursor["n"])
    return db.all(
        "SELECT * FROM messages WHERE app_id=? AND conversation_id=? AND n<? ORDER BY n DESC LIMIT ?",
        (app_id, conversation_id, before, limit),
    )


def latest(db: Storage, app_id: str, conversation_id: str) -> sqlite3.Row | None:
    return db.one(
        "SELECT * FROM messages WHERE app_id=? AND conversation_id=? ORDER BY n DESC LIMIT 1",
        (app_id, conversation_id),
    )


def insert(
    db: Storage,
    app_id: str,
    message_id: str,
    conversation_id: str,
    number: int,
    sender_id: str | None,
    created_at: int,
    data: JSON,
) -> None:
    db.execute(
        "INSERT INTO messages VALUES (?,?,?,?,?,?,?)",
        (app_id, message_id, conversation_id, number, sender_id, created_at, dumps(data)),
    )


def update_data(db: Storage, app_id: str, message_id: str, data: JSON) -> None:
    db.execute("UPDATE messages SET data=? WHERE app_id=? AND id=?", (dumps(data), app_id, message_id))


def delete(db: Storage, app_id: str, message_id: str) -> None:
    """The message, its reactions and its search words."""
    db.execute("DELETE FROM messages WHERE app_id=? AND id=?", (app_id, message_id))
    for table in ("reactions", "message_words"):
        db.execute(f"DELETE FROM {table} WHERE app_id=? AND message_id=?", (app_id, message_id))


# -- unread -------------------------------------------------------------------------------------


def unread_count(db: Storage, app_id: str, conversation_id: str, user_id: str) -> int:
    found = db.one(f"SELECT COUNT(*){_OF_PARTICIPANT} AND p.user_id=?", (app_id, conversation_id, user_id))
    return int(found[0]) if found else 0


def unread_ids(db: Storage, app_id: str, conversation_id: str, user_id: str) -> list[str]:
    """Ids of the messages unread by the participant, oldest first."""
    rows = db.all(f"SELECT m.id{_OF_PARTICIPANT} AND p.user_id=? ORDER BY m.n", (app_id, conversation_id, user_id))
    return [r[0] for r in rows]


def users_with_unread(db: Storage, app_id: str, conversation_id: str) -> set[str]:
    """The participants for whom the conversation is unread (an unread message, or marked unread)."""
    rows = db.all(
        f"SELECT p.user_id FROM participants p WHERE p.app_id=? AND p.conversation_id=? AND {PARTICIPANT_UNREAD_SQL}",
        (app_id, conversation_id),
    )
    return {r[0] for r in rows}
