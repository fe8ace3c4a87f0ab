"""What a ``Chatbox`` puts into widget state: snapshots as small JSON dicts, without credentials.

A file block's ``file_token`` (it re-sends the file) and its ``url`` (whoever holds it can fetch
the file: the emulator's and TalkJS's file URLs are capabilities) never go into state, which
notebooks save. The browser asks for the URLs of the messages it shows, by message
(docs/widget-sync-protocol.md, "Chatbox"). The shapes are documented in docs/widgets.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model.content import (
    AudioBlock,
    GenericFileBlock,
    ImageBlock,
    LocationBlock,
    TextBlock,
    VideoBlock,
    VoiceBlock,
)
from ..model.snapshots import (
    ConversationSnapshot,
    MessageSnapshot,
    ParticipantSnapshot,
    ReferencedMessageSnapshot,
    UserSnapshot,
)
from ..model.wire import to_json

QUOTE_CHARS = 300
"""Characters of a quoted message's text kept in a reply (the bubble shows two lines of it)."""

_FILE_FIELDS = ("subtype", "filename", "size", "width", "height", "duration")
_FILE_BLOCKS = (GenericFileBlock, ImageBlock, VideoBlock, AudioBlock, VoiceBlock)


def is_file_block(block: object) -> bool:
    return isinstance(block, _FILE_BLOCKS)


def user_json(user: UserSnapshot | None) -> dict[str, Any] | None:
    """``{id, name, photo_url, role}``: what a bubble, an avatar or a header needs of a person."""
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "photo_url": user.photo_url, "role": user.role}


def _block_json(block: Any) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "children": to_json(block.children)}
    if is_file_block(block):
        return {"type": "file", **{key: getattr(block, key, None) for key in _FILE_FIELDS}}
    if isinstance(block, LocationBlock):
        return {"type": "location", "latitude": block.latitude, "longitude": block.longitude}
    data = to_json(block)  # an unknown block: shown as "unsupported", kept for Python readers
    return {k: v for k, v in data.items() if k not in ("file_token", "url")} if isinstance(data, dict) else {}


def _quote_json(quote: ReferencedMessageSnapshot | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    files = [b for b in quote.content if isinstance(b, _FILE_BLOCKS)]
    text = quote.plaintext
    return {
        "id": quote.id,
        "type": quote.type,
        "sender": user_json(quote.sender),
        "created_at": quote.created_at,
        "plaintext": text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…",
        "file": {"subtype": files[0].subtype, "filename": files[0].filename} if files else None,
    }


def message_json(message: MessageSnapshot) -> dict[str, Any]:
    """A message as the ``messages`` trait holds it (snake_case, Unix ms, no token, no URL)."""
    return {
        "id": message.id,
        "type": message.type,
        "conversation_id": message.conversation_id,
        "sender": user_json(message.sender),
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "origin": message.origin,
        "plaintext": message.plaintext,
        "content": [_block_json(b) for b in message.content],
        "custom": dict(message.custom),
        "reactions": [
            {"emoji": r.emoji, "count": r.count, "current_user_reacted": r.current_user_reacted}
            for r in message.reactions
        ],
        "referenced_message_id": message.referenced_message_id,
        "referenced_message": _quote_json(message.referenced_message),
    }


def file_urls(message: MessageSnapshot) -> list[str | None]:
    """The URL of each content block (``None`` for a block that is not a file)."""
    return [getattr(b, "url", None) if is_file_block(b) else None for b in message.content]


def conversation_json(conversation: ConversationSnapshot) -> dict[str, Any]:
    """The header's view of a conversation: no last message and no unread count, which change with
    every message and would re-send the header each time."""
    return {
        "id": conversation.id,
        "subject": conversation.subject,
        "photo_url": conversation.photo_url,
        "custom": dict(conversation.custom),
        "access": conversation.access,
        "read_until": conversation.read_until,
        "everyone_read_until": conversation.everyone_read_until,
        "participant_count": len(conversation.participant_ids),
    }


def participant_json(participant: ParticipantSnapshot, online: Mapping[str, bool]) -> dict[str, Any]:
    """A participant for the header: the person, their access, and whether they are online
    (``None`` while unknown)."""
    user = participant.user
    return {**(user_json(user) or {}), "access": participant.access, "online": online.get(user.id)}
