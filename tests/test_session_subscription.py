"""The live conversation list against the real embedded emulator over sockets."""

from __future__ import annotations

import asyncio

import pytest

from talkwidgets import (
    ActiveState,
    InvalidArgumentError,
    SubscriptionTerminatedError,
    UnsubscribedState,
    get_talk_session,
)
from talkwidgets.emulator import shared_server
from tests.session_support import ids, wait_until


async def test_window_of_20_load_more_reordering_joins_and_loaded_all(world) -> None:
    app_id, admin = world
    for i in range(45):
        cid = f"c{i:02d}"
        await admin.conversation(cid, "alice", "bob")
        await admin.send(cid, "bob", f"message {i}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[tuple[tuple, bool]] = []
    sub = alice.subscribe_conversations(lambda snaps, loaded_all: calls.append((snaps, loaded_all)))
    assert sub.state.type == "pending"
    state = await sub.connected
    assert isinstance(state, ActiveState)
    assert ids(sub) == [f"c{i:02d}" for i in range(44, 24, -1)]
    assert state.loaded_all is False and calls[-1][1] is False
    first = sub.state.latest_snapshot
    assert first[0].last_message.plaintext == "message 44" and first[0].unread_message_count == 1
    assert first[0].last_message.sender.name == "Bob"

    await sub.load_more(10)
    assert ids(sub) == [f"c{i:02d}" for i in range(44, 14, -1)]
    assert sub.state.loaded_all is False
    # unchanged conversations keep their snapshot objects (cheap identity comparison)
    assert sub.state.latest_snapshot[0] is first[0]

    await admin.send("c30", "bob", "bump")  # in the window: moves to the top
    await wait_until(lambda: ids(sub)[0] == "c30", what="c30 to move to the top")
    assert len(ids(sub)) == 30 and sub.state.latest_snapshot[0].unread_message_count == 2

    await admin.send("c05", "bob", "old one wakes up")  # outside the window: joins it
    await wait_until(lambda: ids(sub)[0] == "c05", what="c05 to join the window")
    assert len(ids(sub)) == 31

    await admin.conversation("fresh", "carol", "alice", subject="Joined from elsewhere")
    await wait_until(lambda: ids(sub)[0] == "fresh", what="a conversation joined elsewhere")
    assert sub.state.latest_snapshot[0].subject == "Joined from elsewhere"

    await sub.load_more(30)
    assert sub.state.loaded_all is True and calls[-1][1] is True
    assert len(ids(sub)) == 46
    # the window's order is the server's own order of alice's conversations
    server_order = []
    after = None
    for _ in range(10):  # bounded: 46 conversations take 2 pages; a cursor that does not advance fails
        params = {"limit": 30, **({"startingAfter": after} if after else {})}
        page = (await admin.call("GET", "/users/alice/conversations", params=params))["data"]
        server_order += [c["id"] for c in page]
        if len(page) < 30:
            break
        after = page[-1]["id"]
    assert ids(sub) == server_order
    sub.unsubscribe()


async def test_load_more_counts_from_what_is_loaded_and_validates(world) -> None:
    app_id, admin = world
    for i in range(40):
        await admin.conversation(f"c{i:02d}", "alice")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.subscribe_conversations()
    await sub.connected
    assert len(ids(sub)) == 20
    await asyncio.gather(sub.load_more(5), sub.load_more(10))  # not cumulative: 10 more in all
    assert len(ids(sub)) == 30
    for bad in (0, 31, 2.5, True, "3"):
        with pytest.raises((InvalidArgumentError, TypeError)):
            await sub.load_more(bad)  # type: ignore[arg-type]
    sub.unsubscribe()
    with pytest.raises(SubscriptionTerminatedError):
        await sub.load_more(1)


async def test_live_changes_leave_delete_read_rename_and_edit(world) -> None:
    app_id, admin = world
    await admin.conversation("a", "alice", "bob")
    await admin.conversation("b", "alice", "carol")
    await admin.conversation("gone", "alice", "carol")
    mid = await admin.send("a", "bob", "first")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.subscribe_conversations()
    await sub.connected
    assert ids(sub)[0] == "a"

    def snap(cid: str):
        return next(c for c in sub.state.latest_snapshot if c.id == cid)

    await admin.call("PATCH", f"/conversations/a/messages/{mid}", json={"text": "first (edited)"})
    await wait_until(lambda: snap("a").last_message.plaintext == "first (edited)", what="edit")
    assert snap("a").last_message.edited_at is not None

    await admin.user("bob", "Robert")  # nested change: the sender's new name
    await wait_until(lambda: snap("a").last_message.sender.name == "Robert", what="sender rename")

    await admin.call("PUT", "/conversations/b", json={"subject": "Renamed"})
    await wait_until(lambda: snap("b").subject == "Renamed", what="subject change")

    await admin.call("DELETE", "/conversations/gone")
    await wait_until(lambda: "gone" not in ids(sub), what="deleted conversation to leave")

    await admin.call("DELETE", "/conversations/b/participants/alice")
    await wait_until(lambda: "b" not in ids(sub), what="left conversation to leave")

    assert snap("a").unread_message_count == 1 and snap("a").is_unread
    await alice.conversation("a").mark_as_read()
    await wait_until(lambda: snap("a").unread_message_count == 0, what="read state")
    assert snap("a").is_unread is False

    await admin.call("DELETE", f"/conversations/a/messages/{mid}")
    await wait_until(lambda: snap("a").last_message is None, what="deleted last message")
    sub.unsubscribe()


async def test_empty_list_while_current_user_does_not_exist(world) -> None:
    app_id, admin = world
    dave = await get_talk_session(app_id=app_id, user_id="dave")
    seen: list[int] = []
    sub = dave.subscribe_conversations(lambda snaps, loaded_all: seen.append(len(snaps)))
    state = await sub.connected
    assert state.latest_snapshot == () and state.loaded_all is True and seen == [0]
    await admin.user("dave")
    await admin.conversation("hello-dave", "alice", "dave")
    await wait_until(lambda: ids(sub) == ["hello-dave"], what="dave's first conversation")
    sub.unsubscribe()


async def test_states_unsubscribe_is_idempotent_and_connected_rejects_when_ended_first(world) -> None:
    app_id, _ = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    early = alice.subscribe_conversations()
    early.unsubscribe()
    with pytest.raises(SubscriptionTerminatedError) as info:
        await early.connected
    assert isinstance(info.value.state, UnsubscribedState)
    assert isinstance(await early.terminated, UnsubscribedState)

    sub = alice.subscribe_conversations()
    await sub.connected
    sub.unsubscribe()
    sub.unsubscribe()
    assert sub.state.type == "unsubscribed"
    assert (await sub.terminated).type == "unsubscribed"


async def test_two_users_chat_live_in_one_process(world) -> None:
    app_id, _ = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    a_sub = alice.subscribe_conversations()
    b_sub = bob.subscribe_conversations()
    await asyncio.gather(a_sub.connected, b_sub.connected)
    chat = alice.conversation("lunch")
    await chat.create_if_not_exists(subject="Lunch?")
    await chat.participant("bob").create_if_not_exists()
    await bob.conversation("lunch").send("12:30 works")
    await wait_until(
        lambda: (
            a_sub.state.latest_snapshot
            and a_sub.state.latest_snapshot[0].last_message
            and a_sub.state.latest_snapshot[0].last_message.plaintext == "12:30 works"
        ),
        what="bob's message",
    )
    await wait_until(lambda: ids(b_sub) == ["lunch"], what="bob's list")
    assert a_sub.state.latest_snapshot[0].unread_message_count == 1
    assert b_sub.state.latest_snapshot[0].unread_message_count == 0
    await chat.send("see you")
    await wait_until(lambda: b_sub.state.latest_snapshot[0].last_message.plaintext == "see you", what="alice's reply")
    assert b_sub.state.latest_snapshot[0].last_message.sender.id == "alice"
    a_sub.unsubscribe()
    b_sub.unsubscribe()


async def test_a_raising_callback_does_not_end_the_subscription(world) -> None:
    app_id, admin = world
    await admin.conversation("x", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    calls = []

    def boom(snaps, loaded_all):
        calls.append(len(snaps))
        raise RuntimeError("callback bug")

    sub = alice.subscribe_conversations(boom)
    await sub.connected
    await admin.send("x", "bob", "still alive?")
    await wait_until(lambda: len(calls) >= 2, what="a second callback")
    assert sub.state.type == "active"
    sub.unsubscribe()


async def test_polling_emits_only_changes_and_keeps_unchanged_snapshots(world) -> None:
    """The cloud path (REST polling), run against the emulator through the same code."""
    app_id, admin = world
    await admin.conversation("p1", "alice", "bob")
    await admin.conversation("p2", "alice", "bob")
    await admin.send("p1", "bob", "hello")
    server = shared_server()
    alice = await get_talk_session(
        app_id, "alice", secret_key=server.ensure_app(app_id), host=server.base_url, live="poll", poll_interval=0.05
    )
    calls: list[tuple] = []
    sub = alice.subscribe_conversations(lambda snaps, loaded_all: calls.append(snaps))
    await sub.connected
    polls = []
    original = sub._resync

    async def counting_resync() -> bool:
        changed = await original()
        polls.append(changed)
        return changed

    sub._resync = counting_resync  # count the polls the session makes
    await wait_until(lambda: len(polls) >= 5, what="five quiet polls")
    assert not any(polls) and len(calls) == 1, "a poll that finds nothing new emits nothing"
    before = calls[-1]
    await admin.send("p2", "bob", "news")
    await wait_until(lambda: ids(sub)[0] == "p2", what="the change to be polled")
    after = calls[-1]
    assert after[1] is before[0], "the unchanged conversation keeps its snapshot object"
    await alice.aclose()


async def test_a_closed_session_is_replaced_by_the_registry(world) -> None:
    app_id, _ = world
    first = await get_talk_session(app_id=app_id, user_id="alice")
    await first.aclose()
    assert first.closed
    second = await get_talk_session(app_id=app_id, user_id="alice")
    assert second is not first and not second.closed
    assert (await second.user("alice").get()).id == "alice"
