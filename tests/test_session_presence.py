"""Typing and online status between two users on the real emulator: ``subscribe_typing``,
``mark_as_typing`` and ``subscribe_online`` (online = holding a live-feed connection)."""

from __future__ import annotations

from typing import Any

from talkwidgets import FewTypingSnapshot, ManyTypingSnapshot, get_talk_session
from tests.session_support import wait_until


def typists(sub: Any) -> list[str] | str | None:
    s = sub.state.latest_snapshot
    if s is None:
        return None
    return "many" if isinstance(s, ManyTypingSnapshot) else [u.id for u in s.users]


async def test_typing_between_two_users_longest_first_never_yourself_and_many(world) -> None:
    app_id, admin = world
    others = [f"t{n}" for n in range(6)]
    for uid in others:
        await admin.user(uid)
    await admin.conversation("c", "alice", "bob", *others)
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    sub = alice.conversation("c").subscribe_typing(seen.append)
    state = await sub.connected
    assert isinstance(state.latest_snapshot, FewTypingSnapshot) and state.latest_snapshot.users == ()

    await alice.conversation("c").mark_as_typing()  # the current user is never included
    await bob.conversation("c").mark_as_typing()
    await wait_until(lambda: typists(sub) == ["bob"], what="bob typing")
    assert seen[-1].users[0].name == "Bob" and seen[-1].many is False
    t0 = await get_talk_session(app_id=app_id, user_id="t0")
    await t0.conversation("c").mark_as_typing()
    await wait_until(lambda: typists(sub) == ["bob", "t0"], what="t0 typing after bob")
    await bob.conversation("c").mark_as_typing()  # re-marking keeps bob's place
    await bob.conversation("c").send("done typing")  # a message ends bob's typing
    await wait_until(lambda: typists(sub) == ["t0"], what="bob's message to end his typing")

    sessions = [await get_talk_session(app_id=app_id, user_id=uid) for uid in others[1:]]
    for session in sessions[:4]:
        await session.conversation("c").mark_as_typing()
    await wait_until(lambda: typists(sub) == ["t0", "t1", "t2", "t3", "t4"], what="five typists")
    await sessions[4].conversation("c").mark_as_typing()  # a sixth: many
    await wait_until(lambda: typists(sub) == "many", what="many typists")
    count = len(seen)
    await bob.conversation("c").mark_as_typing()  # a seventh while "many": no emission
    await admin.send("c", "t0", "t0 is done")  # six remain: still many, still no emission
    await alice.conversation("c").send("and alice")  # changes nothing here either
    for session in [bob, *sessions]:
        await session.conversation("c").send("stop")
    await wait_until(lambda: typists(sub) == [], what="everyone to stop")
    # while it was "many", nothing was emitted; the next emission was a short list
    assert not any(isinstance(s, ManyTypingSnapshot) for s in seen[count:])
    assert isinstance(seen[count], FewTypingSnapshot) and len(seen[count].users) == 5

    await admin.call("DELETE", "/conversations/c/participants/alice")
    await wait_until(lambda: typists(sub) is None, what="None once alice has left")
    sub.unsubscribe()


async def test_typing_expires_after_ten_seconds_without_a_message(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    sub = alice.conversation("c").subscribe_typing()
    await sub.connected
    await bob.conversation("c").mark_as_typing()
    await wait_until(lambda: typists(sub) == ["bob"], what="bob typing")
    await wait_until(lambda: typists(sub) == [], timeout=20, what="bob's typing to expire")
    later = alice.conversation("c").subscribe_typing()  # a fresh read agrees
    await later.connected
    assert typists(later) == []
    sub.unsubscribe()
    later.unsubscribe()


async def test_online_is_holding_a_live_connection(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    sub = alice.user("bob").subscribe_online(seen.append)
    first = (await sub.connected).latest_snapshot
    assert first.user.name == "Bob" and first.is_connected is False
    myself = alice.user("alice").subscribe_online()  # alice's session holds its feed: she is online
    assert (await myself.connected).latest_snapshot.is_connected is True
    myself.unsubscribe()

    inbox = bob.subscribe_conversations()  # bob's session opens its feed: bob is online
    await inbox.connected
    await wait_until(lambda: sub.state.latest_snapshot.is_connected, what="bob online")
    await bob.current_user.set(name="Bobby")  # the nested user changes too
    await wait_until(lambda: sub.state.latest_snapshot.user.name == "Bobby", what="bob's new name")
    inbox.unsubscribe()  # bob's last subscription: his feed closes
    await wait_until(lambda: not sub.state.latest_snapshot.is_connected, what="bob offline")
    assert [s.is_connected for s in seen].count(True) >= 1

    nobody = alice.user("nobody").subscribe_online()
    assert (await nobody.connected).latest_snapshot is None
    sub.unsubscribe()
    nobody.unsubscribe()
