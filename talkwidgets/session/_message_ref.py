"""``MessageRef`` and ``ReactionsRef``: a message, and one emoji's reactions to it."""

from __future__ import annotations

import warnings
from typing import Any

from ..model.errors import InvalidArgumentError, NotFoundError, PermissionDeniedError
from ..model.snapshots import MessageSnapshot, SingleReactionSnapshot, UserSnapshot
from ..model.wire import single_reaction_from_wire
from ..transport.rest import path
from ._core import SessionCore
from ._params import UNSET, check_callback, check_custom, one_block, text_content
from ._reactions import OnReactions, ReactionsSubscription

FIRST_REACTIONS = 10
"""How many reactions ``get_first_reactions`` answers (TalkJS's value)."""


class ReactionsRef:
    """The reactions with one emoji to one message (``MessageRef.reactions(emoji)``; cached).

    The emoji is not checked here, as in JS: the server refuses a bad one (``add`` raises).
    Reactions are an emulator extension: against the TalkJS cloud every method raises ``TalkError``.
    """

    __slots__ = ("_core", "emoji", "message_id", "conversation_id")

    def __init__(self, core: SessionCore, conversation_id: str, message_id: str, emoji: str) -> None:
        self._core = core
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.emoji = emoji

    def __repr__(self) -> str:
        return f"ReactionsRef({self.conversation_id!r}, {self.message_id!r}, {self.emoji!r})"

    def _path(self, *rest: str) -> str:
        return path("conversations", self.conversation_id, "messages", self.message_id, "reactions", self.emoji, *rest)

    async def add(self) -> None:
        """React with this emoji as the current user (nothing changes if you already did)."""
        self._core.require_extension("reactions")
        await self._core.call("PUT", self._path(self._core.user_id))

    async def remove(self) -> None:
        """Take the current user's reaction back (nothing changes if there was none)."""
        self._core.require_extension("reactions")
        await self._core.call("DELETE", self._path(self._core.user_id))

    async def get_first_reactions(self) -> tuple[SingleReactionSnapshot, ...] | None:
        """The 10 oldest reactions with this emoji; ``None`` if the message does not exist or you
        are not in its conversation."""
        self._core.require_extension("reactions")
        try:
            answer = await self._core.call("GET", self._path(), params={"limit": FIRST_REACTIONS})
        except (NotFoundError, PermissionDeniedError):
            return None
        out = []
        for item in answer.get("data") or ():
            user = await self._core.user_snapshot(item["userId"])
            out.append(single_reaction_from_wire(user or UserSnapshot(id=item["userId"], name=""), item))
        return tuple(out)

    def subscribe(self, on_snapshot: OnReactions | None = None) -> ReactionsSubscription:
        """Who reacted, oldest first: 10 at first, ``load_more`` adds newer ones (see the module doc
        of ``_reactions``)."""
        check_callback(on_snapshot)
        return ReactionsSubscription(self._core, self.conversation_id, self.message_id, self.emoji, on_snapshot)


class MessageRef:
    """A message in a conversation (``ConversationRef.message(id)``; cached per id)."""

    __slots__ = ("_core", "id", "conversation_id", "_reactions")

    def __init__(self, core: SessionCore, conversation_id: str, id: str) -> None:
        self._core = core
        self.conversation_id = conversation_id
        self.id = id
        self._reactions: dict[str, ReactionsRef] = {}

    def __repr__(self) -> str:
        return f"MessageRef({self.conversation_id!r}, {self.id!r})"

    def reactions(self, emoji: str) -> ReactionsRef:
        """A ref to this message's reactions with ``emoji`` (a Unicode emoji or a custom
        ``":name:"``); cached per emoji, no I/O."""
        if not isinstance(emoji, str) or not emoji:
            raise InvalidArgumentError(f"emoji must be a non-empty string, got {emoji!r}")
        ref = self._reactions.get(emoji)
        if ref is None:
            ref = self._reactions[emoji] = ReactionsRef(self._core, self.conversation_id, self.id, emoji)
        return ref

    def reaction(self, emoji: str) -> ReactionsRef:
        """Deprecated (renamed in TalkJS 1.9.0): use ``reactions(emoji)``."""
        warnings.warn("MessageRef.reaction is deprecated; use MessageRef.reactions", DeprecationWarning, stacklevel=2)
        return self.reactions(emoji)

    async def get(self) -> MessageSnapshot | None:
        """The message, or None if it doesn't exist or you can't see it (not a participant)."""
        core = self._core
        try:
            if core.is_cloud:
                wire = await core.call_or_none("GET", path("conversations", self.conversation_id, "messages", self.id))
                ref_id = (wire or {}).get("referencedMessageId")
                if wire is not None and ref_id:
                    wire["referencedMessage"] = await core.call_or_none(
                        "GET", path("conversations", self.conversation_id, "messages", ref_id)
                    )
            else:
                url = path("users", core.user_id, "conversations", self.conversation_id, "messages", self.id)
                wire = await core.call_or_none("GET", url)
        except PermissionDeniedError:
            return None
        return None if wire is None else await core.message_snapshot(wire)

    async def edit(self, text: str | None = None, *, content: Any = None, custom: Any = UNSET) -> None:
        """Change the message: new ``text`` (TalkJS markup, as ``send`` parses it) or new
        ``content`` (a list of exactly one block), and/or ``custom`` (a patch: a ``None`` value
        deletes a key, ``custom=None`` deletes them all)."""
        body: dict[str, Any] = {}
        if text is not None and content is not None:
            raise InvalidArgumentError("edit takes text or content, not both")
        if text is not None:
            body["content"] = text_content(text)
        elif content is not None:
            body["content"] = one_block(content)
        if custom is not UNSET:
            body["custom"] = None if custom is None else check_custom(custom, "edit: custom")
        if not body:
            raise InvalidArgumentError("edit needs text, content or custom")
        await self._core.call("PATCH", path("conversations", self.conversation_id, "messages", self.id), json=body)

    async def delete(self) -> None:
        """Delete the message; a message that is already gone is not an error."""
        await self._core.call_or_none("DELETE", path("conversations", self.conversation_id, "messages", self.id))


__all__ = ["MessageRef", "ReactionsRef"]
