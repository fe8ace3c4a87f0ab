"""``subscribe_conversations``: a live, windowed list of the current user's conversations.

The window starts with the 20 most recently active conversations and grows by ``load_more`` and
by any conversation with activity after subscribing. Activity is
``max(last_message.created_at, joined_at)``, newest first (ties by id, as the server orders them).
States, ordering of work and ``load_more`` come from the windowed-subscription base; this module
says how to read the list and how each live event changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.errors import NotFoundError
from ..model.snapshots import ConversationSnapshot
from ..transport.live import Frame
from ..transport.rest import path
from ._core import Wire
from ._window import WindowedSubscription, read_window

PAGE_LIMIT = 30
"""The REST API's largest page for conversation lists."""

Snapshots = tuple[ConversationSnapshot, ...]
OnSnapshot = Callable[[Snapshots, bool], Any]


def activity(conv: Wire) -> int:
    last = conv.get("lastMessage") or {}
    return max(int(last.get("createdAt") or 0), int(conv.get("joinedAt") or 0))


class ConversationListSubscription(WindowedSubscription[ConversationSnapshot]):
    """Mirror of JS ``ConversationListSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` (1..30 more, 20 by default) and ``unsubscribe``."""

    TASK_NAME = "talkwidgets-conversations"
    INITIAL_WINDOW = 20
    DEFAULT_LOAD_MORE = 20
    MAX_LOAD_MORE = PAGE_LIMIT

    # -- reading ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        url = path("users", self._core.user_id, "conversations")
        try:
            return await read_window(self._core, url, count, after, page_limit=PAGE_LIMIT)
        except NotFoundError:
            return [], True  # the current user does not exist (yet): an empty list

    async def _fetch_one(self, key: str) -> Wire | None:
        wire: Wire | None = await self._core.call_or_none(
            "GET", path("users", self._core.user_id, "conversations", key)
        )
        return wire

    async def _build(self, item: Wire) -> ConversationSnapshot:
        return await self._core.conversation_from_wire(item)

    def _sort_key(self, item: Wire) -> tuple[int, str]:
        return activity(item), item["id"]

    # -- live events ------------------------------------------------------------------------------

    async def _apply(self, frame: Frame) -> bool:
        """Apply one event; answers whether the window changed. Every branch is idempotent."""
        kind = frame.get("type")
        cid = frame.get("conversationId")
        data = frame.get("data") or {}
        me = self._core.user_id
        if kind == "user.updated":
            uid = data.get("user", {}).get("id")
            touched = [c for c, conv in self._items.items() if (conv.get("lastMessage") or {}).get("senderId") == uid]
            await self._rebuild(touched)
            return bool(touched)
        if cid is None:
            return False
        conv = self._items.get(cid)
        if kind == "message.sent":
            msg = data["message"]
            if conv is None:
                return await self._refetch(cid)  # activity after subscribing joins the window
            last = conv.get("lastMessage")
            if last is not None and msg["createdAt"] <= last["createdAt"]:
                return False  # already reflected
            new = dict(conv, lastMessage=msg)
            if msg.get("senderId") != me and msg["createdAt"] > int(conv.get("readUntil") or 0):
                new["unreadMessageCount"] = int(conv.get("unreadMessageCount") or 0) + 1
                new["isUnread"] = True
            return await self._replace(new)
        if kind == "participant.joined" and data.get("userId") == me:
            return await self._refetch(cid)
        if kind in ("conversation.deleted",) or (kind == "participant.left" and data.get("userId") == me):
            return self._remove(cid)
        if conv is None:
            return False
        if kind == "message.updated":
            msg = data["message"]
            if (conv.get("lastMessage") or {}).get("id") != msg["id"]:
                return False
            return await self._replace(dict(conv, lastMessage=msg))
        if kind == "message.deleted":
            return await self._refetch(cid)
        if kind == "conversation.updated":
            fresh = data["conversation"]
            new = dict(conv)
            for key in ("subject", "photoUrl", "welcomeMessages", "custom", "topicId", "participants"):
                if key in fresh:
                    new[key] = fresh[key]
            return await self._replace(new)
        if kind == "conversation.read":
            uid, until = data["userId"], int(data["readUntil"])
            parts = dict(conv.get("participants") or {})
            if uid in parts:
                parts[uid] = dict(parts[uid], readUntil=until)
            new = dict(conv, participants=parts)
            if parts:
                new["everyoneReadUntil"] = min(int(p.get("readUntil") or 0) for p in parts.values())
            if uid == me:
                new.update(readUntil=until, unreadMessageCount=0, isUnread=False)
            return await self._replace(new)
        if kind in ("participant.joined", "participant.updated"):
            uid = data["userId"]
            parts = dict(conv.get("participants") or {})
            parts[uid] = dict(parts.get(uid) or {}, **data["participant"])
            new = dict(conv, participants=parts)
            if uid == me:
                new.update(access=data["participant"]["access"], notify=data["participant"]["notify"])
            return await self._replace(new)
        if kind == "participant.left":
            parts = {u: p for u, p in (conv.get("participants") or {}).items() if u != data["userId"]}
            return await self._replace(dict(conv, participants=parts))
        return False
