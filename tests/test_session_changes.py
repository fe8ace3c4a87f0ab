"""Windowed subscriptions on the real emulator: change sets (``on_change``) and events applied to
kept snapshots.

A consumer that follows only the change sets (``Mirror``, written from ``WindowChange``'s
docstring) must end with exactly the emitted tuple after every emission, with every item that no
set mentions being the very same snapshot object as before. And the conversation list and
``ConversationRef.subscribe``, which apply events to snapshots instead of REST JSON, must show what
a fresh read shows after every kind of event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest

from talkwidgets import ActiveState, WindowChange, get_talk_session
from talkwidgets.emulator import shared_server
from tests.session_support import ids, wait_until


class Mirror:
    """Keeps a copy of a window from change sets alone, checking each step against the emission."""

    def __init__(self, sub: Any, key: Callable[[Any], str] = lambda snap: snap.id) -> None:
        self.key = key
        self.items: list[Any] = []
        self.changes: list[WindowChange] = []
        self.problems: list[str] = []
        self.undo = sub.on_change(self.apply)

    def apply(self, state: ActiveState[Any], change: WindowChange) -> None:
        new = list(state.latest_snapshot or ())
        before = {self.key(s): s for s in self.items}
        self.changes.append(change)
        placed, removed = set(change.positions), set(change.removed)
        if list(change.positions.values()) != sorted(change.positions.values()):
            self.problems.append(f"positions not in ascending order: {dict(change.positions)}")
        if placed != {*change.added, *change.updated, *change.moved}:
            self.problems.append(f"positions {sorted(placed)} are not added + updated + moved")
        if not removed <= before.keys() or set(change.added) & before.keys():
            self.problems.append(f"added {change.added} / removed {change.removed} against {sorted(before)}")
        for key in {*change.updated, *change.moved}:
            if key not in before:
                self.problems.append(f"{key} updated or moved but was not there")
        # the recipe: drop removed and placed keys, then insert the placed ones in ascending order
        items = [s for s in self.items if self.key(s) not in removed and self.key(s) not in placed]
        kept = [s for s in new if self.key(s) not in placed]
        if len(items) != len(kept) or any(a is not b for a, b in zip(items, kept, strict=False)):
            self.problems.append(
                f"unlisted items changed: {[self.key(s) for s in items]} vs {[self.key(s) for s in kept]}"
            )
        for key, at in change.positions.items():
            items.insert(at, new[at])
            if self.key(new[at]) != key:
                self.problems.append(f"{key} is not at {at}")
            if key in change.updated and before.get(key) is new[at]:
                self.problems.append(f"{key} is listed as updated but kept its snapshot object")
        if len(items) != len(new) or any(a is not b for a, b in zip(items, new, strict=False)):
            self.problems.append(f"mirror {self.keys(items)} != {self.keys(new)}")
        self.items = new

    def keys(self, items: list[Any]) -> list[str]:
        return [self.key(s) for s in items]

    @property
    def last(self) -> WindowChange:
        return self.changes[-1]


async def until_changes(mirror: Mirror, count: int, what: str) -> WindowChange:
    await wait_until(lambda: len(mirror.changes) >= count, what=what)
    return mirror.changes[count - 1]


# -- the conversation list ---------------------------------------------------------------------------


async def test_conversation_list_change_sets_rebuild_the_window(world) -> None:
    app_id, admin = world
    for i in range(25):
        await admin.conversation(f"c{i:02d}", "alice", "bob")
        await admin.send(f"c{i:02d}", "bob", f"message {i}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.subscribe_conversations()
    mirror = Mirror(sub)
    first = await until_changes(mirror, 1, "the first emission")
    assert first.added == tuple(f"c{i:02d}" for i in range(24, 4, -1)) and not first.removed
    assert dict(first.positions) == {f"c{i:02d}": n for n, i in enumerate(range(24, 4, -1))}

    await sub.load_more(3)
    change = mirror.last
    assert change.added == ("c04", "c03", "c02") and dict(change.positions) == {"c04": 20, "c03": 21, "c02": 22}
    assert not (change.updated or change.moved or change.removed)

    count = len(mirror.changes)
    await admin.send("c10", "bob", "bump")  # a new message: one conversation moves to the top
    change = await until_changes(mirror, count + 1, "the bump")
    assert dict(change.positions) == {"c10": 0} and change.updated == ("c10",) and change.moved == ("c10",)
    assert not (change.added or change.removed)

    count = len(mirror.changes)
    await alice.conversation("c24").mark_as_read()  # changes in place: updated, not moved
    change = await until_changes(mirror, count + 1, "the read mark")
    assert change.updated == ("c24",) and not change.moved and dict(change.positions) == {"c24": 1}

    count = len(mirror.changes)
    await admin.send("c00", "bob", "from outside the window")  # joins at the top
    change = await until_changes(mirror, count + 1, "c00 to join")
    assert change.added == ("c00",) and dict(change.positions) == {"c00": 0}

    count = len(mirror.changes)
    await admin.call("DELETE", "/conversations/c15")
    change = await until_changes(mirror, count + 1, "c15 to leave")
    assert change.removed == ("c15",) and change.empty is False and not change.positions

    await sub.load_more(30)
    assert sub.state.loaded_all is True and len(ids(sub)) == 24
    assert mirror.items == list(sub.state.latest_snapshot)
    assert mirror.problems == []
    mirror.undo()
    count = len(mirror.changes)
    await admin.send("c01", "bob", "nobody listens")
    await wait_until(lambda: ids(sub)[0] == "c01", what="c01 on top")
    assert len(mirror.changes) == count, "a removed handler is not called"
    sub.unsubscribe()


async def test_change_sets_through_polling_resyncs(world) -> None:
    """Against the cloud every poll re-reads the window: the change set then comes from comparing
    the re-read window with the held one, and must still be exact."""
    app_id, admin = world
    for i in range(6):
        await admin.conversation(f"p{i}", "alice", "bob")
        await admin.send(f"p{i}", "bob", f"hello {i}")
    server = shared_server()
    alice = await get_talk_session(
        app_id, "alice", secret_key=server.ensure_app(app_id), host=server.base_url, live="poll", poll_interval=0.05
    )
    sub = alice.subscribe_conversations()
    mirror = Mirror(sub)
    await until_changes(mirror, 1, "the first emission")
    count = len(mirror.changes)
    await admin.send("p2", "bob", "news")
    await admin.call("DELETE", "/conversations/p4")
    await admin.conversation("p9", "alice", "carol")
    await wait_until(lambda: "p4" not in ids(sub) and "p9" in ids(sub) and ids(sub)[1] == "p2", what="the polls")
    changes = mirror.changes[count:]
    assert {"p2", "p9"} <= {key for c in changes for key in c.positions} and "p4" in {
        key for c in changes for key in c.removed
    }
    assert all(not c.empty for c in changes), "a poll that finds nothing new emits nothing"
    assert mirror.problems == []
    await alice.aclose()


# -- windows inside a conversation -------------------------------------------------------------------


async def test_message_window_change_sets(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    mids = [await admin.send("c", "bob", f"m{n}") for n in range(32)]
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.conversation("c").subscribe_messages()
    mirror = Mirror(sub)
    first = await until_changes(mirror, 1, "the first emission")
    assert len(first.added) == 30 and first.added[0] == mids[-1]

    count = len(mirror.changes)
    new = await admin.send("c", "bob", "newest")
    change = await until_changes(mirror, count + 1, "the new message")
    assert change.added == (new,) and dict(change.positions) == {new: 0}

    count = len(mirror.changes)
    await admin.call("PATCH", f"/conversations/c/messages/{mids[20]}", json={"text": "edited"})
    change = await until_changes(mirror, count + 1, "the edit")
    assert change.updated == (mids[20],) and not change.moved and dict(change.positions) == {mids[20]: 12}

    count = len(mirror.changes)
    await admin.call("DELETE", f"/conversations/c/messages/{mids[25]}")  # one older message takes its place
    change = await until_changes(mirror, count + 1, "the deletion")
    assert change.removed == (mids[25],) and change.added == (mids[1],) and dict(change.positions) == {mids[1]: 30}

    count = len(mirror.changes)
    await admin.call("DELETE", "/conversations/c/participants/alice")  # the window becomes None
    change = await until_changes(mirror, count + 1, "alice to leave")
    assert sub.state.latest_snapshot is None and len(change.removed) == 31 and not change.positions
    await admin.call("PUT", "/conversations/c/participants/alice", json={})
    change = await until_changes(mirror, count + 2, "alice to come back")
    assert len(change.added) == 30 and not change.removed
    assert mirror.problems == []
    sub.unsubscribe()


async def test_participant_and_reaction_window_change_sets(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    mid = await admin.send("c", "bob", "react to me")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    people = alice.conversation("c").subscribe_participants()
    people_mirror = Mirror(people, key=lambda p: p.user.id)
    reactions = alice.conversation("c").message(mid).reactions("👍").subscribe()
    reaction_mirror = Mirror(reactions, key=lambda r: r.user.id)
    await until_changes(people_mirror, 1, "participants")
    await until_changes(reaction_mirror, 1, "reactions")

    await admin.call("PUT", "/conversations/c/participants/carol", json={})
    change = await until_changes(people_mirror, 2, "carol to join")
    assert change.added == ("carol",) and dict(change.positions) == {"carol": 0}
    await admin.user("carol", "Caroline")  # a user's new name: their snapshot is replaced in place
    change = await until_changes(people_mirror, 3, "carol's new name")
    assert change.updated == ("carol",) and not change.moved

    for uid in ("bob", "carol"):
        session = await get_talk_session(app_id=app_id, user_id=uid)
        await session.conversation("c").message(mid).reactions("👍").add()
    await wait_until(lambda: len(reactions.state.latest_snapshot or ()) == 2, what="two reactions")
    count = len(reaction_mirror.changes)
    await (await get_talk_session(app_id=app_id, user_id="bob")).conversation("c").message(mid).reactions("👍").remove()
    change = await until_changes(reaction_mirror, count + 1, "bob's reaction to go")
    assert change.removed == ("bob",)
    assert people_mirror.problems == [] and reaction_mirror.problems == []


# -- the hook itself ---------------------------------------------------------------------------------


async def test_on_change_handlers_async_faulty_and_late(world, caplog: pytest.LogCaptureFixture) -> None:
    app_id, admin = world
    await admin.conversation("a", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.subscribe_conversations()
    with pytest.raises(TypeError):
        sub.on_change("not callable")  # type: ignore[arg-type]
    heard: list[WindowChange] = []

    async def async_handler(state: ActiveState[Any], change: WindowChange) -> None:
        await asyncio.sleep(0)
        heard.append(change)

    def faulty(state: ActiveState[Any], change: WindowChange) -> None:
        raise RuntimeError("a bug in a handler")

    sub.on_change(async_handler)
    sub.on_change(faulty)
    with caplog.at_level(logging.ERROR, logger="talkwidgets.session"):
        await sub.connected
        await wait_until(lambda: heard, what="the async handler")
        assert "on_change callback raised" in caplog.text
    assert heard[0].added == ("a",)

    late = Mirror(sub)  # added after the first emission: starts from the current window
    late.items = list(sub.state.latest_snapshot)
    await admin.conversation("b", "alice", "bob")
    await wait_until(lambda: late.changes, what="the late handler")
    assert late.last.added == ("b",) and late.problems == [] and sub.state.type == "active"
    sub.unsubscribe()


# -- events applied to kept snapshots read what a fresh read reads -------------------------------------


async def test_every_event_leaves_the_snapshots_equal_to_a_fresh_read(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    await admin.conversation("other", "alice", "bob")
    sessions = {uid: await get_talk_session(app_id=app_id, user_id=uid) for uid in ("alice", "bob", "carol")}
    alice, bob = sessions["alice"], sessions["bob"]
    listed = alice.subscribe_conversations()
    single = alice.conversation("c").subscribe()
    await listed.connected
    await single.connected

    async def check(step: str) -> None:
        """The live snapshots end equal to what a fresh read of the conversation gives. (The
        emulator's conversation routes leave ``currentUserReacted`` out of the last message, so the
        reactions are read from the messages route, which has it.)"""
        fresh = await alice.conversation("c").get()
        assert fresh is not None
        if fresh.last_message is not None:
            viewed = await alice.conversation("c").message(fresh.last_message.id).get()
            assert viewed is not None
            last = dataclasses.replace(fresh.last_message, reactions=viewed.reactions)
            fresh = dataclasses.replace(fresh, last_message=last)

        def same() -> bool:
            shown = next((c for c in listed.state.latest_snapshot if c.id == "c"), None)
            return shown == fresh and single.state.latest_snapshot == fresh

        try:
            await wait_until(same, timeout=5, what=step)
        except AssertionError as exc:
            shown = next((c for c in listed.state.latest_snapshot if c.id == "c"), None)
            raise AssertionError(
                f"{step}:\n list   {shown}\n single {single.state.latest_snapshot}\n fresh  {fresh}"
            ) from exc

    first = await bob.conversation("c").send("hello")
    await check("a message from bob (unread)")
    await bob.conversation("c").mark_as_read()
    await check("bob read it (everyone_read_until)")
    await alice.conversation("c").mark_as_read()
    await check("alice read it")
    await bob.conversation("c").participant("carol").set()
    await check("carol joined")
    await sessions["carol"].conversation("c").mark_as_read()
    await check("carol read it")
    await alice.conversation("c").mark_as_unread()
    await check("alice marked it unread")
    await bob.conversation("c").participant("alice").set(access="Read", notify="MentionsOnly")
    await check("alice's access and notify")
    await bob.conversation("c").set(subject="Plans", custom={"k": "v"}, photo_url="https://example.com/p.png")
    await check("subject, custom data and photo")
    await bob.conversation("c").set(welcome_messages=["Welcome!"])
    await check("welcome messages")
    await bob.conversation("c").message(first.id).reactions("👍").add()
    await check("bob reacted to the last message")
    await alice.conversation("c").message(first.id).reactions("👍").add()
    await check("alice reacted (current_user_reacted)")
    await bob.conversation("c").message(first.id).edit("hello, edited")
    await check("the last message edited (the reactions keep alice's flag)")
    await alice.conversation("c").message(first.id).reactions("👍").remove()
    await check("alice took her reaction back")
    reply = await bob.conversation("c").send("a reply", referenced_message=first.id)
    await check("a reply as the last message")
    await bob.conversation("c").message(reply.id).edit("a reply, edited")
    await check("the reply edited (it keeps its quote)")
    await bob.current_user.set(name="Robert")
    await check("bob renamed himself (the last message's sender)")
    await admin.call("DELETE", "/conversations/c/participants/carol")
    await check("carol left")
    await bob.conversation("c").message(reply.id).delete()
    await check("the last message deleted")
    await bob.conversation("other").send("elsewhere")
    await check("a message in another conversation")
    for session in sessions.values():
        await session.aclose()
