"""The ``conversations`` table, and conversation lists (app-wide and per user) with keyset paging.

List queries collect their conditions in a :class:`~..storage.Where`, where a compiled
conversation filter (:mod:`..filters`) joins them. Both lists walk an index in list order
(``schema.INDEXES``): a page reads its own rows (and, with a filter, the rows the filter skips),
never the whole list; a test reads the query plans to keep it so."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...errors import InvalidError
from ..events import JSON
from ..filters import Condition
from ..rules import CONVERSATION_ACTIVITY_SQL, USER_ACTIVITY_SQL, NewestFirst, conversation_activity
from ..storage import Storage, Where, dumps
from . import participants
from .messages import PARTICIPANT_UNREAD_SQL

APP_ORDER = NewestFirst(CONVERSATION_ACTIVITY_SQL, "c.id")
USER_ORDER = NewestFirst(USER_ACTIVITY_SQL, "p.conversation_id")
"""Ties broken by the participant row's conversation id (the same value as ``c.id``): the index
``participants_by_activity`` then gives the whole order, so no page is sorted."""
_OF_USER = (
    f"SELECT c.*, {USER_ACTIVITY_SQL} AS user_activity, p.unread_count AS user_unread_count"
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
    return db.all(*page_query(db, app_id, limit, starting_after, before, after, condition))


def page_query(
    db: Storage,
    app_id: str,
    limit: int,
    starting_after: str | None,
    before: int | None,
    after: int | None,
    condition: Condition | None = None,
) -> tuple[str, list[Any]]:
    """The SQL and parameters of :func:`page` (a test reads its query plan)."""
    where = Where()
    where.add("c.app_id=?", app_id)
    if starting_after:
        cursor = row(db, app_id, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: conversation {starting_after!r} does not exist")
        where.add(APP_ORDER.after_cursor, cursor["activity"], starting_after)
    _last_message_window(where, before, after)
    if condition is not None:
        where.add(condition.sql, *condition.params)
    sql = f"SELECT c.* FROM conversations c WHERE {where.sql} ORDER BY {APP_ORDER.order_by} LIMIT ?"
    return sql, [*where.params, limit]


def of_user(db: Storage, app_id: str, user_id: str, conversation_id: str) -> sqlite3.Row | None:
    """The conversation with the user's ``user_activity`` and ``user_unread_count`` columns, if the
    user takes part in it."""
    return db.one(*of_user_query(app_id, user_id, conversation_id))


def of_user_query(app_id: str, user_id: str, conversation_id: str) -> tuple[str, list[Any]]:
    """The SQL and parameters of :func:`of_user`: one participation, by its primary key."""
    return f"{_OF_USER} WHERE p.app_id=? AND p.conversation_id=? AND p.user_id=?", [app_id, conversation_id, user_id]


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
    """A user's conversations with their ``user_activity`` column, newest first (see :data:`USER_ORDER`)."""
    return db.all(*user_page_query(db, app_id, user_id, limit, starting_after, unreads_only, before, after, condition))


def user_page_query(
    db: Storage,
    app_id: str,
    user_id: str,
    limit: int,
    starting_after: str | None,
    unreads_only: bool,
    before: int | None,
    after: int | None,
    condition: Condition | None = None,
) -> tuple[str, list[Any]]:
    """The SQL and parameters of :func:`user_page` (a test reads its query plan)."""
    where = Where()
    where.add("p.app_id=?", app_id)
    where.add("p.user_id=?", user_id)
    if starting_after:
        cursor = of_user(db, app_id, user_id, starting_after)
        if cursor is None:
            raise InvalidError(f"startingAfter: {user_id!r} is not in conversation {starting_after!r}")
        where.add(USER_ORDER.after_cursor, cursor["user_activity"], starting_after)
    _last_message_window(where, before, after)
    if unreads_only:
        where.add(PARTICIPANT_UNREAD_SQL)
    if condition is not None:
        where.add(condition.sql, *condition.params)
    return f"{_OF_USER} WHERE {where.sql} ORDER BY {USER_ORDER.order_by} LIMIT ?", [*where.params, limit]


def _last_message_window(where: Where, before: int | None, after: int | None) -> None:
    """``lastMessageBefore``/``After``: conversations without messages drop out when either is given."""
    if before is not None:
        where.add("c.last_message_at<?", before)
    if after is not None:
        where.add("c.last_message_at>?", after)


def insert(db: Storage, app_id: str, conversation_id: str, data: JSON, now: int) -> None:
    db.execute(
        "INSERT INTO conversations (app_id, id, data, created_at, activity) VALUES (?,?,?,?,?)",
        (app_id, conversation_id, dumps(data), now, now),
    )


def update_data(db: Storage, app_id: str, conversation_id: str, data: JSON) -> None:
    db.execute("UPDATE conversations SET data=? WHERE app_id=? AND id=?", (dumps(data), app_id, conversation_id))


def set_last_message(db: Storage, app_id: str, conversation_id: str, message_id: str | None, at: int | None) -> None:
    """The conversation's last message (None: it has none), with the activity of the conversation
    and of its participants that follows from it: every list order stays right in this transaction."""
    set_own_last_message(db, app_id, conversation_id, message_id, at)
    participants.follow_last_message(db, app_id, conversation_id, at)


def set_own_last_message(
    db: Storage, app_id: str, conversation_id: str, message_id: str | None, at: int | None
) -> None:
    """The conversation's row only: for a caller that moves its participants' activity itself
    (a new message does, together with their unread counts: ``participants.message_sent``)."""
    db.execute(
        "UPDATE conversations SET last_message_id=?, last_message_at=?,"
        f" activity={conversation_activity('?', 'created_at')} WHERE app_id=? AND id=?",
        (message_id, at, at, app_id, conversation_id),
    )


def refresh_activity(db: Storage) -> None:
    """Compute every conversation's and participant's activity (a file from before the columns)."""
    db.execute(f"UPDATE conversations SET activity={conversation_activity('last_message_at', 'created_at')}")
    participants.refresh_activity(db)


def delete(db: Storage, app_id: str, conversation_id: str) -> None:
    """The conversation with its participations, messages, their reactions and the search words."""
    for table in ("participants", "messages", "reactions", "message_words", "conversation_words"):
        db.execute(f"DELETE FROM {table} WHERE app_id=? AND conversation_id=?", (app_id, conversation_id))
    db.execute("DELETE FROM conversations WHERE app_id=? AND id=?", (app_id, conversation_id))
