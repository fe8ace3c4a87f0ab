"""``subscribe_conversations``: a live, windowed list of the current user's conversations.

The window starts with the 20 most recently active conversations and grows by ``load_more`` and
by any conversation with activity after subscribing. Activity is
``max(last_message.created_at, joined_at)``, newest first. Everything that changes the window runs
in one task, in order: the initial load, live events, ``load_more`` and resyncs. Applying an event
twice is harmless, which is what makes the initial load and reconnects gap-free.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from ..model.errors import InvalidArgumentError, NotFoundError, SubscriptionTerminatedError, TalkError
from ..model.snapshots import ConversationSnapshot
from ..model.states import ActiveState, ErrorState, PendingState, UnsubscribedState
from ..transport.rest import path

if TYPE_CHECKING:
    from ._session import TalkSession

log = logging.getLogger("talkwidgets.session")

INITIAL_WINDOW = 20
PAGE_LIMIT = 30
"""The REST API's largest page for conversation lists."""

Snapshots = tuple[ConversationSnapshot, ...]
OnSnapshot = Callable[[Snapshots, bool], Any]
State = Union[PendingState, ActiveState, UnsubscribedState, ErrorState]
Wire = dict[str, Any]


def activity(conv: Wire) -> int:
    last = conv.get("lastMessage") or {}
    return max(int(last.get("createdAt") or 0), int(conv.get("joinedAt") or 0))


