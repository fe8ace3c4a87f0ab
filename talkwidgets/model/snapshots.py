"""Immutable snapshots of users, conversations, messages and participants.

Field names are the Data API's, in snake_case; timestamps are Unix ms ints.
``custom`` is a read-only copy (``MappingProxyType``) and sequences are
tuples, so a snapshot can be shared freely and compared by identity (``is``)
for cheap change detection; ``==`` is a deep comparison. Snapshots holding a
``custom`` mapping are not hashable.

Differences from the JS snapshot types, because the REST API cannot fill them
or because Python callers need them:

- ``UserSnapshot`` has only the Data API fields; REST-only fields (email,
  phone, push tokens, availability text, header photo, created_at) are
  dropped on purpose, as in JS.
- ``MessageSnapshot.referenced_message_id`` is kept alongside
  ``referenced_message`` (REST gives the id; the emulator's user-view routes
  also give the message). ``conversation_id`` is a Python extension taken
  from REST.
- ``MessageSnapshot.reactions`` is empty unless the wire message carries a
  ``reactions`` list (the emulator's routes do; TalkJS's REST API has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .content import ContentBlock, frozen_mapping, set_frozen_field
from .errors import InvalidArgumentError

__all__ = [
    "Access",
    "Notify",
    "MessageType",
    "MessageOrigin",
    "UserSnapshot",
    "ReactionsSummarySnapshot",
    "ReferencedMessageSnapshot",
    "MessageSnapshot",
    "ConversationSnapshot",
    "ParticipantSnapshot",
    "SingleReactionSnapshot",
    "UserOnlineSnapshot",
    "FewTypingSnapshot",
    "ManyTypingSnapshot",
    "TypingSnapshot",
    "SearchMessageSnapshot",
    "referenced_from_message",
]

Access = Literal["Read", "ReadWrite"]
Notify = bool | Literal["MentionsOnly"]
MessageType = Literal["UserMessage", "SystemMessage"]
MessageOrigin = Literal["rest", "import", "email", "web"]


def _freeze(obj: Any, *tuples: str) -> None:
    set_frozen_field(obj, "custom", frozen_mapping(obj.custom))
    for name in tuples:
        value = getattr(obj, name)
        if not isinstance(value, tuple):
            set_frozen_field(obj, name, tuple(value))


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSnapshot:
    """A user as every other user sees them."""

    id: str
    name: str
    custom: Mapping[str, str] = field(default_factory=dict)
    locale: str | None = None
    """IETF language tag; ``None`` means the app's default locale."""
    photo_url: str | None = None
    role: str = "default"
    welcome_message: str | None = None
    """Deprecated in TalkJS (classic SDKs only)."""

    def __post_init__(self) -> None:
        _freeze(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionsSummarySnapshot:
    """One emoji's reactions on a message."""

    emoji: str
    count: int
    current_user_reacted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferencedMessageSnapshot:
    """The message a reply points to, one level deep (its own reply is only an id)."""

    id: str
    type: Literal["UserMessage"] = "UserMessage"
    sender: UserSnapshot
    custom: Mapping[str, str] = field(default_factory=dict)
    created_at: int
    edited_at: int | None = None
    referenced_message_id: str | None = None
    origin: MessageOrigin = "rest"
    plaintext: str = ""
    content: tuple[ContentBlock, ...] = ()
    reactions: tuple[ReactionsSummarySnapshot, ...] = ()

    def __post_init__(self) -> None:
        _freeze(self, "content", "reactions")


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSnapshot:
    """A message. ``sender`` is the sender's *current* data; ``None`` for system messages."""

    id: str
    type: MessageType = "UserMessage"
    sender: UserSnapshot | None = None
    custom: Mapping[str, str] = field(default_factory=dict)
    created_at: int
    edited_at: int | None = None
    referenced_message: ReferencedMessageSnapshot | None = None
    referenced_message_id: str | None = None
    origin: MessageOrigin = "rest"
    plaintext: str = ""
    content: tuple[ContentBlock, ...] = ()
    """Body blocks, top to bottom; usually one, but code must allow several."""
    reactions: tuple[ReactionsSummarySnapshot, ...] = ()
    conversation_id: str | None = None
    """Python extension: the conversation this message belongs to."""

    def __post_init__(self) -> None:
        _freeze(self, "content", "reactions")
        if self.referenced_message is not None and self.referenced_message_id is None:
            set_frozen_field(self, "referenced_message_id", self.referenced_message.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationSnapshot:
    """A conversation from the current user's point of view."""

    id: str
    subject: str | None = None
    photo_url: str | None = None
    welcome_messages: tuple[str, ...] = ()
    custom: Mapping[str, str] = field(default_factory=dict)
    created_at: int
    joined_at: int
    """When the current user joined (ms)."""
    last_message: MessageSnapshot | None = None
    unread_message_count: int = 0
    read_until: int = 0
    """Messages created after this (ms) are unread for the current user."""
    everyone_read_until: int = 0
    """Minimum ``read_until`` over all participants: use it for "read" ticks."""
    is_unread: bool = False
    access: Access = "ReadWrite"
    notify: Notify = True
    participant_ids: tuple[str, ...] = ()
    """Python extension: ids of everyone in the conversation (JS needs a separate subscription)."""

    def __post_init__(self) -> None:
        _freeze(self, "welcome_messages", "participant_ids")


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantSnapshot:
    """A user's membership of a conversation."""

    user: UserSnapshot
    access: Access = "ReadWrite"
    notify: Notify = True
    joined_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SingleReactionSnapshot:
    """One user's reaction with one emoji on a message."""

    user: UserSnapshot
    created_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UserOnlineSnapshot:
    """A user and whether they are connected now (see ``UserRef.subscribe_online``)."""

    user: UserSnapshot
    is_connected: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FewTypingSnapshot:
    """At most five people typing, the one typing longest first; never the current user."""

    many: Literal[False] = False
    users: tuple[UserSnapshot, ...] = ()

    def __post_init__(self) -> None:
        if self.many is not False:
            raise InvalidArgumentError("FewTypingSnapshot.many must be False")
        if not isinstance(self.users, tuple):
            set_frozen_field(self, "users", tuple(self.users))


@dataclass(frozen=True, slots=True, kw_only=True)
class ManyTypingSnapshot:
    """More than five people typing: no list of who."""

    many: Literal[True] = True

    def __post_init__(self) -> None:
        if self.many is not True:
            raise InvalidArgumentError("ManyTypingSnapshot.many must be True")


TypingSnapshot = FewTypingSnapshot | ManyTypingSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchMessageSnapshot:
    """A message found by ``search_messages``, with its conversation as the current user sees it."""

    conversation: ConversationSnapshot
    message: MessageSnapshot


def referenced_from_message(message: MessageSnapshot) -> ReferencedMessageSnapshot:
    """The reply-target view of a message (needs a sender, i.e. a user message)."""
    if message.sender is None:
        raise InvalidArgumentError("only user messages with a known sender can be referenced")
    return ReferencedMessageSnapshot(
        id=message.id,
        sender=message.sender,
        custom=message.custom,
        created_at=message.created_at,
        edited_at=message.edited_at,
        referenced_message_id=message.referenced_message_id,
        origin=message.origin,
        plaintext=message.plaintext,
        content=message.content,
        reactions=message.reactions,
    )
