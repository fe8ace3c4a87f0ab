"""The windowed subscription base alone (pure Python): every change set, applied to the previous
tuple by ``WindowChange``'s recipe, gives the new tuple, whatever mix of joins, edits, moves,
removals, ``load_more`` and resyncs after a gap in the feed happened.

The subject is ``WindowedSubscription`` itself (its window bookkeeping and ``ChangeTracker``), so
its items come from an in-memory list instead of a server: ``ListWindow`` is a windowed kind as small
as the base's contract allows, and ``Offline`` is the one part of a session core a subscription
touches (attaching its listener). The emulator-backed kinds are tested in ``test_session_changes``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from talkwidgets import ActiveState, WindowChange
from talkwidgets.session._window import WindowedSubscription


@dataclass(frozen=True)
class Item:
    id: str
    t: int
    """Its sort key: newest (largest) first, ties broken by id, as a server orders them."""
    version: int = 0


class Offline:
    """What a subscription asks of its session core, for a window fed by hand."""

    error = None

    async def attach(self, listener: Any) -> None:
        pass

    def detach(self, listener: Any) -> None:
        pass


class ListWindow(WindowedSubscription[Item, tuple[Item, ...]]):
    """A window over ``server`` (key -> JSON); live events are ``{"op": "event", "put"|"drop": ...}``."""

    INITIAL_WINDOW = 4
    DEFAULT_LOAD_MORE = 3
    TASK_NAME = "test-list-window"

    def __init__(self, server: dict[str, dict[str, Any]]) -> None:
        self.server = server
        super().__init__(Offline(), None)  # type: ignore[arg-type]

    def ordered(self) -> list[dict[str, Any]]:
        return sorted(self.server.values(), key=lambda item: (item["t"], item["id"]), reverse=True)

    async def _fetch(self, count: int, after: str | None) -> tuple[list[dict[str, Any]], bool]:
        everything = self.ordered()
        start = 0 if after is None else [item["id"] for item in everything].index(after) + 1
        return [dict(item) for item in everything[start : start + count]], start + count >= len(everything)

    async def _fetch_one(self, key: str) -> dict[str, Any] | None:
        item = self.server.get(key)
        return None if item is None else dict(item)

    async def _build(self, item: dict[str, Any]) -> Item:
        return Item(item["id"], item["t"], item["version"])

    def _sort_key(self, snapshot: Item) -> tuple[int, str]:
        return snapshot.t, snapshot.id

    async def _apply(self, frame: dict[str, Any]) -> bool:
        if "drop" in frame:
            return self._remove(frame["drop"])
        item = frame["put"]
        older = not self._loaded_all and bool(self._order) and (item["t"], item["id"]) < self._order_key(self._order[0])
        if item["id"] not in self._snaps and older:
            return False  # below the loaded range: load_more brings it
        return await self._replace(dict(item))

    def _snapshot(self) -> tuple[Item, ...]:
        return self._window()

    async def settle(self) -> None:
        """Wait until everything queued so far has been applied (and emitted)."""

        async def nothing() -> bool:
            return False

        await self._run_in_order(nothing)


class Checker:
    """Applies each change set to its own copy of the window and compares it with the emission."""

    def __init__(self) -> None:
        self.copy: tuple[Item, ...] = ()
        self.failures: list[AssertionError] = []
        """(A handler that raises is only logged: its failures are kept here for the test.)"""

    def __call__(self, state: ActiveState[tuple[Item, ...]], change: WindowChange) -> None:
        try:
            self.check(state.latest_snapshot, change)
        except AssertionError as exc:
            self.failures.append(exc)
            raise

    def check(self, new: tuple[Item, ...], change: WindowChange) -> None:
        placed, removed = change.positions, set(change.removed)
        assert list(placed.values()) == sorted(placed.values())
        assert set(placed) == {*change.added, *change.updated, *change.moved}
        before = {item.id: item for item in self.copy}
        assert removed <= before.keys() and not set(change.added) & before.keys()
        assert {*change.updated, *change.moved} <= before.keys()
        rest = [item for item in self.copy if item.id not in removed and item.id not in placed]
        # unlisted items are the same objects, in the same relative order
        assert [id(item) for item in rest] == [id(item) for item in new if item.id not in placed]
        for key, at in placed.items():
            assert new[at].id == key
            rest.insert(at, new[at])
        assert [id(item) for item in rest] == [id(item) for item in new]
        for key in change.updated:
            assert before[key] is not new[placed[key]], "an updated item has a new snapshot object"
        # what did not move (updated in place or untouched) keeps its order
        still = set(change.added) | set(change.moved)
        assert [i.id for i in self.copy if i.id not in removed and i.id not in still] == [
            i.id for i in new if i.id not in still
        ], "an item changed places without being listed as moved"
        self.copy = new


# One step: (what, a number that picks an item or a count, a time step).
STEP = st.tuples(
    st.sampled_from(["new", "newer", "edit", "drop", "load_more", "gap"]),
    st.integers(0, 1_000),
    st.integers(0, 3),
)


async def scenario(initial: int, steps: list[tuple[str, int, int]]) -> None:
    server = {f"k{n:03d}": {"id": f"k{n:03d}", "t": n // 2, "version": 0} for n in range(initial)}
    clock = initial
    sub = ListWindow(server)
    check = Checker()
    sub.on_change(check)
    await sub.connected
    fresh = initial
    for what, pick, dt in steps:
        clock += dt
        keys = sorted(server)
        if what == "new" or (what in ("newer", "edit", "drop") and not keys):
            key = f"k{fresh:03d}"
            fresh += 1
            server[key] = {"id": key, "t": clock, "version": 0}
            sub._deliver({"op": "event", "put": dict(server[key])})
        elif what == "newer":  # a new message: the item moves up (sort keys only grow)
            key = keys[pick % len(keys)]
            server[key] = dict(server[key], t=max(clock, server[key]["t"]), version=server[key]["version"] + 1)
            sub._deliver({"op": "event", "put": dict(server[key])})
        elif what == "edit":  # changed in place
            key = keys[pick % len(keys)]
            server[key] = dict(server[key], version=server[key]["version"] + 1)
            sub._deliver({"op": "event", "put": dict(server[key])})
        elif what == "drop":
            key = keys[pick % len(keys)]
            del server[key]
            sub._deliver({"op": "event", "drop": key})
        elif what == "load_more":
            await sub.load_more(1 + pick % 5)
        else:  # the feed lost events: the server changes unseen, then the window is re-read
            for n in range(1 + pick % 4):
                key = f"k{fresh:03d}"
                fresh += 1
                server[key] = {"id": key, "t": clock + n, "version": 0}
            for key in keys[pick % 3 :: 3]:
                if key in server:
                    server[key] = dict(server[key], version=server[key]["version"] + 1)
            for key in keys[1 + pick % 5 :: 5]:
                server.pop(key, None)
            sub._deliver({"op": "resync"})
        await sub.settle()
        window = sub.state.latest_snapshot
        expected = [Item(i["id"], i["t"], i["version"]) for i in sub.ordered()[: len(window)]]
        assert list(window) == expected, f"after {what}"
        assert not check.failures, check.failures[0]
        assert check.copy == window
        if sub.state.loaded_all:  # (it turns true only when a read finds the end, not when items join)
            assert len(window) == len(server)
    sub.unsubscribe()


@settings(max_examples=150, deadline=None)
@given(initial=st.integers(0, 12), steps=st.lists(STEP, max_size=25))
def test_each_change_set_turns_the_previous_window_into_the_new_one(initial: int, steps: list[Any]) -> None:
    asyncio.run(scenario(initial, steps))


def test_a_resync_after_a_gap_reports_exactly_what_changed_meanwhile() -> None:
    """Joins, an edit, a move and a removal that the feed never delivered come out of the re-read
    window as one change set: the copy a consumer holds becomes the server's view."""

    async def run() -> None:
        server = {f"k{n}": {"id": f"k{n}", "t": n, "version": 0} for n in range(6)}
        sub = ListWindow(server)  # the first 4: k5 k4 k3 k2
        changes: list[WindowChange] = []
        check = Checker()
        sub.on_change(lambda state, change: (check(state, change), changes.append(change)))
        await sub.connected
        first = check.copy
        server["k9"] = {"id": "k9", "t": 9, "version": 0}  # joins at the top
        server["k2"] = dict(server["k2"], t=8, version=1)  # moves up
        server["k4"] = dict(server["k4"], version=1)  # changes in place
        del server["k3"]  # leaves
        sub._deliver({"op": "resync"})
        await sub.settle()
        change = changes[-1]
        assert [item.id for item in check.copy] == ["k9", "k2", "k5", "k4"]
        assert change.added == ("k9",) and change.removed == ("k3",)
        assert set(change.updated) == {"k2", "k4"} and change.moved == ("k2",)
        assert dict(change.positions) == {"k9": 0, "k2": 1, "k4": 3}
        assert check.copy[2] is first[0], "k5 did not change: the same snapshot object"
        assert not check.failures
        sub._deliver({"op": "resync"})  # nothing changed since: no emission
        await sub.settle()
        assert len(changes) == 2
        sub.unsubscribe()

    asyncio.run(run())
