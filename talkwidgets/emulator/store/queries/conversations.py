"""The ``conversations`` table, and conversation lists (app-wide and per user) with keyset paging.

List queries collect their conditions in a :class:`~..storage.Where`, where a compiled
conversation filter (:mod:`..filters`) joins them."""

from __future__ import annotations

import sqlite3

from ...errors import InvalidError
from ..events import JSON
from ..filters import Condition
from ..rules import CONVERSATION_ACTIVITY_SQL, USER_ACTIVITY_SQL, NewestFirst
from ..storage import Storage, Where, dumps
from .messages import PARTICIPANT_UNREAD_SQL

APP_ORDER = NewestFirst(CONVERSATION_ACTIVITY_SQL, "c.id")
USER_ORDER = NewestFirst(USER_ACTIVITY_SQL, "c.id")
_OF_USER = (
    f"SELECT c.*, {USER_ACTIVITY_SQL} AS activity"
    " FROM participants p JOIN conversations c ON c.app_id=p.app_id AND c.id=p.conversation_id"
)


def row(db: Storage, app_id: str, conversation_id: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))


def exists(db: Storage, app_id: str, conversation_id: str) -> bool:
    return db.exists("SELECT 1 FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))


def page(
    db: Storage,
    app_id: str,
    limit: int,
    starting_after: str | None,
    before: int | None,
    after: int | None,
    condition: Condition | None = None,
) -> list[sqlite3.Row]:
    """All conversations of the app, most recent activity first (see :data:`APP_ORDER`)."""
    where = Where()
    where.add("c.app_id=?", app_id)
    if starting_after:
        cursor = db.one(
            f"SELECT {CONVERSATION_ACTIVITY_SQL} AS activity FROM conversations c WHERE c.app_id=? AND c.id=?",
            (app_id, starting_after),
        )
        if cursor is None:
            raise InvalidError(f"startingAfter: conversation {starting_after!r} does not exist")
        where.add(APP_ORDER.after_cursor, cursor["activity"], starting_after)
    _last_message_window(where, before, after)
    if condition is not None:
        where.add(condition.sql, *condition.params)
    return db.all(
        f"SELECT c.* FROM conversations c WHERE {where.sql} ORDER BY {APP_ORDER.order_by} LIMIT ?",
        [*where.params, limit],
    )


def of_user(db: Storage, app_id: str, user_id: str, conversation_id: str) -> sqlite3.Row | None:
    """The conversation with the user's ``activity`` column, if the user takes part in it."""
    return db.one(f"{_OF_USER} WHERE p.app_id=? AND p.user_id=? AND c.id=?", (app_id, user_id, conversation_id))


def user_page(
    db: Storage,
    app_id: str,
    user_id: str,
    limit: int,
    starting_after: str | None,
    unreads_only: bool,
    before: int | None,
    after: int | None,
    condition: Condition | None = None,
) -> list[sqlite3.Row]:
    """A user's conversations with their ``activity`` column, newest first (see :data:`USER_ORDER`)."""
    where = Where()
    where.add("p.app_id=?", app_id)
    where.add("p.user_id=?", user_id)
    if starting_after:
        cursor = of_user(db, app_id, user_id, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: {user_id!r} is not in conversation {starting_after!r}")
        where.add(USER_ORDER.after_cursor, cursor["activity"], starting_after)
    _last_message_window(where, before, after)
    if unreads_only:
        where.add(PARTICIPANT_UNREAD_SQL)
    if condition is not None:
        where.add(condition.sql, *condition.params)
    return db.all(f"{_OF_USER} WHERE {where.sql} ORDER BY {USER_ORDER.order_by} LIMIT ?", [*where.params, limit])


def _last_message_window(where: Where, before: int | None, after: int | None) -> None:
    """``lastMessageBefore``/``After``: conversations without messages drop out when either is given."""
    if before is not None:
        where.add("c.last_message_at<?", before)
    if after is not None:
        where.add("c.last_message_at>?", after)


def insert(db: Storage, app_id: str, conversation_id: str, data: JSON, now: int) -> None:
    db.execute("INSERT INTO conversations VALUES (?,?,?,?,NULL,NULL)", (app_id, conversation_id, dumps(data), now))


def update_data(db: Storage, app_id: str, conversation_id: str, data: JSON) -> None:
    db.execute("UPDATE conversations SET data=? WHERE app_id=? AND id=?", (dumps(data), app_id, conversation_id))


def set_last_message(db: Storage, app_id: str, conversation_id: str, message_id: str | None, at: int | None) -> None:
    db.execute(
        "UPDATE conversations SET last_message_id=?, last_message_at=? WHERE app_id=? AND id=?",
        (message_id, at, app_id, conversation_id),
    )


def delete(db: Storage, app_id: str, conversation_id: str) -> None:
    """The conversation with its participations, messages, their reactions and the search words."""
    for table in ("participants", "messages", "reactions", "message_words", "conversation_words"):
        db.execute(f"DELETE FROM {table} WHERE app_id=? AND conversation_id=?", (app_id, conversation_id))
    db.execute("DELETE FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))
