"""Sending, editing and deleting messages."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ...clock import now_ms
from ...errors import InvalidError, not_found
from .. import render, rules, views
from .. import webhook_payloads as payloads
from ..events import JSON
from ..queries import conversations, files, messages, participants, search
from ..storage import Storage, loads


def send(
    db: Storage,
    app_id: str,
    conversation_id: str,
    items: list[JSON],
    origin: str,
    *,
    fire_webhooks: bool = True,
    created_at: Sequence[int | None] | None = None,
    emit_events: bool = True,
) -> list[str]:
    """Store validated messages in order; all or nothing. Returns their ids.

    ``created_at`` gives seeded and imported history its own times; otherwise
    :func:`rules.next_message_time`. ``emit_events=False``: nothing reaches live feeds (imports)."""
    conversation = conversations.row(db, app_id, conversation_id)
    if conversation is None:
        raise not_found(f"conversation {conversation_id!r}")
    number = messages.last_number(db, app_id, conversation_id)
    last_at: int | None = conversation["last_message_at"]
    ids: list[str] = []
    for i, item in enumerate(items):
        sender = item.get("sender")
        number += 1
        given = created_at[i] if created_at else None
        ts = given if given is not None else rules.next_message_time(now_ms(), last_at)
        last_at = ts
        # the participants' unread counts and activity, answering who they are (a refusal below
        # rolls the whole transaction back)
        read_until = participants.message_sent(db, app_id, conversation_id, sender, ts)
        if sender is not None and sender not in read_until:
            raise rules.sender_not_participant(sender, conversation_id)
        message_id = rules.new_message_id()
        content = resolve_content(db, app_id, item["content"])
        referenced = item.get("referencedMessageId")
        if referenced and messages.row_in(db, app_id, conversation_id, referenced) is None:
            raise InvalidError(f"referencedMessageId {referenced!r} is not in this conversation")
        data: JSON = {
            "id": message_id,
            "conversationId": conversation_id,
            "type": item.get("type", "UserMessage"),
            "senderId": sender,
            "text": item["text"],
            "content": content,
            **rules.derived_fields(content),
            "origin": origin,
            "createdAt": ts,
            "editedAt": None,
            "referencedMessageId": referenced,
            "custom": rules.merge_map(None, item.get("custom")),
        }
        messages.insert(db, app_id, message_id, conversation_id, number, sender, ts, data)
        search.index_message(db, app_id, conversation_id, message_id, content, new=True)
        conversations.set_own_last_message(db, app_id, conversation_id, message_id, ts)
        message = render.message(data, sender, ts, read_until)
        if emit_events:
            db.emit(app_id, "message.sent", conversation_id, read_until.keys(), {"message": message})
        if fire_webhooks:
            db.queue_webhook(app_id, "message.sent", partial(_sent, db, app_id, conversation_id, message, sender))
        ids.append(message_id)
    return ids


def _sent(db: Storage, app_id: str, conversation_id: str, message: JSON, sender: str | None) -> JSON:
    conversation = views.conversation_by_id(db, app_id, conversation_id)
    assert conversation is not None
    return payloads.message_sent(conversation, message, views.user(db, app_id, sender) if sender else None)


def resolve_content(db: Storage, app_id: str, blocks: list[JSON]) -> list[JSON]:
    """Send-side content with each ``{"type": "file", "fileToken"}`` replaced by the stored file block."""
    out = []
    for block in blocks:
        if block["type"] == "file":
            stored = files.block(db, app_id, block["fileToken"])
            if stored is None:
                raise InvalidError(
                    f"file token {block['fileToken']!r} is unknown to this app", code="INVALID_FILE_TOKEN"
                )
            out.append(stored)
        else:
            out.append(block)
    return out


def edit(db: Storage, app_id: str, conversation_id: str, message_id: str, patch: JSON) -> None:
    """Change text, content and/or custom; ``editedAt`` records when."""
    found = messages.row_in(db, app_id, conversation_id, message_id)
    if found is None:
        raise not_found(f"message {message_id!r} in conversation {conversation_id!r}")
    data = loads(found["data"])
    if "content" in patch:
        data["content"] = resolve_content(db, app_id, patch["content"])
        data["text"] = patch["text"]
    elif "text" in patch:
        data["text"] = patch["text"]
        data["content"] = rules.with_text(data["content"], patch["textBlock"])
    if "custom" in patch:
        data["custom"] = rules.merge_map(data.get("custom"), patch["custom"])
    data.update(rules.derived_fields(data["content"]))
    data["editedAt"] = now_ms()
    messages.update_data(db, app_id, message_id, data)
    search.index_message(db, app_id, conversation_id, message_id, data["content"])
    read_until = participants.read_untils(db, app_id, conversation_id)
    message = render.message(data, found["sender_id"], found["created_at"], read_until)
    db.emit(app_id, "message.updated", conversation_id, read_until.keys(), {"message": message})
    db.queue_webhook(app_id, "message.updated", lambda: payloads.message_changed(message))


def delete(db: Storage, app_id: str, conversation_id: str, message_id: str) -> None:
    """Delete one message; the conversation's ``lastMessage`` falls back to the one before."""
    found = messages.row_in(db, app_id, conversation_id, message_id)
    if found is None:
        raise not_found(f"message {message_id!r} in conversation {conversation_id!r}")
    read_until = participants.read_untils(db, app_id, conversation_id)
    deleted = render.message_row(found, read_until)
    messages.delete(db, app_id, message_id)
    participants.count_message(db, app_id, conversation_id, found["sender_id"], found["created_at"], -1)
    last = messages.latest(db, app_id, conversation_id)
    conversations.set_last_message(
        db, app_id, conversation_id, last["id"] if last else None, last["created_at"] if last else None
    )
    db.emit(
        app_id,
        "message.deleted",
        conversation_id,
        read_until.keys(),
        {"messageId": message_id, "lastMessage": render.message_row(last, read_until) if last else None},
    )
    db.queue_webhook(app_id, "message.deleted", lambda: payloads.message_changed(deleted))
