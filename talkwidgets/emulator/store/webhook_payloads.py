"""The ``data`` of each webhook type, built from REST-shaped parts (docs/emulator.md lists them)."""

from __future__ import annotations

from .events import JSON


def user_changed(user: JSON) -> JSON:
    """``user.created`` and ``user.updated``."""
    return {"user": user}


def message_sent(conversation: JSON, message: JSON, sender: JSON | None) -> JSON:
    """``message.sent``; ``sender`` is None for system messages."""
    return {"conversation": conversation, "message": message, "sender": sender}


def message_read(recipient: JSON | None, message: JSON | None) -> JSON:
    """``message.read``: one per newly read message per reader."""
    return {"recipient": recipient, "message": message}


def message_changed(message: JSON | None) -> JSON:
    """``message.updated``, and ``message.deleted`` (the message as it was)."""
    return {"message": message}


def conversation_deleted(conversation: JSON) -> JSON:
    """``conversation.deleted`` (the conversation as it was)."""
    return {"conversation": conversation}
