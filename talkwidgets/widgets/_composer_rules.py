"""What the Chatbox's composer may send, and how often: the limits its browser messages are checked
against, and what ``on_send`` callbacks receive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from ..model.files import FileMetadata
from ..session import MessageRef

TYPING_EVERY = 4.0
"""Seconds between two ``mark_as_typing`` calls while someone types (one lasts 10 s; TalkJS asks
for at most one every few seconds)."""
MAX_TEXT = 20_000
"""Characters in one message sent from the composer."""
SCROLL_SEARCH_LIMIT = 2_000
"""``scroll_to`` loads older messages until it finds the one asked for, up to this many."""
MAX_EMOJI = 50


@dataclass(frozen=True)
class SentMessage:
    """What ``on_send`` callbacks receive: a message sent from the composer."""

    conversation_id: str
    message: MessageRef
    text: str | None
    """The text typed (``None`` for a file)."""
    reply_to: str | None
    """The id of the message answered, if any."""
    file: FileMetadata | None = None


def is_message_id(value: object) -> TypeGuard[str]:
    """A message id as the browser may name one (TalkJS ids are 1–255 characters)."""
    return isinstance(value, str) and 0 < len(value) <= 255


__all__ = ["MAX_EMOJI", "MAX_TEXT", "SCROLL_SEARCH_LIMIT", "TYPING_EVERY", "SentMessage", "is_message_id"]
