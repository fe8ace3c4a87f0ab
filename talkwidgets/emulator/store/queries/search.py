"""Search: the words tables behind the FTS5 indexes (written with every change of a message or a
conversation, in its transaction) and the search queries over them.

The match rules are in :mod:`..search_words`; the indexes themselves follow the words tables by
triggers (:mod:`..schema`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...errors import InvalidError
from ..events import JSON
from ..filters import Condition
from ..rules import NewestFirst
from ..search_words import indexed, message_text
from ..storage import Storage

MESSAGE_ORDER = NewestFirst("m.created_at", "m.id")
"""Message search results: newest first, ties by message id (descending)."""
CONVERSATION_FIELDS = ("subject", "search")
"""What a conversation search matches: its ``subject``, or its ``custom.search`` (never a mix)."""

# -- the words tables ---------------------------------------------------------------------------


def index_message(db: Storage, app_id: str, conversation_id: str, message_id: str, content: list[JSON]) -> None:
    """(Re)write a message's words; a message without words has no row."""
    db.execute("DELETE FROM message_words WHERE app_id=? AND message_id=?", (app_id, message_id))
    words = indexed(message_text(content))
    if words:
        db.execute(
            "INSERT INTO message_words (app_id, conversation_id, message_id, words) VALUES (?,?,?,?)",
            (app_id, conversation_id, message_id, words),
        )


def unindex_message(db: Storage, app_id: str, message_id: str) -> None:
    db.execute("DELETE FROM message_words WHERE app_id=? AND message_id=?", (app_id, message_id))


def index_conversation(db: Storage, app_id: str, conversation_id: str, data: JSON) -> None:
    """(Re)write the words of a conversation's ``subject`` and ``custom.search``, one row each."""
    db.execute("DELETE FROM conversation_words WHERE app_id=? AND conversation_id=?", (app_id, conversation_id))
    texts = {"subject": data.get("subject"), "search": (data.get("custom") or {}).get("search")}
    for field in CONVERSATION_FIELDS:
        text = texts[field]
        words = indexed(text) if isinstance(text, str) else ""
        if words:
            db.execute(
                "INSERT INTO conversation_words (app_id, conversation_id, field, words) VALUES (?,?,?,?)",
                (app_id, conversation_id, field, words),
            )


# -- searching ----------------------------------------------------------------------------------


def message_search_sql(condition: Condition | None, after_cursor: bool) -> str:
    """The message search query. Parameters: the user, the match expression, the app, the
    condition's parameters, the cursor's time and id (with ``after_cursor``), the limit.

    FTS5 finds the matching words rows first; only those are joined to messages, the user's
    participations and the conversations (EXPLAIN QUERY PLAN shows it in the tests)."""
    where = ["message_search MATCH ?", "w.app_id=?"]
    if condition is not None:
        where.append(condition.sql)
    if after_cursor:
        where.append(MESSAGE_ORDER.after_cursor)
    return (
        "SELECT m.* FROM message_search"
        " JOIN message_words w ON w.rowid=message_search.rowid"
        " JOIN messages m ON m.app_id=w.app_id AND m.id=w.message_id"
        " JOIN participants p ON p.app_id=m.app_id AND p.conversation_id=m.conversation_id AND p.user_id=?"
        " JOIN conversations c ON c.app_id=m.app_id AND c.id=m.conversation_id"
        f" WHERE {' AND '.join(where)} ORDER BY {MESSAGE_ORDER.order_by} LIMIT ?"
    )


def messages(
    db: Storage,
    app_id: str,
    user_id: str,
    match: str,
    limit: int,
    starting_after: str | None,
    condition: Condition | None,
) -> list[sqlite3.Row]:
    """Messages of the user's conversations (matching ``condition``) whose words match, newest first."""
    params: list[Any] = [user_id, match, app_id, *(condition.params if condition else ())]
    if starting_after:
        cursor = db.one("SELECT created_at FROM messages WHERE app_id=? AND id=?", (app_id, starting_after))
        if cursor is None:
            raise InvalidError(f"startingAfter: message {starting_after!r} does not exist")
        params += [cursor["created_at"], starting_after]
    return db.all(message_search_sql(condition, bool(starting_after)), [*params, limit])


def conversations_matching(match: str, app_id: str) -> Condition:
    """Condition on conversation row ``c``: all query words in its subject, or all in its
    ``custom.search`` (one words row each, so words never mix between the two)."""
    return Condition(
        "c.id IN (SELECT w.conversation_id FROM conversation_search"
        " JOIN conversation_words w ON w.rowid=conversation_search.rowid"
        " WHERE conversation_search MATCH ? AND w.app_id=?)",
        (match, app_id),
    )
