"""``ConversationRef.subscribe_participants`` and ``ParticipantRef.subscribe``.

The participant list is a window of the 10 most recently joined (ties: user id descending, the
server's order), grown into the past by ``load_more`` (1..50) and taking in every new participant.
It is read from ``GET /conversations/{id}/participants`` (an emulator route); against the TalkJS
cloud, from the conversation's ``participants`` map. One participant is read from the
conversation as the current user sees it. Both are ``None`` while the current user is not in the
conversation (or it does not exist); a single participant is also ``None`` while that user is not
in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.errors import NotFoundError, PermissionDeniedError
from ..model.snapshots import ParticipantSnapshot, UserSnapshot
from ..model.wire import participant_from_wire
from ..transport.live import Frame
from ..transport.rest import path
from ._core import SessionCore, Wire
from ._single import SingleSubscription
from ._window import Gone, MemberWindow, read_window

PAGE_LIMIT = 50
"""The participants route's largest page."""
FIELDS = ("access", "notify", "joinedAt")

OnParticipants = Callable[[tuple[ParticipantSnapshot, ...] | None, bool], Any]
OnParticipant = Callable[[ParticipantSnapshot | None], Any]


def entry(user_id: str, participant: Wire) -> Wire:
    """The part of a participant's JSON a snapshot shows (``readUntil`` changes with every read)."""
    return {"userId": user_id, **{k: participant[k] for k in FIELDS if k in participant}}


def entry_order(item: Wire) -> tuple[int, str]:
    """A participant's place in the window, from its entry (the sort key of its snapshot)."""
    return int(item.get("joinedAt") or 0), item["userId"]


async def participant_snapshot(core: SessionCore, item: Wire) -> ParticipantSnapshot:
    user = await core.user_snapshot(item["userId"])
    return participant_from_wire(user if user is not None else UserSnapshot(id=item["userId"], name=""), item)


class ParticipantSubscription(MemberWindow[ParticipantSnapshot]):
    """Mirror of JS ``ParticipantSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` (1..50 more, 10 by default) and ``unsubscribe``."""

    TASK_NAME = "talkwidgets-participants"
    INITIAL_WINDOW = 10
    DEFAULT_LOAD_MORE = 10
    MAX_LOAD_MORE = PAGE_LIMIT

    def __init__(self, core: SessionCore, conversation_id: str, on_snapshot: OnParticipants | None) -> None:
        self.conversation_id = conversation_id
        super().__init__(core, on_snapshot)

    # -- reading ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        conv = await self._core.user_conversation_wire(self.conversation_id) if after is None else None
        if after is None and conv is None:
            raise Gone  # checked for every credential: an app-level one could read any conversation
        if self._core.is_cloud:
            if conv is None:
                conv = await self._core.user_conversation_wire(self.conversation_id)
                if conv is None:
                    raise Gone
            everyone = sorted(
                (entry(uid, p) for uid, p in (conv.get("participants") or {}).items()),
                key=entry_order,
                reverse=True,
            )
            start = next((n + 1 for n, item in enumerate(everyone) if item["userId"] == after), 0)
            return everyone[start : start + count], start + count >= len(everyone)
        url = path("conversations", self.conversation_id, "participants")
        try:
            page, exhausted = await read_window(self._core, url, count, after, page_limit=PAGE_LIMIT, key="userId")
        except (NotFoundError, PermissionDeniedError) as exc:
            raise Gone from exc
        return [entry(item["userId"], item) for item in page], exhausted

    async def _fetch_one(self, key: str) -> Wire | None:
        conv = await self._core.user_conversation_wire(self.conversation_id)
        if conv is None:
            raise Gone
        found = (conv.get("participants") or {}).get(key)
        return entry(key, found) if isinstance(found, dict) else None

    async def _build(self, item: Wire) -> ParticipantSnapshot:
        return await participant_snapshot(self._core, item)

    def _key(self, item: Wire) -> str:
        return str(item["userId"])

    def _sort_key(self, snapshot: ParticipantSnapshot) -> tuple[int, str]:
        return snapshot.joined_at, snapshot.user.id

    # -- live events ------------------------------------------------------------------------------

    async def _apply(self, frame: Frame) -> bool:
        kind = frame.get("type")
        data = frame.get("data") or {}
        if kind == "user.updated":
            uid = data["user"].get("id")
            return await self._rebuild([uid])
        if frame.get("conversationId") != self.conversation_id:
            return False
        uid = data.get("userId")
        me = self._core.user_id
        if kind == "participant.joined" and uid == me and self._absent:
            return await self._reload()
        if kind == "conversation.deleted" or (kind == "participant.left" and uid == me):
            return self._vanish()
        if self._absent or not isinstance(uid, str):
            return False
        if kind in ("participant.joined", "participant.updated"):
            item = entry(uid, dict(self._items.get(uid) or {}, **data["participant"]))
            outside = uid not in self._items and not self._loaded_all and bool(self._order)
            if outside and entry_order(item) < self._order_key(self._order[0]):
                return False  # joined before everything loaded (a replay): load_more brings it
            return await self._replace(item)
        if kind == "participant.left":
            size = len(self._order)
            if not self._remove(uid):
                return False
            await self._grow_to(size)  # keep the window's size
            return True
        return False


class SingleParticipantSubscription(SingleSubscription[ParticipantSnapshot]):
    """Mirror of JS ``SingleParticipantSubscription``."""

    TASK_NAME = "talkwidgets-participant"

    def __init__(
        self, core: SessionCore, conversation_id: str, user_id: str, on_snapshot: OnParticipant | None
    ) -> None:
        self.conversation_id = conversation_id
        self.user_id = user_id
        self._item: Wire | None = None
        super().__init__(core, on_snapshot)

    async def _read(self) -> ParticipantSnapshot | None:
        conv = await self._core.user_conversation_wire(self.conversation_id)
        found = (conv or {}).get("participants", {}).get(self.user_id)
        self._item = entry(self.user_id, found) if isinstance(found, dict) else None
        return await self._build()

    async def _build(self) -> ParticipantSnapshot | None:
        return None if self._item is None else await participant_snapshot(self._core, self._item)

    async def _apply(self, frame: Frame) -> bool:
        kind = frame.get("type")
        data = frame.get("data") or {}
        if kind == "user.updated":
            return data["user"].get("id") == self.user_id and self._set(await self._build())
        if frame.get("conversationId") != self.conversation_id:
            return False
        uid = data.get("userId")
        if kind == "conversation.deleted" or (kind == "participant.left" and uid in (self.user_id, self._core.user_id)):
            self._item = None
            return self._set(None)
        if kind == "participant.joined" and uid == self._core.user_id and uid != self.user_id:
            return self._set(await self._read())  # the current user joined: now they can see it
        if kind in ("participant.joined", "participant.updated") and uid == self.user_id:
            self._item = entry(uid, dict(self._item or {}, **data["participant"]))
            return self._set(await self._build())
        return False
