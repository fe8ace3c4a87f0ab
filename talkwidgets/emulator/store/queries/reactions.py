"""The ``reactions`` table: one row per (message, emoji, user), with when it was added."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ...errors import InvalidError
from ..storage import Storage, dumps


def add(db: Storage, app_id: str, conversation_id: str, message_id: str, emoji: str, user_id: str, now: int) -> bool:
    """Whether a new reaction was stored (False when the user had already reacted so)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO reactions (app_id, conversation_id, message_id, emoji, user_id, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (app_id, conversation_id, message_id, emoji, user_id, now),
    )
    return cursor.rowcount > 0


def row(db: Storage, app_id: str, message_id: str, emoji: str, user_id: str) -> sqlite3.Row | None:
    return db.one(
        "SELECT * FROM reactions WHERE app_id=? AND message_id=? AND emoji=? AND user_id=?",
        (app_id, message_id, emoji, user_id),
    )


def remove(db: Storage, app_id: str, message_id: str, emoji: str, user_id: str) -> None:
    db.execute(
        "DELETE FROM reactions WHERE app_id=? AND message_id=? AND emoji=? AND user_id=?",
        (app_id, message_id, emoji, user_id),
    )


def has_emoji(db: Storage, app_id: str, message_id: str, emoji: str) -> bool:
    return db.exists(
        "SELECT 1 FROM reactions WHERE app_id=? AND message_id=? AND emoji=? LIMIT 1", (app_id, message_id, emoji)
    )


def summary(db: Storage, app_id: str, message_id: str) -> list[dict[str, object]]:
    """``[{"emoji", "count"}]`` in the order each emoji was first added (rowids grow with inserts)."""
    rows = db.all(
        "SELECT emoji, COUNT(*) AS n FROM reactions WHERE app_id=? AND message_id=? GROUP BY emoji ORDER BY MIN(rowid)",
        (app_id, message_id),
    )
    return [{"emoji": r["emoji"], "count": r["n"]} for r in rows]


def page(
    db: Storage, app_id: str, message_id: str, emoji: str, limit: int, starting_after: str | None
) -> list[sqlite3.Row]:
    """Who reacted with ``emoji``, oldest first (ties by user id); the cursor is a user id."""
    params: list[object] = [app_id, message_id, emoji]
    after = ""
    if starting_after:
        cursor = row(db, app_id, message_id, emoji, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: {starting_after!r} has not reacted with {emoji!r}")
        after = " AND (created_at, user_id) > (?, ?)"
        params += [cursor["created_at"], starting_after]
    return db.all(
        f"SELECT * FROM reactions WHERE app_id=? AND message_id=? AND emoji=?{after}"
        " ORDER BY created_at, user_id LIMIT ?",
        [*params, limit],
    )


def reacted_by(db: Storage, app_id: str, message_ids: Iterable[str], user_id: str) -> set[tuple[str, str]]:
    """``(message id, emoji)`` of the user's reactions to the given messages."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return set()
    rows = db.all(
        "SELECT message_id, emoji FROM reactions WHERE app_id=? AND user_id=?"
        " AND message_id IN (SELECT value FROM json_each(?))",
        (app_id, user_id, dumps(ids)),
    )
    return {(r["message_id"], r["emoji"]) for r in rows}
