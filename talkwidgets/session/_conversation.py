"""``ConversationRef.subscribe``: one conversation as the current user sees it, live.

``None`` while the conversation does not exist or the user is not in it; it comes back when the
user joins. Events change it through the same rules as the conversation list
(``_conversation_events``), including nested data: a sender renaming themselves re-emits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.snapshots import ConversationSnapshot
from ..transport.live import Frame
from ._conversation_events import REFETCH, REMOVE, SAME, conversation_change
from ._core import SessionCore, Wire
from ._single import SingleSubscription

OnConversation = Callable[[ConversationSnapshot | None], Any]


class ConversationSubscription(SingleSubscription[ConversationSnapshot]):
    """Mirror of JS ``ConversationSubscription``: ``state``, ``connected``, ``terminated``, ``unsubscribe``."""

    TASK_NAME = "talkwidgets-conversation"

    def __init__(self, core: SessionCore, conversation_id: str, on_snapshot: OnConversation | None) -> None:
        self.conversation_id = conversation_id
        self._wire: Wire | None = None
        super().__init__(core, on_snapshot)

    async def _read(self) -> ConversationSnapshot | None:
        self._wire = await self._core.user_conversation_wire(self.conversation_id)
        return await self._build()

    async def _build(self) -> ConversationSnapshot | None:
        return None if self._wire is None else await self._core.conversation_from_wire(self._wire)

    async def _apply(self, frame: Frame) -> bool:
        if frame.get("type") == "user.updated":
            last = (self._wire or {}).get("lastMessage") or {}
            if last.get("senderId") != frame["data"]["user"]["id"]:
                return False
            return self._set(await self._build())
        if frame.get("conversationId") != self.conversation_id:
            return False
        change = conversation_change(self._wire, frame, self._core.user_id)
        if change == SAME:
            return False
        if change == REFETCH:
            return self._set(await self._read())
        if change == REMOVE:
            self._wire = None
            return self._set(None)
        assert isinstance(change, dict)
        self._wire = change
        return self._set(await self._build())
