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
from ._conversation_events import REFETCH, REMOVE, SAME, Marks, conversation_change, read_marks, renamed_sender
from ._core import SessionCore
from ._single import SingleSubscription

OnConversation = Callable[[ConversationSnapshot | None], Any]


class ConversationSubscription(SingleSubscription[ConversationSnapshot]):
    """Mirror of JS ``ConversationSubscription``: ``state``, ``connected``, ``terminated``, ``unsubscribe``."""

    TASK_NAME = "talkwidgets-conversation"

    def __init__(self, core: SessionCore, conversation_id: str, on_snapshot: OnConversation | None) -> None:
        self.conversation_id = conversation_id
        self._marks: Marks = ()
        """The participants' read marks, beside the snapshot (see ``_conversation_events``)."""
        super().__init__(core, on_snapshot)

    async def _read(self) -> ConversationSnapshot | None:
        wire = await self._core.user_conversation_wire(self.conversation_id)
        if wire is None:
            self._marks = ()
            return None
        snapshot = await self._core.conversation_from_wire(wire)
        self._marks = read_marks(wire, snapshot)
        return snapshot

    async def _apply(self, frame: Frame) -> bool:
        current = self._current
        if frame.get("type") == "user.updated":
            if current is None:
                return False
            renamed = await renamed_sender(self._core, current, frame["data"]["user"]["id"])
            return renamed is not None and self._set(renamed)
        if frame.get("conversationId") != self.conversation_id:
            return False
        change = await conversation_change(self._core, current, self._marks, frame)
        if change == SAME:
            return False
        if change == REFETCH:
            return self._set(await self._read())
        if change == REMOVE:
            self._marks = ()
            return self._set(None)
        assert isinstance(change, tuple)
        snapshot, self._marks = change
        return self._set(snapshot)
