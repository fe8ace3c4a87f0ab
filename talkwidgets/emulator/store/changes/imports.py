"""Importing history (TalkJS's ``POST /import/conversations/{id}/messages``).

Imported messages keep the sender's original ``timestamp``, get ``origin: "import"``, fire no
webhooks and reach no live feed (TalkJS: imports trigger no notifications and no sync to live
clients). They take their place in time: a conversation's messages stay ordered by ``createdAt``
whatever order the imports arrive in.

``readBy`` sets read state the way the emulator keeps it, as one ``readUntil`` watermark per
participant: a participant missing from an imported message's ``readBy`` (and not its sender) has
read only what came before that message; a participant listed on every imported message has read
up to the newest of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import InvalidError, not_found
from ..events import JSON
from ..queries import conversations, messages, participants
from ..storage import Storage
from . import messages as message_changes


def import_messages(
    db: Storage, app_id: str, conversation_id: str, items: list[JSON], timestamps: list[int], read_by: list[list[str]]
) -> list[str]:
    """Store validated messages with their own times and read marks; all or nothing. Returns their ids."""
    parts = participants.of_conversation(db, app_id, conversation_id)
    if not parts and not conversations.exists(db, app_id, conversation_id):
        raise not_found(f"conversation {conversation_id!r}")
    strangers = sorted({uid for readers in read_by for uid in readers} - set(parts))
    if strangers:
        raise InvalidError(f"readBy names users who are not participants: {', '.join(map(repr, strangers))}")
    last_before = messages.latest(db, app_id, conversation_id)
    ids = message_changes.send(
        db,
        app_id,
        conversation_id,
        items,
        "import",
        fire_webhooks=False,
        emit_events=False,
        created_at=timestamps,
    )
    if _out_of_order(timestamps, last_before["created_at"] if last_before else None):
        _order_by_time(db, app_id, conversation_id)
    latest = messages.latest(db, app_id, conversation_id)
    assert latest is not None
    conversations.set_last_message(db, app_id, conversation_id, latest["id"], latest["created_at"])
    senders = [item.get("sender") for item in items]
    for user_id, row in parts.items():
        until = _read_until(user_id, int(row["read_until"]), timestamps, senders, read_by)
        if until != row["read_until"]:
            participants.set_read_until(db, app_id, conversation_id, user_id, until)
    return ids


def _out_of_order(timestamps: Sequence[int], last_existing: int | None) -> bool:
    """Whether appending in request order would list messages out of time order."""
    if last_existing is not None and timestamps and min(timestamps) < last_existing:
        return True
    return any(later < earlier for earlier, later in zip(timestamps, timestamps[1:], strict=False))


def _order_by_time(db: Storage, app_id: str, conversation_id: str) -> None:
    """Renumber the conversation's messages (``n``, the listing order) by time, ties kept in sending order."""
    db.execute(
        "UPDATE messages SET n = r.rn FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, n) AS rn"
        " FROM messages WHERE app_id=? AND conversation_id=?) AS r WHERE messages.app_id=? AND messages.id=r.id",
        (app_id, conversation_id, app_id),
    )


def _read_until(
    user_id: str, current: int, timestamps: Sequence[int], senders: Sequence[str | None], read_by: Sequence[list[str]]
) -> int:
    """The participant's watermark after the import (see the module docstring)."""
    unread = [
        ts
        for ts, sender, readers in zip(timestamps, senders, read_by, strict=True)
        if sender != user_id and user_id not in readers
    ]
    if unread:
        return min(current, min(unread) - 1)
    read = [
        ts
        for ts, sender, readers in zip(timestamps, senders, read_by, strict=True)
        if sender == user_id or user_id in readers
    ]
    return max([current, *read])
