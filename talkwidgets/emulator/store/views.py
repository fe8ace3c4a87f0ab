"""REST JSON of one thing with what it shows of related things: a conversation with its
participants, unread flags and last message; a message with its ``readBy``.

Queries fetch, :mod:`.render` shapes; callers hold the lock or a transaction."""

from __future__ import annotations

import sqlite3

from . import render
from .events import JSON
from .queries import conversations, messages, participants, users
from .storage import Storage


def user(db: Storage, app_id: str, user_id: str) -> JSON | None:
    found = users.row(db, app_id, user_id)
    return render.user(found) if found else None


def message(db: Storage, app_id: str, message_id: str, parts: dict[str, sqlite3.Row] | None = None) -> JSON | None:
    """A message by id; ``parts`` (its conversation's participants) saves a query when known."""
    found = messages.row(db, app_id, message_id)
    if found is None:
        return None
    if parts is None:
        parts = participants.of_conversation(db, app_id, found["conversation_id"])
    return render.message_row(found, render.read_untils(parts))


def conversation(db: Storage, row: sqlite3.Row) -> JSON:
    app_id, conversation_id = row["app_id"], row["id"]
    parts = participants.of_conversation(db, app_id, conversation_id)
    last = message(db, app_id, row["last_message_id"], parts) if row["last_message_id"] else None
    return render.conversation(row, parts, last, messages.users_with_unread(db, app_id, conversation_id))


def conversation_by_id(db: Storage, app_id: str, conversation_id: str) -> JSON | None:
    found = conversations.row(db, app_id, conversation_id)
    return conversation(db, found) if found else None


def user_conversation(db: Storage, row: sqlite3.Row, user_id: str) -> JSON:
    """A conversation row carrying the user's ``user_activity`` and ``user_unread_count`` columns
    (see ``queries.conversations``)."""
    unread, activity = int(row["user_unread_count"]), int(row["user_activity"])
    return render.user_conversation(conversation(db, row), user_id, unread, activity)
