"""``ConversationRef.subscribe_messages``: a conversation's messages, newest first, live.

The window starts with the 30 newest messages, grows into the past by ``load_more`` (1..100) and
takes in every new message. Messages are read through the emulator's user-view routes
(``GET /users/{me}/conversations/{id}/messages``), which give each message's reactions with
``currentUserReacted`` and a reply's ``referencedMessage``; against the TalkJS cloud the plain
messages route is used and replies are resolved with one read each (cached). A live reply to a
message in the window quotes the window's copy; only a reply to an older one costs a read.

Live: ``message.sent`` adds, ``message.updated`` replaces, ``message.deleted`` removes (and the
window takes in one older message, so it keeps its size), reactions update the message's summary,
and a reply follows what happens to the message it quotes (edited, deleted: ``None``).
``latest_snapshot`` is ``None`` while the conversation does not exist or the user is not in it,
again when the user leaves or the conversation is deleted, and the window loads afresh when the
user joins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.errors import NotFoundError, PermissionDeniedError
from ..model.snapshots import MessageSnapshot
from ..transport.live import Frame
from ..transport.rest import path
from ._conversation_events import keep_viewer_fields, with_reaction
from ._core import SessionCore, Wire
from ._window import Gone, MemberWindow, read_window

PAGE_LIMIT = 100
"""The REST API's largest page of messages."""

OnMessages = Callable[[tuple[MessageSnapshot, ...] | None, bool], Any]


def quoted(message: Wire) -> Wire:
    """A message as a reply quotes it: one level deep (its own ``referencedMessage`` left out)."""
    return {k: v for k, v in message.items() if k != "referencedMessage"}


def message_order(message: Wire) -> tuple[int, str]:
    """A message's place in the window, from its JSON (the sort key of its snapshot)."""
    return int(message.get("createdAt") or 0), message["id"]


