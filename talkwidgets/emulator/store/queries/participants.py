"""The ``participants`` table: who takes part in which conversation, with access and read state."""

from __future__ import annotations

import sqlite3
from operator import itemgetter
from typing import Any

from ...errors import InvalidError
from ..rules import NewestFirst, user_activity
from ..storage import Storage, dumps
from .messages import COUNT_UNREAD_SQL

JOINING_ORDER = itemgetter(2, 0)
"""The sort key of ``(user_id, read_until, joined_at)`` rows: joined first, ties by user id."""

LIST_ORDER = NewestFirst("joined_at", "user_id")
"""Participant lists: most recently joined first, ties by user id (descending)."""


def of_conversation(db: Storage, app_id: str, conversation_id: str) -> dict[str, sqlite3.Row]:
    """``user id -> row``, in joining order."""
    rows = db.all(
        "SELECT * FROM participants WHERE app_id=? AND conversation_id=? ORDER BY joined_at, user_id",
        (app_id, conversation_id),
    )
    return {r["user_id"]: r for r in rows}


def read_untils(db: Storage, app_id: str, conversation_id: str) -> dict[str, int]:
    """``user id -> readUntil``, in joining order: the audience of a message's events and its
    ``readBy``. Two columns instead of whole rows: a message send reads this for every participant."""
    rows = db.all(
        "SELECT user_id, read_until FROM participants WHERE app_id=? AND conversation_id=? ORDER BY joined_at, user_id",
        (app_id, conversation_id),
    )
    return {r[0]: r[1] for r in rows}


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


_LAST_MESSAGE_AT = "(SELECT c.last_message_at FROM conversations c WHERE c.app_id={} AND c.id={})"
"""The last message time of a participant's conversation, as an SQL operand."""


def insert(db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any, now: int) -> None:
    """A new participant; ``readUntil`` starts at the join, so earlier history counts as read. Its
    activity is the join (or the last message, if that is later)."""
    activity = user_activity(_LAST_MESSAGE_AT.format("?", "?"), "?")
    db.execute(
        "INSERT INTO participants (app_id, conversation_id, user_id, access, notify, joined_at, read_until, activity)"
        f" VALUES (?,?,?,?,?,?,?,{activity})",
        (app_id, conversation_id, user_id, access, dumps(notify), now, now, app_id, conversation_id, now),
    )
    recount_unread(db, app_id, conversation_id, user_id)  # messages after the join: only seeded future ones


def count_message(db: Storage, app_id: str, conversation_id: str, sender: str | None, at: int, step: int) -> None:
    """A message sent (``step`` 1) or deleted (-1): the participants for whom it is unread
    (``rules.is_unread``) count it in or out of their ``unread_count``."""
    db.execute(
        "UPDATE participants SET unread_count=unread_count+? WHERE app_id=? AND conversation_id=?"
        " AND read_until<? AND (? IS NULL OR user_id<>?)",
        (step, app_id, conversation_id, at, sender, sender),
    )


def message_sent(db: Storage, app_id: str, conversation_id: str, sender: str | None, at: int) -> dict[str, int]:
    """A new last message at ``at``, in one pass over the participants: each counts it as unread
    (:func:`count_message`) and moves its activity to it (:func:`follow_last_message`). Answers
    :func:`read_untils` (which this update does not change) from the same pass, saving a send the
    query that would read every participant row once more."""
    rows = db.all(
        f"UPDATE participants SET unread_count=unread_count+(read_until<? AND (? IS NULL OR user_id<>?)),"
        f" activity={user_activity('?', 'joined_at')} WHERE app_id=? AND conversation_id=?"
        " RETURNING user_id, read_until, joined_at",
        (at, sender, sender, at, app_id, conversation_id),
    )
    rows.sort(key=JOINING_ORDER)  # as read_untils answers
    return {r[0]: r[1] for r in rows}


def recount_unread(
    db: Storage, app_id: str | None = None, conversation_id: str | None = None, user_id: str | None = None
) -> None:
    """Count the unread messages again, of the participants matching what is given (nothing:
    everyone). Needed only when a ``readUntil`` moves (joining, marking read, imports) and for
    files from before the column."""
    given = {"app_id": app_id, "conversation_id": conversation_id, "user_id": user_id}
    where = " AND ".join(f"p.{column}=?" for column, value in given.items() if value is not None) or "1"
    params = [value for value in given.values() if value is not None]
    db.execute(f"UPDATE participants AS p SET unread_count={COUNT_UNREAD_SQL} WHERE {where}", params)


def follow_last_message(db: Storage, app_id: str, conversation_id: str, last_message_at: int | None) -> None:
    """The participants' activity once the conversation's last message changed (sent, deleted, imported)."""
    db.execute(
        f"UPDATE participants SET activity={user_activity('?', 'joined_at')} WHERE app_id=? AND conversation_id=?",
        (last_message_at, app_id, conversation_id),
    )


def refresh_activity(db: Storage) -> None:
    """Every participant's activity from the conversations' last messages (a file from before the column)."""
    last = _LAST_MESSAGE_AT.format("participants.app_id", "participants.conversation_id")
    db.execute(f"UPDATE participants SET activity={user_activity(last, 'joined_at')}")


def update_settings(db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any) -> None:
    db.execute(
        "UPDATE participants SET access=?, notify=? WHERE app_id=? AND conversation_id=? AND user_id=?",
        (access, dumps(notify), app_id, conversation_id, user_id),
    )


def set_read_until(db: Storage, app_id: str, conversation_id: str, user_id: str, until: int) -> None:
    """Move the participant's ``readUntil``; its ``unread_count`` is counted again (marking read
    leaves nothing after it to count)."""
    db.execute(
        "UPDATE participants SET read_until=? WHERE app_id=? AND conversation_id=? AND user_id=?",
        (until, app_id, conversation_id, user_id),
    )
    recount_unread(db, app_id, conversation_id, user_id)


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
