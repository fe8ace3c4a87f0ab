"""The ``participants`` table: who takes part in which conversation, with access and read state."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..storage import Storage, dumps


def of_conversation(db: Storage, app_id: str, conversation_id: str) -> dict[str, sqlite3.Row]:
    """``user id -> row``, in joining order."""
    rows = db.all(
        "SELECT * FROM participants WHERE app_id=? AND conversation_id=? ORDER BY joined_at, user_id",
        (app_id, conversation_id),
    )
    return {r["user_id"]: r for r in rows}


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
        "INSERT INTO participants VALUES (?,?,?,?,?,?,?)",
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


def delete(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    db.execute(
        "DELETE FROM participants WHERE app_id=? AND conversation_id=? AND user_id=?",
        (app_id, conversation_id, user_id),
    )
