"""Joining, changing and leaving conversations, and marking them read."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from ...clock import now_ms
from ...errors import not_found
from .. import render, rules, views
from .. import webhook_payloads as payloads
from ..events import JSON
from ..queries import conversations, messages, participants, users
from ..storage import Storage


def add(db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any, now: int) -> None:
    """A new participant (the caller checked that the user exists and there is room)."""
    participants.insert(db, app_id, conversation_id, user_id, access, notify, now)
    conversation = views.conversation_by_id(db, app_id, conversation_id)
    joined = participants.row(db, app_id, conversation_id, user_id)
    assert conversation is not None and joined is not None
    db.emit(
        app_id,
        "participant.joined",
        conversation_id,
        conversation["participants"].keys(),
        {"userId": user_id, "participant": render.participant(joined), "conversation": conversation},
    )


def join(
    db: Storage, app_id: str, conversation_id: str, user_id: str, access: str, notify: Any, max_participants: int
) -> None:
    """PUT participant: join with the given settings, overwriting earlier ones (idempotent)."""
    if not conversations.exists(db, app_id, conversation_id):
        raise not_found(f"conversation {conversation_id!r}")
    if not users.exists(db, app_id, user_id):
        raise rules.user_not_found(user_id)
    found = participants.row(db, app_id, conversation_id, user_id)
    if found is None:
        rules.require_room(len(participants.of_conversation(db, app_id, conversation_id)) + 1, max_participants)
        add(db, app_id, conversation_id, user_id, access, notify, now_ms())
    else:
        _change(db, app_id, conversation_id, user_id, found, {"access": access, "notify": notify})


def modify(db: Storage, app_id: str, conversation_id: str, user_id: str, patch: JSON) -> None:
    """PATCH participant: change only the given settings."""
    found = participants.row(db, app_id, conversation_id, user_id)
    if found is None:
        raise not_found(f"participant {user_id!r} in conversation {conversation_id!r}")
    _change(db, app_id, conversation_id, user_id, found, patch)


def _change(db: Storage, app_id: str, conversation_id: str, user_id: str, found: Any, patch: JSON) -> None:
    access = patch.get("access", found["access"])
    notify = patch.get("notify", json.loads(found["notify"]))
    if access == "None":  # TalkJS: access None removes the participant's access entirely
        remove(db, app_id, conversation_id, user_id)
        return
    if access == found["access"] and notify == json.loads(found["notify"]):
        return
    participants.update_settings(db, app_id, conversation_id, user_id, access, notify)
    changed = participants.row(db, app_id, conversation_id, user_id)
    assert changed is not None
    db.emit(
        app_id,
        "participant.updated",
        conversation_id,
        participants.of_conversation(db, app_id, conversation_id).keys(),
        {"userId": user_id, "participant": render.participant(changed)},
    )


def leave(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    """DELETE participant; idempotent like every TalkJS participation call."""
    if not conversations.exists(db, app_id, conversation_id):
        raise not_found(f"conversation {conversation_id!r}")
    if participants.row(db, app_id, conversation_id, user_id) is not None:
        remove(db, app_id, conversation_id, user_id)


def remove(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    """Remove a participant; the event reaches everyone who was in, the leaver included."""
    audience = set(participants.of_conversation(db, app_id, conversation_id))
    participants.delete(db, app_id, conversation_id, user_id)
    db.emit(app_id, "participant.left", conversation_id, audience, {"userId": user_id})


def mark_read(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    """The user has read everything in the conversation up to now."""
    if participants.row(db, app_id, conversation_id, user_id) is None:
        raise not_found(f"participant {user_id!r} in conversation {conversation_id!r}")
    conversation = conversations.row(db, app_id, conversation_id)
    until = rules.read_until_now(now_ms(), conversation["last_message_at"] if conversation else None)
    newly_read = messages.unread_ids(db, app_id, conversation_id, user_id)
    participants.set_read_until(db, app_id, conversation_id, user_id, until)
    participants.set_marked_unread(db, app_id, conversation_id, user_id, False)
    parts = participants.of_conversation(db, app_id, conversation_id)
    data = {"userId": user_id, "readUntil": until, "markedUnread": False}
    db.emit(app_id, "conversation.read", conversation_id, parts.keys(), data)
    if newly_read and db.has_webhook(app_id):
        recipient = views.user(db, app_id, user_id)
        for message_id in newly_read:
            message = views.message(db, app_id, message_id, parts)
            db.queue_webhook(app_id, "message.read", partial(payloads.message_read, recipient, message))


def mark_unread(db: Storage, app_id: str, conversation_id: str, user_id: str) -> None:
    """The user marks the conversation unread: ``isUnread`` holds, even without unread messages,
    until they mark it read again. ``readUntil`` stays."""
    found = participants.row(db, app_id, conversation_id, user_id)
    if found is None:
        raise not_found(f"participant {user_id!r} in conversation {conversation_id!r}")
    participants.set_marked_unread(db, app_id, conversation_id, user_id, True)
    parts = participants.of_conversation(db, app_id, conversation_id)
    data = {"userId": user_id, "readUntil": found["read_until"], "markedUnread": True}
    db.emit(app_id, "conversation.read", conversation_id, parts.keys(), data)
