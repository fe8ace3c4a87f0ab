"""``subscribe_conversations``: a live, windowed list of the current user's conversations.

The window starts with the 20 most recently active conversations and grows by ``load_more`` and
by any conversation with activity after subscribing. Activity is
``max(last_message.created_at, joined_at)``, newest first (ties by id, as the server orders them).
States, ordering of work and ``load_more`` come from the windowed-subscription base; this module
says how to read the list and how each live event changes it.

With a ``filter`` the server reads only matching conversations (the emulator evaluates it in SQL;
against the TalkJS cloud, whose REST API has no filter, the session reads the plain list and
filters it itself). Live events are checked against the filter here: a conversation that stops
matching leaves the window, and one that starts matching joins it at its place, when that place
is inside the loaded range.

Each conversation is kept as its snapshot and its participants' read marks (see
``_conversation_events``), not as REST JSON: about a quarter of the memory (bench.subscription_memory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.errors import NotFoundError
from ..model.snapshots import ConversationSnapshot
from ..transport.live import Frame
from ..transport.rest import path
from ._conversation_events import REFETCH, REMOVE, SAME, Marks, conversation_change, read_marks, renamed_sender
from ._core import SessionCore, Wire
from ._filters import filter_matches, filter_query
from ._window import WindowedSubscription, read_window

PAGE_LIMIT = 30
"""The REST API's largest page for conversation lists."""

Snapshots = tuple[ConversationSnapshot, ...]
OnSnapshot = Callable[[Snapshots, bool], Any]


def may_start_matching(frame: Frame, me: str) -> bool:
    """Whether an event can make a conversation outside the window start matching a filter: a
    change of its subject or custom data, of the current user's unread state or access, or of
    whether it has messages."""
    kind = frame.get("type")
    if kind in ("conversation.updated", "message.deleted"):
        return True
    return kind in ("conversation.read", "participant.updated") and (frame.get("data") or {}).get("userId") == me


def activity(conv: ConversationSnapshot) -> int:
    """``max(last message time, joined_at)``: the list's order (the server's ``lastActivityAt``)."""
    last = conv.last_message
    return max(last.created_at if last is not None else 0, conv.joined_at)


def filter_view(conv: ConversationSnapshot) -> Wire:
    """What a filter reads of a conversation, in the REST JSON form ``filter_matches`` takes."""
    last = conv.last_message
    return {
        "access": conv.access,
        "subject": conv.subject,
        "isUnread": conv.is_unread,
        "lastMessage": None if last is None else {"createdAt": last.created_at},
        "joinedAt": conv.joined_at,
        "createdAt": conv.created_at,
        "custom": conv.custom,
    }


class ConversationListSubscription(WindowedSubscription[ConversationSnapshot, Snapshots]):
    """Mirror of JS ``ConversationListSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` (1..30 more, 20 by default) and ``unsubscribe``."""

    TASK_NAME = "talkwidgets-conversations"
    INITIAL_WINDOW = 20
    DEFAULT_LOAD_MORE = 20
    MAX_LOAD_MORE = PAGE_LIMIT

    def __init__(self, core: SessionCore, on_snapshot: OnSnapshot | None, *, wire_filter: Any = None) -> None:
        self._filter = wire_filter
        """The filter in its wire form (checked by the caller), or None."""
        super().__init__(core, on_snapshot)

    # -- reading ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        url = path("users", self._core.user_id, "conversations")
        try:
            if self._filter is None:
                return await read_window(self._core, url, count, after, page_limit=PAGE_LIMIT)
            if not self._core.is_cloud:
                params = {"filter": filter_query(self._filter)}
                return await read_window(self._core, url, count, after, page_limit=PAGE_LIMIT, params=params)
            return await self._read_filtered_locally(url, count, after)
        except NotFoundError:
            return [], True  # the current user does not exist (yet): an empty list

    async def _read_filtered_locally(self, url: str, count: int, after: str | None) -> tuple[list[Wire], bool]:
        """For a server without filters: read plain pages until ``count`` + 1 conversations match."""
        got: list[Wire] = []
        cursor = after
        while len(got) <= count:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor:
                params["startingAfter"] = cursor
            page: list[Wire] = (await self._core.call("GET", url, params=params))["data"]
            got.extend(conv for conv in page if filter_matches(self._filter, conv))
            if len(page) < PAGE_LIMIT:
                return got[:count], len(got) <= count
            cursor = page[-1]["id"]
        return got[:count], False

    async def _fetch_one(self, key: str) -> Wire | None:
        wire: Wire | None = await self._core.user_conversation_wire(key)
        if wire is not None and self._filter is not None and not filter_matches(self._filter, wire):
            return None
        return wire

    async def _build(self, item: Wire) -> ConversationSnapshot:
        return await self._core.conversation_from_wire(item)

    def _keep(self, item: Wire, snapshot: ConversationSnapshot) -> Marks | None:
        return read_marks(item, snapshot) or None  # None: no marks to keep (see ``Marks``)

    def _sort_key(self, snapshot: ConversationSnapshot) -> tuple[int, str]:
        return activity(snapshot), snapshot.id

    # -- live events ------------------------------------------------------------------------------

    async def _apply(self, frame: Frame) -> bool:
        """Apply one event; answers whether the window changed. Every branch is idempotent."""
        if frame.get("type") == "user.updated":
            uid = frame["data"]["user"]["id"]
            changed = False
            for key, held in list(self._snaps.items()):
                renamed = await renamed_sender(self._core, held, uid)
                if renamed is not None:
                    changed = self._store(key, renamed, self._items.get(key)) or changed
            return changed
        cid = frame.get("conversationId")
        if not isinstance(cid, str):
            return False
        conv = self._snaps.get(cid)
        change = await conversation_change(self._core, conv, self._items.get(cid, ()), frame)
        if change == SAME:
            if conv is None and self._filter is not None and may_start_matching(frame, self._core.user_id):
                return await self._admit(cid)
            return False
        if change == REFETCH:
            return await self._admit(cid)
        if change == REMOVE:
            return self._remove(cid)
        assert isinstance(change, tuple)
        snapshot, marks = change
        if self._filter is not None and not filter_matches(self._filter, filter_view(snapshot)):
            return self._remove(cid)
        return self._store(cid, snapshot, marks or None)

    async def _admit(self, cid: str) -> bool:
        """Re-read one conversation: it joins (when its place is inside the loaded range), changes,
        or leaves the window."""
        item = await self._fetch_one(cid)
        if item is None:
            return self._remove(cid)
        snapshot = await self._build(item)
        outside = (
            cid not in self._snaps
            and not self._loaded_all
            and bool(self._order)
            and self._sort_key(snapshot) < self._order_key(self._order[0])
        )
        if outside:
            return False  # older than everything loaded: load_more will bring it
        return self._store(cid, snapshot, self._keep(item, snapshot))

    def _snapshot(self) -> Snapshots:
        return self._window()
