"""``WindowedSubscription``: a subscription to an ordered window of items that grows by ``load_more``.

The layer between :class:`~talkwidgets.session._subscription.Subscription` and the windowed kinds
(conversation list, messages, participants, reactions). It keeps, per item key, the item's
snapshot (what is emitted; replaced only when the item really changes, so an unchanged snapshot
keeps its identity) and what the kind needs besides the snapshot to apply live events to it
(``_keep``: by default the item's REST JSON; the conversation list keeps only its participants'
read marks, so a window of 1,000 conversations holds snapshots, not parsed REST pages). It also
keeps the keys in order, ``loaded_all``, and the change set since the last emission: every change
is recorded as it is made, and ``on_change`` handlers receive it as a ``WindowChange`` (which keys
were added, updated, moved or removed, and where they are now), so a consumer never compares two
windows.

The contract, for a subclass (besides the base's ``_apply`` and ``TASK_NAME``):

- class parameters ``INITIAL_WINDOW`` (items read before the first emit), ``DEFAULT_LOAD_MORE``
  and ``MAX_LOAD_MORE`` (``load_more(count)`` takes 1..``MAX_LOAD_MORE``). The TalkJS values:
  conversations 20/20/30, messages 30/30/100, participants 10/10/50, reactions 10/10/100.
- ``async _fetch(count, after) -> (items, exhausted)``: up to ``count`` items that come after item
  key ``after`` in display order (``None``: from the first), and whether no more exist. For a REST
  list with ``limit``/``startingAfter``, :func:`read_window` does exactly this.
- ``async _fetch_one(key) -> item | None``: one item again (``None``: it left the window for good).
- ``async _build(item) -> snapshot``: the snapshot of one item (REST JSON).
- optionally ``_keep(item, snapshot)``: what to keep in ``_items[key]`` besides the snapshot
  (default: the item's JSON itself; ``None``: nothing, and no entry in ``_items``).
- ``_sort_key(snapshot)``: display order is *descending* by this key (newest first), and it must be
  the server's own order, ties included, so that paging by ``after`` never skips or repeats. Keys
  must differ between items (end with the item's key).
- ``_key(item)``: the item's key (default ``item["id"]``).
- ``_snapshot()``: what ``latest_snapshot`` is; ``_window()`` gives the loaded items' snapshots
  in display order. ``W`` is that type: ``tuple[S, ...]``, or ``tuple[S, ...] | None`` for the
  windows of :class:`MemberWindow`, which are ``None`` while their parent (a conversation, a
  message) is not visible to the current user.

In ``_apply``, change the window only through ``_replace(item)`` (put a changed item from its
JSON; it moves to its place), ``_store(key, snapshot, kept)`` (put a snapshot the kind made
itself), ``_remove(key)``, ``_refetch(key)`` (re-read one item: it joins, changes, or leaves) and
``_rebuild(keys)`` (rebuild snapshots from the kept JSON, for kinds that keep it, e.g. after a user
renamed themselves). Each answers whether anything visible changed, is idempotent, and records
the change. An item whose sort key is unchanged stays where it is; one that moves is put in place
by bisection; nothing re-sorts the whole window except a resync or a reload. ``_resync`` and
``load_more`` are done here: a resync re-reads as many items as are loaded (at least
``INITIAL_WINDOW``), replaces what changed and emits only if something did.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from ..model.errors import InvalidArgumentError, SubscriptionTerminatedError, TalkRequestError
from ..model.states import ActiveState, WindowChange
from ._changes import ChangeTracker
from ._core import SessionCore, Wire
from ._subscription import Subscription

S = TypeVar("S")
"""The snapshot type of one item."""
W = TypeVar("W")
"""The type of ``latest_snapshot``: ``tuple[S, ...]``, or that or ``None``."""

OnChange = Callable[[ActiveState[W], WindowChange], Any]
"""An ``on_change`` handler: ``handler(state, change)``."""


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
    """A window of items, newest first, with ``load_more`` and ``on_change``; see the module docstring."""

    INITIAL_WINDOW: ClassVar[int] = 20
    DEFAULT_LOAD_MORE: ClassVar[int] = 20
    MAX_LOAD_MORE: ClassVar[int] = 30

    def __init__(self, core: SessionCore, on_snapshot: Callable[..., Any] | None) -> None:
        self._snaps: dict[str, S] = {}
        self._items: dict[str, Any] = {}
        """Per key, what ``_keep`` answered: what events are applied to besides the snapshot."""
        self._order: list[str] = []
        """Loaded keys, ascending by ``_sort_key`` (emitted reversed: newest first)."""
        self._ordered: list[S] = []
        """Their snapshots, in the same order (the emitted tuple is one reversed copy of it)."""
        self._loaded_all = False
        self._changes = ChangeTracker()
        self._change_handlers: list[OnChange[W]] = []
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

    def on_change(self, handler: OnChange[W]) -> Callable[[], None]:
        """Call ``handler(state, change)`` after every emission, right after ``on_snapshot``.

        ``state`` is the new ``ActiveState``; ``change`` (a ``WindowChange``) says how its
        ``latest_snapshot`` differs from the previous emission's: the first emission adds every
        item. A handler added after the first emission starts from ``state.latest_snapshot`` as
        it is when added. An ``async def`` handler runs as a task; one that raises is logged.
        Returns a function that removes the handler.
        """
        if not callable(handler):
            raise TypeError("handler must be callable")
        self._change_handlers.append(handler)
        return lambda: self._change_handlers.remove(handler) if handler in self._change_handlers else None

    # -- hooks ----------------------------------------------------------------------------------

    async def _fetch(self, count: int, after: str | None) -> tuple[list[Wire], bool]:
        raise NotImplementedError

    async def _fetch_one(self, key: str) -> Wire | None:
        raise NotImplementedError

    async def _build(self, item: Wire) -> S:
        raise NotImplementedError

    def _keep(self, item: Wire, snapshot: S) -> Any:
        return item

    def _sort_key(self, snapshot: S) -> Any:
        raise NotImplementedError

    def _key(self, item: Wire) -> str:
        return str(item["id"])

    # -- the base's hooks -----------------------------------------------------------------------

    async def _load(self) -> None:
        await self._grow_to(self.INITIAL_WINDOW)

    def _window(self) -> tuple[S, ...]:
        return tuple(reversed(self._ordered))

    def _active_state(self, snapshot: W) -> ActiveState[W]:
        return ActiveState(latest_snapshot=snapshot, loaded_all=self._loaded_all)

    def _callback_args(self, state: ActiveState[W]) -> tuple[Any, ...]:
        return (state.latest_snapshot, state.loaded_all)

    def _emitted(self, state: ActiveState[W]) -> None:
        if not self._change_handlers:
            self._changes.take(self._display_index, self._display_keys)  # nobody listens: start afresh
            return
        change = self._changes.take(self._display_index, self._display_keys)
        for handler in list(self._change_handlers):
            self._call_back("on_change", handler, state, change)

    async def _resync(self) -> bool:
        """Re-read the whole window; answers whether anything changed (unchanged items keep their
        snapshot objects)."""
        return await self._reread(max(len(self._order), self.INITIAL_WINDOW))

    async def _reread(self, size: int) -> bool:
        """Read the first ``size`` items afresh and make them the window (see ``_resync``)."""
        page, exhausted = await self._fetch(size, None)
        return await self._reset_to(page, exhausted)

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
        changed = exhausted != self._loaded_all
        self._loaded_all = exhausted
        for item in page:
            key = self._key(item)
            if key not in self._snaps:  # one that joined live is already in, and at least as new
                changed = await self._put(key, item) or changed
        return changed

    async def _refetch(self, key: str) -> bool:
        """Read one item again; it joins the window, or leaves it if it is gone."""
        item = await self._fetch_one(key)
        if item is None:
            return self._remove(key)
        return await self._put(key, item)

    async def _replace(self, item: Wire) -> bool:
        """Put an item from its JSON (nothing to do when the kept JSON is the same)."""
        key = self._key(item)
        if key in self._snaps and self._items.get(key) == item:
            return False
        return await self._put(key, item)

    async def _rebuild(self, keys: Iterable[str]) -> bool:
        """Rebuild the snapshots of ``keys`` from their kept JSON (kinds whose ``_keep`` is the JSON)."""
        changed = False
        for key in dict.fromkeys(keys):
            if key in self._snaps:
                changed = await self._put(key, self._items[key]) or changed
        return changed

    async def _put(self, key: str, item: Wire) -> bool:
        snapshot = await self._build(item)
        return self._store(key, snapshot, self._keep(item, snapshot))

    def _store(self, key: str, snapshot: S, kept: Any) -> bool:
        """Make ``snapshot`` the item's (an equal one keeps the old object) and keep ``kept``; the
        item joins at its place, or moves there when its sort key changed."""
        if kept is None:
            self._items.pop(key, None)  # (a dict entry per item is memory too)
        else:
            self._items[key] = kept
        old = self._snaps.get(key)
        if old is None:
            self._snaps[key] = snapshot
            self._insert(key, snapshot)
            self._changes.added(key)
            return True
        if old is snapshot or old == snapshot:
            return False
        at = self._position(key)  # found by the old sort key: before the snapshot is replaced
        self._snaps[key] = snapshot
        if self._sort_key(snapshot) == self._sort_key(old):
            self._ordered[at] = snapshot
        else:
            del self._order[at]
            del self._ordered[at]
            if self._insert(key, snapshot) != at:
                self._changes.moved(key)
        self._changes.updated(key)
        return True

    def _insert(self, key: str, snapshot: S) -> int:
        """Put a key and its snapshot at their place in the order (a bisection); answers where."""
        at = bisect.bisect_left(self._ordered, self._sort_key(snapshot), key=self._sort_key)
        self._order.insert(at, key)
        self._ordered.insert(at, snapshot)
        return at

    def _remove(self, key: str) -> bool:
        if key not in self._snaps:
            return False
        at = self._position(key)
        del self._order[at]
        del self._ordered[at]
        del self._snaps[key]
        self._items.pop(key, None)
        self._changes.removed(key)
        return True

    async def _reset_to(self, page: list[Wire], exhausted: bool) -> bool:
        """Make ``page`` the whole window; items whose kept JSON or snapshot is unchanged keep their
        snapshot objects."""
        snaps: dict[str, S] = {}
        kept: dict[str, Any] = {}
        for item in page:
            key = self._key(item)
            old = self._snaps.get(key)
            if old is not None and self._items.get(key) == item:
                snapshot = old
            else:
                snapshot = await self._build(item)
                if old is not None and old == snapshot:
                    snapshot = old
            snaps[key] = snapshot
            keep = self._keep(item, snapshot)
            if keep is not None:
                kept[key] = keep
        return self._reset_window(snaps, kept, exhausted)

    def _reset_window(self, snaps: dict[str, S], kept: dict[str, Any], loaded_all: bool) -> bool:
        """Replace the whole window (a resync, a reload); answers whether anything visible changed."""
        changed = loaded_all != self._loaded_all
        for key in self._snaps:
            if key not in snaps:
                self._changes.removed(key)
                changed = True
        for key, snapshot in snaps.items():
            old = self._snaps.get(key)
            if old is None:
                self._changes.added(key)
                changed = True
            elif old is not snapshot:
                self._changes.updated(key)
                changed = True
        order = sorted(snaps, key=lambda key: self._sort_key(snaps[key]))
        changed = self._changes.reordered(self._order, order) or changed
        self._snaps, self._items, self._order, self._loaded_all = snaps, kept, order, loaded_all
        self._ordered = [snaps[key] for key in order]
        return changed

    # -- positions --------------------------------------------------------------------------------

    def _order_key(self, key: str) -> Any:
        return self._sort_key(self._snaps[key])

    def _position(self, key: str) -> int:
        """Where ``key`` is in ``_order``: a bisection by its (current) snapshot's sort key."""
        at = bisect.bisect_left(self._ordered, self._order_key(key), key=self._sort_key)
        if at < len(self._order) and self._order[at] == key:
            return at
        return self._order.index(key)  # only if a kind broke the "sort keys differ" rule

    def _display_index(self, key: str) -> int:
        return len(self._order) - 1 - self._position(key)

    def _display_keys(self) -> list[str]:
        return self._order[::-1]


class Gone(Exception):
    """Raised by a :class:`MemberWindow`'s ``_fetch`` when the window's parent is not visible."""


class MemberWindow(WindowedSubscription[S, tuple[S, ...] | None]):
    """A window inside something the current user may not see (a conversation, a message).

    ``latest_snapshot`` is ``None`` (with ``loaded_all`` true: there is nothing to load) while
    ``_fetch`` raises :class:`Gone`, and again after ``_vanish()`` (the user left, the parent was
    deleted). ``_reload()`` starts over with the initial window (the user joined). For change sets
    ``None`` counts as an empty window: vanishing removes every item, a reload adds them.
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
        self._reset_window({}, {}, True)
        return True

    async def _reload(self) -> bool:
        """Read the initial window afresh; answers whether anything visible changed."""
        was_absent = self._absent
        try:
            page, exhausted = await self._fetch(self.INITIAL_WINDOW, None)
        except Gone:
            return self._vanish()
        self._absent = False
        return await self._reset_to(page, exhausted) or was_absent
