"""``ReactionsRef.subscribe``: who reacted to a message with one emoji, oldest first.

The only window that grows toward newer items: it starts with the 10 oldest reactions and
``load_more`` (1..100, 30 by default) adds newer ones. A new reaction joins only once the window
reaches the newest end (``loaded_all``); a removed one leaves, and the window takes in the next
one so it keeps its size. ``None`` while the message does not exist or the current user is not
in its conversation. Reactions are an emulator extension (TalkJS documents no REST route for
them): against the TalkJS cloud the subscription ends at once in ``ErrorState``.

The server stores a Unicode emoji in its fully-qualified form, which may differ from what was
asked for by a variation selector (U+FE0F); events are matched to this subscription's emoji
without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.errors import NotFoundError, PermissionDeniedError, TalkError
from ..model.snapshots import SingleReactionSnapshot, UserSnapshot
from ..model.wire import single_reaction_from_wire
from ..transport.live import Frame
from ..transport.rest import path
from ._core import SessionCore, Wire
from ._window import Gone, MemberWindow, read_window

PAGE_LIMIT = 100
"""The reactions route's largest page."""

OnReactions = Callable[[tuple[SingleReactionSnapshot, ...] | None, bool], Any]

NO_CLOUD_REACTIONS = (
    "reactions are not available against the TalkJS cloud: its documented REST API has no route for "
    "them (the talkwidgets emulator and `talkwidgets serve` have one)"
)


def same_emoji(a: Any, b: Any) -> bool:
    """Equal but for variation selector 16 (the server may add or drop it when it normalises)."""
    return isinstance(a, str) and isinstance(b, str) and a.replace("\ufe0f", "") == b.replace("\ufe0f", "")


@dataclass(frozen=True, order=False)
class Later:
    """A user id in reverse order, so that a descending window key lists older reactions first
    and, at equal times, user ids ascending (the server's order)."""

    user_id: str

    def __lt__(self, other: Later) -> bool:
        return other.user_id < self.user_id


class ReactionsSubscription(MemberWindow[SingleReactionSnapshot]):
    """Mirror of JS ``ReactionsSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` (1..100 newer reactions, 30 by default) and ``unsubscribe``."""

    TASK_NAME = "talkwidgets-reactions"
    INITIAL_WINDOW = 10
    DEFAULT_LOAD_MORE = 30
    MAX_LOAD_MORE = PAGE_LIMIT

    def __init__(
        self, core: SessionCore, conversation_id: str, message_id: str, emoji: str, on_snapshot: OnReactions | None
    ) -> None:
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.emoji = emoji
        super().__init__(core, on_snapshot)
        if core.is_cloud:
            self._fail(TalkError(NO_CLOUD_REACTIONS))

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        url = path("conversations", self.conversation_id, "messages", self.message_id, "reactions", self.emoji)
        try:
            return await read_window(self._core, url, count, after, page_limit=PAGE_LIMIT, key="userId")
        except (NotFoundError, PermissionDeniedError) as exc:
            raise Gone from exc

    async def _fetch_one(self, key: str) -> Wire | None:
        return self._items.get(key)  # a reaction never changes; it comes and goes with events

    async def _build(self, item: Wire) -> SingleReactionSnapshot:
        user = await self._core.user_snapshot(item["userId"])
        return single_reaction_from_wire(user if user is not None else UserSnapshot(id=item["userId"], name=""), item)

    def _key(self, item: Wire) -> str:
        return str(item["userId"])

    def _sort_key(self, snapshot: SingleReactionSnapshot) -> tuple[int, Later]:
        return -snapshot.created_at, Later(snapshot.user.id)

    async def _apply(self, frame: Frame) -> bool:
        kind = frame.get("type")
        data = frame.get("data") or {}
        if kind == "user.updated":
            uid = data["user"].get("id")
            return await self._rebuild([uid])
        if frame.get("conversationId") != self.conversation_id:
            return False
        me = self._core.user_id
        if kind == "participant.joined" and data.get("userId") == me:
            return await self._reload() if self._absent else False
        gone = kind == "message.deleted" and data.get("messageId") == self.message_id
        if gone or kind == "conversation.deleted" or (kind == "participant.left" and data.get("userId") == me):
            return self._vanish()
        mine = data.get("messageId") == self.message_id and same_emoji(data.get("emoji"), self.emoji)
        if self._absent or not mine or not isinstance(data.get("userId"), str):
            return False
        uid = data["userId"]
        if kind == "reaction.added":
            if uid in self._items or not self._loaded_all:
                return False  # already in, or beyond the window's newer end (load_more brings it)
            return await self._replace({"userId": uid, "createdAt": data.get("createdAt")})
        if kind == "reaction.removed":
            size = len(self._order)
            if not self._remove(uid):
                return False
            await self._grow_to(size)  # keep the window's size
            return True
        return False
