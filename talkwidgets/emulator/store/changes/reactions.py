"""Adding and removing reactions, with their live-feed events (reactions fire no webhooks).

Each change also rewrites the message's ``reactions`` summary in its stored data, so every
message JSON (REST, events, webhooks) carries the summary without another query."""

from __future__ import annotations

import json

from ...clock import now_ms
from ...errors import ForbiddenError, InvalidError, not_found
from ..queries import messages, participants, reactions
from ..storage import Storage

MAX_DISTINCT_EMOJI = 50
"""Distinct emoji on one message."""


def add(db: Storage, app_id: str, conversation_id: str, message_id: str, emoji: str, user_id: str) -> None:
    """Idempotent: reacting twice with the same emoji changes nothing and emits nothing."""
    _check(db, app_id, conversation_id, message_id, user_id)
    if reactions.row(db, app_id, message_id, emoji, user_id) is not None:
        return
    if not reactions.has_emoji(db, app_id, message_id, emoji):
        distinct = len(reactions.summary(db, app_id, message_id))
        if distinct >= MAX_DISTINCT_EMOJI:
            raise InvalidError(
                f"message {message_id!r} already has {MAX_DISTINCT_EMOJI} different emoji", code="TOO_MANY_REACTIONS"
            )
    now = now_ms()
    reactions.add(db, app_id, conversation_id, message_id, emoji, user_id, now)
    _changed(db, app_id, conversation_id, message_id, "reaction.added", emoji, user_id, now)


def remove(db: Storage, app_id: str, conversation_id: str, message_id: str, emoji: str, user_id: str) -> None:
    """Idempotent: removing a reaction that is not there changes nothing and emits nothing."""
    _check(db, app_id, conversation_id, message_id, user_id)
    found = reactions.row(db, app_id, message_id, emoji, user_id)
    if found is None:
        return
    reactions.remove(db, app_id, message_id, emoji, user_id)
    _changed(db, app_id, conversation_id, message_id, "reaction.removed", emoji, user_id, int(found["created_at"]))


def _check(db: Storage, app_id: str, conversation_id: str, message_id: str, user_id: str) -> None:
    if messages.row_in(db, app_id, conversation_id, message_id) is None:
        raise not_found(f"message {message_id!r} in conversation {conversation_id!r}")
    if participants.row(db, app_id, conversation_id, user_id) is None:
        raise ForbiddenError(f"user {user_id!r} is not a participant of conversation {conversation_id!r}")


def _changed(
    db: Storage, app_id: str, conversation_id: str, message_id: str, kind: str, emoji: str, user_id: str, at: int
) -> None:
    """Store the new summary in the message and tell the participants."""
    found = messages.row(db, app_id, message_id)
    assert found is not None
    summary = reactions.summary(db, app_id, message_id)
    data = json.loads(found["data"])
    data["reactions"] = summary
    messages.update_data(db, app_id, message_id, data)
    audience = participants.of_conversation(db, app_id, conversation_id).keys()
    event = {"messageId": message_id, "emoji": emoji, "userId": user_id, "createdAt": at, "reactions": summary}
    db.emit(app_id, kind, conversation_id, audience, event)