class MessageSubscription(MemberWindow[MessageSnapshot]):
    """Mirror of JS ``MessageSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` (1..100 older messages, 30 by default) and ``unsubscribe``."""

    TASK_NAME = "talkwidgets-messages"
    INITIAL_WINDOW = 30
    DEFAULT_LOAD_MORE = 30
    MAX_LOAD_MORE = PAGE_LIMIT

    def __init__(self, core: SessionCore, conversation_id: str, on_snapshot: OnMessages | None) -> None:
        self.conversation_id = conversation_id
        self._quotes: dict[str, Wire | None] = {}
        """Against the cloud: replies' referenced messages read so far (``None``: deleted)."""
        super().__init__(core, on_snapshot)

    # -- reading ----------------------------------------------------------------------------------

    def _url(self, *rest: str) -> str:
        if self._core.is_cloud:
            return path("conversations", self.conversation_id, "messages", *rest)
        return path("users", self._core.user_id, "conversations", self.conversation_id, "messages", *rest)

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        cloud = self._core.is_cloud
        if cloud and after is None and await self._core.user_conversation_wire(self.conversation_id) is None:
            raise Gone  # the cloud's messages route does not check that the user is a participant
        try:
            page, exhausted = await read_window(self._core, self._url(), count, after, page_limit=PAGE_LIMIT)
        except (NotFoundError, PermissionDeniedError) as exc:
            raise Gone from exc
        return [await self._with_quote(item) for item in page], exhausted

    async def _fetch_one(self, key: str) -> Wire | None:
        try:
            wire: Wire | None = await self._core.call_or_none("GET", self._url(key))
        except PermissionDeniedError as exc:
            raise Gone from exc
        return None if wire is None else await self._with_quote(wire)

    async def _with_quote(self, item: Wire) -> Wire:
        """Against the cloud, fill in ``referencedMessage`` (the emulator's routes already do)."""
        ref_id = item.get("referencedMessageId")
        if not self._core.is_cloud or not ref_id or "referencedMessage" in item:
            return item
        if ref_id in self._items:
            return dict(item, referencedMessage=quoted(self._items[ref_id]))
        if ref_id not in self._quotes:
            url = path("conversations", self.conversation_id, "messages", ref_id)
            found = await self._core.call_or_none("GET", url)
            self._quotes[ref_id] = None if found is None else quoted(found)
        return dict(item, referencedMessage=self._quotes[ref_id])

    async def _build(self, item: Wire) -> MessageSnapshot:
        return await self._core.message_snapshot(item)

    def _sort_key(self, snapshot: MessageSnapshot) -> tuple[int, str]:
        return snapshot.created_at, snapshot.id

    # -- live events ------------------------------------------------------------------------------

    async def _apply(self, frame: Frame) -> bool:
        """Apply one event; answers whether the window changed. Every branch is idempotent."""
        kind = frame.get("type")
        data = frame.get("data") or {}
        if kind == "user.updated":
            uid = data["user"].get("id")
            touched = [
                key
                for key, m in self._items.items()
                if m.get("senderId") == uid or (m.get("referencedMessage") or {}).get("senderId") == uid
            ]
            return await self._rebuild(touched)
        if frame.get("conversationId") != self.conversation_id:
            return False
        me = self._core.user_id
        if kind == "participant.joined" and data.get("userId") == me:
            return await self._reload() if self._absent else False
        if kind == "conversation.deleted" or (kind == "participant.left" and data.get("userId") == me):
            return self._vanish()
        if self._absent:
            return False
        if kind == "message.sent":
            return await self._sent(data["message"])
        if kind == "message.updated":
            return await self._updated(data["message"])
        if kind == "message.deleted":
            return await self._deleted(data["messageId"])
        if kind in ("reaction.added", "reaction.removed"):
            added = kind == "reaction.added"
            mid = data.get("messageId")
            changed = False
            if mid in self._items:
                changed = await self._replace(with_reaction(self._items[mid], data, added, me))
            return await self._quoting(mid, lambda q: with_reaction(q, data, added, me)) or changed
        return False

    async def _sent(self, msg: Wire) -> bool:
        mid = msg["id"]
        if mid in self._items:
            return False  # already in (the initial read, or a replay, saw it): later events edit it
        if not self._loaded_all and self._order and message_order(msg) < self._order_key(self._order[0]):
            return False  # older than the window (a replay from before it was read)
        ref_id = msg.get("referencedMessageId")
        if ref_id and ref_id in self._items:
            # a reply to a message in the window (the usual case) quotes what the window holds,
            # kept current by the same events: no read
            return await self._replace(
                dict(msg, reactions=msg.get("reactions") or [], referencedMessage=quoted(self._items[ref_id]))
            )
        if ref_id:
            try:
                item = await self._fetch_one(mid)  # the viewer's route resolves the quote
            except Gone:
                return self._vanish()
            return False if item is None else await self._replace(item)
        return await self._replace(dict(msg, reactions=[]) if "reactions" not in msg else msg)

    async def _updated(self, msg: Wire) -> bool:
        mid = msg["id"]
        old = self._items.get(mid)
        changed = False
        if old is not None and int(msg.get("editedAt") or 0) >= int(old.get("editedAt") or 0):
            changed = await self._replace(keep_viewer_fields(msg, old))
        return await self._quoting(mid, lambda q: dict(quoted(msg), reactions=q.get("reactions", []))) or changed

    async def _deleted(self, mid: str) -> bool:
        size = len(self._order)
        removed = self._remove(mid)
        if removed:
            await self._grow_to(size)  # keep the window's size: take in one older message
        return await self._quoting(mid, lambda q: None) or removed

    async def _quoting(self, mid: Any, change: Callable[[Wire], Wire | None]) -> bool:
        """Apply ``change`` to the quote of ``mid`` in every loaded reply to it."""
        replies = [key for key, m in self._items.items() if m.get("referencedMessageId") == mid]
        changed = []
        for key in replies:
            item = self._items[key]
            quote = item.get("referencedMessage")
            new_quote = change(quote) if isinstance(quote, dict) else None
            if new_quote != quote:
                self._items[key] = dict(item, referencedMessage=new_quote)
                changed.append(key)
        if isinstance(mid, str) and mid in self._quotes:
            self._quotes.pop(mid)
        return await self._rebuild(changed)