class ConversationListSubscription:
    """Mirror of JS ``ConversationListSubscription``: ``state``, ``connected``, ``terminated``,
    ``load_more`` and ``unsubscribe``."""

    def __init__(self, session: TalkSession, on_snapshot: OnSnapshot | None) -> None:
        loop = asyncio.get_running_loop()
        self._session = session
        self._on_snapshot = on_snapshot
        self._state: State = PendingState()
        self.connected: asyncio.Future[ActiveState] = loop.create_future()
        """Resolves with the first active state; raises ``SubscriptionTerminatedError`` if it ends first."""
        self.terminated: asyncio.Future[UnsubscribedState | ErrorState] = loop.create_future()
        """Resolves (never raises) once the subscription has stopped for good."""
        self._convs: dict[str, Wire] = {}
        self._snaps: dict[str, ConversationSnapshot] = {}
        self._order: list[str] = []
        """Loaded conversation ids, least recently active first (emitted reversed)."""
        self._loaded_all = False
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = loop.create_task(self._run(), name="talkwidgets-conversations")

    # -- public API -----------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    async def load_more(self, count: int = 20) -> None:
        """Load ``count`` (1..30) older conversations beyond those loaded; resolves when they are in."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= PAGE_LIMIT:
            raise InvalidArgumentError(f"count must be an integer from 1 to {PAGE_LIMIT}, got {count!r}")
        if self.terminated.done():
            raise SubscriptionTerminatedError(self._state, "the subscription has ended")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(("load_more", len(self._order) + count, done))
        await done

    def unsubscribe(self) -> None:
        """Stop receiving updates; safe to call more than once."""
        if self.terminated.done():
            return
        self._finish(UnsubscribedState())

    # -- the task ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._session._attach(self)
            await self._load_more_to(INITIAL_WINDOW)
            self._emit()
            while True:
                item = await self._queue.get()
                kind = item[0]
                if kind == "frame":
                    if await self._apply(item[1]):
                        self._emit()
                elif kind == "load_more":
                    await self._serve_load_more(item[1], item[2])
                elif kind == "resync" and await self._resync():
                    self._emit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._finish(ErrorState(error=exc))

    def _deliver(self, item: tuple[Any, ...]) -> None:
        """Called by the session for each live frame (or resync request)."""
        if not self.terminated.done():
            self._queue.put_nowait(item)

    async def _serve_load_more(self, target: int, done: asyncio.Future[None]) -> None:
        try:
            if len(self._order) < target and not self._loaded_all:
                await self._load_more_to(target)
                self._emit()
        except Exception as exc:
            if not done.done():
                done.set_exception(exc)
            raise
        if not done.done():
            done.set_result(None)

    # -- loading ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        """Up to ``count`` conversations after ``after`` and whether that was all of them."""
        got: list[Wire] = []
        cursor = after
        want = count + 1  # one extra tells whether more exist
        me = self._session.current_user.id
        while len(got) < want:
            limit = min(PAGE_LIMIT, want - len(got))
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["startingAfter"] = cursor
            try:
                page = (await self._session._call("GET", path("users", me, "conversations"), params=params))["data"]
            except NotFoundError:
                return [], True  # the current user does not exist (yet): an empty list
            got.extend(page)
            if len(page) < limit:
                return got[:count], len(got) <= count
            cursor = page[-1]["id"]
        return got[:count], False

    async def _load_more_to(self, target: int) -> None:
        need = target - len(self._order)
        if need <= 0 or self._loaded_all:
            return
        page, exhausted = await self._fetch(need, self._order[0] if self._order else None)
        for conv in page:
            if conv["id"] not in self._convs:
                self._convs[conv["id"]] = conv
        self._loaded_all = exhausted
        await self._rebuild(c["id"] for c in page)

    async def _resync(self) -> bool:
        """Re-read the whole window (after a feed resync, or each poll against the cloud).

        Answers whether anything changed; unchanged conversations keep their snapshot objects.
        """
        size = max(len(self._order), INITIAL_WINDOW)
        page, exhausted = await self._fetch(size, None)
        fresh = {c["id"]: c for c in page}
        changed = [cid for cid, conv in fresh.items() if self._convs.get(cid) != conv]
        if not changed and fresh.keys() == self._convs.keys() and exhausted == self._loaded_all:
            return False
        self._convs = fresh
        self._snaps = {cid: s for cid, s in self._snaps.items() if cid in fresh}
        self._order = [cid for cid in self._order if cid in fresh]
        self._loaded_all = exhausted
        await self._rebuild(changed)
        if len(self._order) != len(fresh):
            self._order = sorted(fresh, key=self._key)
        return True

    async def _refetch(self, cid: str) -> bool:
        """Read one conversation again; it joins the window, or leaves it if we are no longer in it."""
        me = self._session.current_user.id
        conv = await self._session._call_or_none("GET", path("users", me, "conversations", cid))
        if conv is None:
            return self._remove(cid)
        self._convs[cid] = conv
        await self._rebuild([cid])
        return True

    # -- live events ------------------------------------------------------------------------------

    async def _apply(self, frame: dict[str, Any]) -> bool:
        """Apply one event; answers whether the window changed. Every branch is idempotent."""
        kind = frame.get("type")
        cid = frame.get("conversationId")
        data = frame.get("data") or {}
        me = self._session.current_user.id
        if kind == "resync" or frame.get("op") == "resync":
            return await self._resync()
        if kind == "user.updated":
            uid = data.get("user", {}).get("id")
            touched = [c for c, conv in self._convs.items() if (conv.get("lastMessage") or {}).get("senderId") == uid]
            await self._rebuild(touched)
            return bool(touched)
        if cid is None:
            return False
        conv = self._convs.get(cid)
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

    async def _replace(self, conv: Wire) -> bool:
        if conv == self._convs.get(conv["id"]):
            return False
        self._convs[conv["id"]] = conv
        await self._rebuild([conv["id"]])
        return True

    def _remove(self, cid: str) -> bool:
        if cid not in self._convs:
            return False
        del self._convs[cid]
        self._snaps.pop(cid, None)
        self._order.remove(cid)
        return True

    def _key(self, cid: str) -> tuple[int, str]:
        return activity(self._convs[cid]), cid

    async def _rebuild(self, cids: Any) -> None:
        """Make snapshots for changed conversations (others keep their identity) and re-order.

        One changed conversation moves by bisection (the common case: a new message); more are
        re-sorted. The server's order is the same: activity, then id, both descending.
        """
        changed = [cid for cid in dict.fromkeys(cids) if cid in self._convs]
        for cid in changed:
            self._snaps[cid] = await self._session._conversation_from_wire(self._convs[cid])
        if len(changed) == 1 and len(self._order) + 1 >= len(self._convs):
            cid = changed[0]
            with contextlib.suppress(ValueError):  # absent when it just joined the window
                self._order.remove(cid)
            bisect.insort(self._order, cid, key=self._key)
        else:
            self._order = sorted(self._convs, key=self._key)

    # -- state ------------------------------------------------------------------------------------

    def _emit(self) -> None:
        snapshots = tuple(self._snaps[cid] for cid in reversed(self._order))
        self._state = ActiveState(latest_snapshot=snapshots, loaded_all=self._loaded_all)
        if not self.connected.done():
            self.connected.set_result(self._state)
        if self._on_snapshot is not None:
            try:
                result = self._on_snapshot(snapshots, self._loaded_all)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:  # a faulty callback must not end the subscription
                log.exception("on_snapshot callback raised")

    def _finish(self, state: UnsubscribedState | ErrorState) -> None:
        if self.terminated.done():
            return
        self._state = state
        if not self.connected.done():
            error = state.error if isinstance(state, ErrorState) else None
            self.connected.set_exception(
                SubscriptionTerminatedError(
                    state, f"the subscription ended before it connected{f': {error}' if error else ''}"
                )
            )
            self.connected.exception()  # mark retrieved (no "never retrieved" warning)
        self.terminated.set_result(state)
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._session._detach(self)

    def _fail(self, error: TalkError | BaseException) -> None:
        self._finish(ErrorState(error=error))
