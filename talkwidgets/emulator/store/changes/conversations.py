"""Creating, updating and deleting conversations."""

from __future__ import annotations

import json

from ...clock import now_ms
from ...errors import not_found
from .. import rules, views
from .. import webhook_payloads as payloads
from ..events import JSON
from ..queries import conversations, participants, search, users
from ..storage import Storage
from . import participants as participant_changes


def put(
    db: Storage, app_id: str, conversation_id: str, patch: JSON, participant_ids: list[str], max_participants: int
) -> None:
    """Create or update (PATCH semantics); ``participant_ids`` are added, never removed."""
    for user_id in participant_ids:
        if not users.exists(db, app_id, user_id):
            raise rules.user_not_found(user_id, "participant")
    now = now_ms()
    found = conversations.row(db, app_id, conversation_id)
    changed = False
    if found is None:
        data = rules.merge_fields({}, patch, rules.CONVERSATION_FIELDS)
        conversations.insert(db, app_id, conversation_id, data, now)
        search.index_conversation(db, app_id, conversation_id, data)
    else:
        old = json.loads(found["data"])
        data = rules.merge_fields(old, patch, rules.CONVERSATION_FIELDS)
        changed = data != old
        if changed:
            conversations.update_data(db, app_id, conversation_id, data)
            search.index_conversation(db, app_id, conversation_id, data)
    existing = participants.of_conversation(db, app_id, conversation_id)
    newcomers = [u for u in dict.fromkeys(participant_ids) if u not in existing]
    rules.require_room(len(existing) + len(newcomers), max_participants)
    if changed:
        conversation = views.conversation_by_id(db, app_id, conversation_id)
        db.emit(app_id, "conversation.updated", conversation_id, existing.keys(), {"conversation": conversation})
    for user_id in newcomers:
        participant_changes.add(db, app_id, conversation_id, user_id, "ReadWrite", True, now)


def delete(db: Storage, app_id: str, conversation_id: str) -> None:
    """The conversation, its messages and participations; its participants get one last event."""
    found = conversations.row(db, app_id, conversation_id)
    if found is None:
        raise not_found(f"conversation {conversation_id!r}")
    conversation = views.conversation(db, found)
    conversations.delete(db, app_id, conversation_id)
    db.emit(app_id, "conversation.deleted", conversation_id, list(conversation["participants"]), {})
    db.queue_webhook(app_id, "conversation.deleted", lambda: payloads.conversation_deleted(conversation))
