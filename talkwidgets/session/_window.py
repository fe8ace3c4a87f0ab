"""``WindowedSubscription``: a subscription to an ordered window of items that grows by ``load_more``.

The layer between :class:`~talkwidgets.session._subscription.Subscription` and the windowed kinds
(conversation list, messages, participants, reactions). It keeps, per item key, the item's REST
JSON (what live events patch) and its snapshot (what is emitted; rebuilt only for items that
changed, so unchanged snapshots keep their identity), the keys in order, and ``loaded_all``.

The contract, for a subclass (besides the base's ``_apply`` and ``TASK_NAME``):

- class parameters ``INITIAL_WINDOW`` (items read before the first emit), ``DEFAULT_LOAD_MORE``
  and ``MAX_LOAD_MORE`` (``load_more(count)`` takes 1..``MAX_LOAD_MORE``). The TalkJS values:
  conversations 20/20/30, messages 30/30/100, participants 10/10/50, reactions 10/10/100.
- ``async _fetch(count, after) -> (items, exhausted)``: up to ``count`` items that come after item
  key ``after`` in display order (``None``: from the first), and whether no more exist. For a REST
  list with ``limit``/``startingAfter``, :func:`read_window` does exactly this.
- ``async _fetch_one(key) -> item | None``: one item again (``None``: it left the window for good).
- ``async _build(item) -> snapshot``: the snapshot of one item.
- ``_sort_key(item)``: display order is *descending* by this key (newest first), and it must be
  the server's own order, ties included, so that paging by ``after`` never skips or repeats.
- ``_key(item)``: the item's key (default ``item["id"]``).
- ``_snapshot()``: what ``latest_snapshot`` is; ``_window()`` gives the loaded items' snapshots
  in display order. ``W`` is that type: ``tuple[S, ...]``, or ``tuple[S, ...] | None`` for the
  windows of :class:`MemberWindow`, which are ``None`` while their parent (a conversation, a
  message) is not visible to the current user.

In ``_apply``, change the window only through ``_replace(item)`` (put a changed item; it moves to
its place), ``_remove(key)`` and ``_refetch(key)`` (re-read one item: it joins, changes, or
leaves). Each answers whether anything changed and is idempotent. ``_resync`` and
``load_more`` are done here: a resync re-reads as many items as are loaded (at least
``INITIAL_WINDOW``), replaces what changed and emits only if something did.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from ..model.errors import InvalidArgumentError, SubscriptionTerminatedError, TalkRequestError
from ..model.states import ActiveState
from ._core import SessionCore, Wire
from ._subscription import Subscription

S = TypeVar("S")
"""The snapshot type of one item."""
W = TypeVar("W")
"""The type of ``latest_snapshot``: ``tuple[S, ...]``, or that or ``None``."""


async def read_window(
    core: SessionCore,
    url: str,
    count: int,
    after: str | None,
    *,
    page_limit: int,
    key: str | Callable[[Wire], str] = "id",
    params: Mapping[str, Any] | None = None,
    exact: bool = True,
) -> tuple[list[Wire], bool]:
    """Up to ``count`` items of a REST list after ``after`` and whether that was all of them.

    Pages with ``limit`` (at most ``page_limit``) and ``startingAfter`` (the ``key`` field of the
    last item read, or what ``key(item)`` answers), and reads one item more than asked: only that
    extra item tells "exactly ``count`` left" from "more than ``count``". ``params`` go into every
    request. With ``exact=False`` it reads no extra item (one request less when ``count`` is a
    whole page): "all of them" is then only known once a page comes back short.
    """
    got: list[Wire] = []
    cursor = after
    want = count + 1 if exact else count
    while len(got) < want:
        limit = min(page_limit, want - len(got))
        query: dict[str, Any] = dict(params or {}, limit=limit)
        if cursor:
            query["startingAfter"] = cursor
        page: list[Wire] = (await core.call("GET", url, params=query))["data"]
        got.extend(page)
        if len(page) < limit:
            return got[:count], len(got) <= count if exact else True
        cursor = key(page[-1]) if callable(key) else page[-1][key]
    return got[:count], False


class WindowedSubscription(Subscription[W], Generic[S, W]):
    """A window of items, newest first, with ``load_more``; see the module docstring."""

    INITIAL_WINDOW: ClassVar[int] = 20
    DEFAULT_LOAD_MORE: ClassVar[int] = 20
    MAX_LOAD_MORE: ClassVar[int] = 30

    def __init__(self, core: SessionCore, on_snapshot: Callable[..., Any] | None) -> None:
        self._items: dict[str, Wire] = {}
        self._snaps: dict[str, S] = {}
        self._order: list[str] = []
        """Loaded keys, ascending by ``_sort_key`` (emitted reversed: newest first)."""
        self._loaded_all = False
        super().__init__(core, on_snapshot)

    # -- public API -----------------------------------------------------------------------------

    async def load_more(self, count: int | None = None) -> None:
        """Load ``count`` more items beyond those loaded (default ``DEFAULT_LOAD_MORE``, at most
        ``MAX_LOAD_MORE``); resolves when they are in. ``count`` is relative to what is loaded when
        called, so two concurrent calls do not add up."""
        if count is None:
            count = self.DEFAULT_LOAD_MORE
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= self.MAX_LOAD_MORE:
            raise InvalidArgumentError(f"count must be an integer from 1 to {self.MAX_LOAD_MORE}, got {count!r}")
        if self.terminated.done():
            raise SubscriptionTerminatedError(self._state, "the subscription has ended")
        target = len(self._order) + count
        await self._run_in_order(lambda: self._grow_to(target))

    # -- hooks ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        raise NotImplementedError

    async def _fetch_one(self, key: str) -> Wire | None:
        raise NotImplementedError

    async def _build(self, item: Wire) -> S:
        raise NotImplementedError

    def _sort_key(self, item: Wire) -> Any:
        raise NotImplementedError

    def _key(self, item: Wire) -> str:
        return str(item["id"])

    # -- the base's hooks -----------------------------------------------------------------------

    async def _load(self) -> None:
        await self._grow_to(self.INITIAL_WINDOW)

    def _window(self) -> tuple[S, ...]:
        return tuple(self._snaps[key] for key in reversed(self._order))

    def _active_state(self, snapshot: W) -> ActiveState[W]:
        return ActiveState(latest_snapshot=snapshot, loaded_all=self._loaded_all)

    def _callback_args(self, state: ActiveState[W]) -> tuple[Any, ...]:
        return (state.latest_snapshot, state.loaded_all)

    async def _resync(self) -> bool:
        """Re-read the whole window; answers whether anything changed (unchanged items keep their
        snapshot objects)."""
        return await self._reread(max(len(self._order), self.INITIAL_WINDOW))

    async def _reread(self, size: int) -> bool:
        """Read the first ``size`` items afresh and make them the window (see ``_resync``)."""
        page, exhausted = await self._fetch(size, None)
        fresh = {self._key(item): item for item in page}
        changed = [key for key, item in fresh.items() if self._items.get(key) != item]
        if not changed and fresh.keys() == self._items.keys() and exhausted == self._loaded_all:
            return False
        self._items = fresh
        self._snaps = {key: snap for key, snap in self._snaps.items() if key in fresh}
        self._order = [key for key in self._order if key in fresh]
        self._loaded_all = exhausted
        await self._rebuild(changed)
        if len(self._order) != len(fresh):
            self._order = sorted(fresh, key=self._order_key)
        return True

    # -- changing the window --------------------------------------------------------------------

    async def _grow_to(self, target: int) -> bool:
        """Load older items until ``target`` are loaded or none are left."""
        need = target - len(self._order)
        if need <= 0 or self._loaded_all:
            return False
        after = self._order[0] if self._order else None
        try:
            page, exhausted = await self._fetch(need, after)
        except TalkRequestError as exc:
            if after is None or exc.status != 400:
                raise
            # The server no longer knows the cursor (the oldest loaded item was deleted, or left,
            # and its event has not reached us yet): read the window from the start instead.
            return await self._reread(target)
        for item in page:
            self._items.setdefault(self._key(item), item)
        self._loaded_all = exhausted
        await self._rebuild(self._key(item) for item in page)
        return True

    async def _refetch(self, key: str) -> bool:
        """Read one item again; it joins the window, or leaves it if it is gone."""
        item = await self._fetch_one(key)
        if item is None:
            return self._remove(key)
        self._items[key] = item
        await self._rebuild([key])
        return True

    async def _replace(self, item: Wire) -> bool:
        key = self._key(item)
        if item == self._items.get(key):
            return False
        self._items[key] = item
        await self._rebuild([key])
        return True

    def _remove(self, key: str) -> bool:
        if key not in self._items:
            return False
        del self._items[key]
        self._snaps.pop(key, None)
        self._order.remove(key)
        return True

    def _order_key(self, key: str) -> Any:
        return self._sort_key(self._items[key])

    async def _rebuild(self, keys: Iterable[str]) -> None:
        """Make snapshots for changed items (others keep their identity) and re-order.

        One changed item moves by bisection (the common case: a new message); more are re-sorted.
        """
        changed = [key for key in dict.fromkeys(keys) if key in self._items]
        for key in changed:
            self._snaps[key] = await self._build(self._items[key])
        if len(changed) == 1 and len(self._order) + 1 >= len(self._items):
            key = changed[0]
            with contextlib.suppress(ValueError):  # absent when it just joined the window
                self._order.remove(key)
            bisect.insort(self._order, key, key=self._order_key)
        else:
            self._order = sorted(self._items, key=self._order_key)


class Gone(Exception):
    """Raised by a :class:`MemberWindow`'s ``_fetch`` when the window's parent is not visible."""


class MemberWindow(WindowedSubscription[S, tuple[S, ...] | None]):
    """A window inside something the current user may not see (a conversation, a message).

    ``latest_snapshot`` is ``None`` (with ``loaded_all`` true: there is nothing to load) while
    ``_fetch`` raises :class:`Gone`, and again after ``_vanish()`` (the user left, the parent was
    deleted). ``_reload()`` starts over with the initial window (the user joined).
    """

    def __init__(self, core: SessionCore, on_snapshot: Callable[..., Any] | None) -> None:
        self._absent = False
        super().__init__(core, on_snapshot)

    def _snapshot(self) -> tuple[S, ...] | None:
        return None if self._absent else self._window()

    async def _grow_to(self, target: int) -> bool:
        if self._absent:
            return False
        try:
            return await super()._grow_to(target)
        except Gone:
            return self._vanish()

    async def _resync(self) -> bool:
        if self._absent:
            return await self._reload()
        try:
            return await super()._resync()
        except Gone:
            return self._vanish()

    async def _refetch(self, key: str) -> bool:
        try:
            return await super()._refetch(key)
        except Gone:
            return self._vanish()

    def _vanish(self) -> bool:
        """The parent is gone or hidden: ``None`` from now on; answers whether that is news."""
        if self._absent:
            return False
        self._absent = True
        self._items.clear()
        self._snaps.clear()
        self._order.clear()
        self._loaded_all = True
        return True

    async def _reload(self) -> bool:
        """Read the initial window afresh; answers whether anything visible changed."""
        was_absent = self._absent
        before = self._window()
        self._absent = False
        self._items.clear()
        self._snaps.clear()
        self._order.clear()
        self._loaded_all = False
        await self._grow_to(self.INITIAL_WINDOW)
        return was_absent != self._absent or before != self._window()
