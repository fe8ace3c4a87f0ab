"""The ``participants`` table: who takes part in which conversation, with access and read state."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...errors import InvalidError
from ..rules import NewestFirst
from ..storage import Storage, dumps

LIST_ORDER = NewestFirst("joined_at", "user_id")
"""Participant lists: most recently joined first, ties by user id (descending)."""


def of_conversation(db: Storage, app_id: str, conversation_id: str) -> dict[str, sqlite3.Row]:
    """``user id -> row``, in joining order."""
    rows = db.all(
        "SELECT * FROM participants WHERE app_id=? AND conversation_id=? ORDER BY joined_at, user_id",
        (app_id, conversation_id),
    )
    return {r["user_id"]: r for r in rows}


def page(db: Storage, app_id: str, conversation_id: str, limit: int, starting_after: str | None) -> list[sqlite3.Row]:
    """A page of the participant list in :data:`LIST_ORDER`; the cursor is a participant's user id."""
    params: list[Any] = [app_id, conversation_id]
    after = ""
    if starting_after:
        cursor = row(db, app_id, conversation_id, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: {starting_after!r} is not a participant of {conversation_id!r}")
        after = f" AND {LIST_ORDER.after_cursor}"
        params += [cursor["joined_at"], starting_after]
    return db.all(
        f"SELECT * FROM participants WHERE app_id=? AND conversation_id=?{after}"
        f" ORDER BY {LIST_ORDER.order_by} LIMIT ?",
        [*params, limit],
    )


def row(db: Storage, app_id: str, conversation_id: str, user_id: str) -> sqlite3.Row | None:
    return db.one(
        "SELECT * FROM participants WHERE app_id=? AND conversation_id=? AND user_id=?",
        (app_id, conversation_id, user_id),
    )


def contacts(db: Storage, app_id: str, user_id: str) -> set[str]:
    """Everyone sharing a conversation with the user (the user included, when in any)."""
    rows = db.all(
        "SELECT DISTINCT p2.user_id FROM participants p1 JOIN participants p2"
        " ON p1.app_id=p2.app_id AND p1.conversation_id=p2.conversation_id"
        " WHERE p1.app_id=? AND p1.user_id=?",
        (app_id, user_id),
    )
    return {r[0] for r in rows}


def insert(db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any, now: int) -> None:
    """A new participant; ``readUntil`` starts at the join, so earlier history counts as read."""
    db.execute(
        "INSERT INTO participants (app_id, conversation_id, user_id, access, notify, joined_at, read_until)"
        " VALUES (?,?,?,?,?,?,?)",
        (app_id, conversation_id, user_id, access, dumps(notify), now, now),
    )


def update_settings(db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any) -> None:
    db.execute(
        "UPDATE participants SET access=?, notify=? WHERE app_id=? AND conversation_id=? AND user_id=?",
        (access, dumps(notify), app_id, conversation_id, user_id),
    )


def set_read_until(db: Storage, app_id: str, conversation_id: str, user_id: str, until: int) -> None:
    db.execute(
        "UPDATE participants SET read_until=? WHERE app_id=? AND conversation_id=? AND user_id=?",
        (until, app_id, conversation_id, user_id),
    )


def set_marked_unread(db: Storage, app_id: str, conversation_id: str, user_id: str, marked: bool) -> None:
    """The manual unread flag (``isUnread`` even without unread messages), cleared by marking read."""
    db.execute(
        "UPDATE participants SET marked_unread=? WHERE app_id=? AND conversation_id=? AND user_id=?",
        (int(marked), app_id, conversation_id, user_id),
    )


def delete(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    db.execute(
        "DELETE FROM participants WHERE app_id=? AND conversation_id=? AND user_id=?",
        (app_id, conversation_id, user_id),
    )
