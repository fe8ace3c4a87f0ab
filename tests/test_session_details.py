"""A conversation's details, live, between two users on the real emulator: ``ConversationRef.subscribe``,
``subscribe_participants``, ``ParticipantRef.subscribe``/``edit``, ``UserRef.subscribe``,
``mark_as_unread``, and ``access``/``notify`` on conversations (``None`` resets to the defaults)."""

from __future__ import annotations

from typing import Any

import pytest

from talkwidgets import InvalidArgumentError, NotFoundError, get_talk_session
from tests.session_support import wait_until


def snap(sub: Any) -> Any:
    return sub.state.latest_snapshot


async def test_conversation_subscription_follows_the_other_user_and_membership(world) -> None:
    app_id, admin = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    sub = alice.conversation("c").subscribe(seen.append)
    assert (await sub.connected).latest_snapshot is None  # does not exist yet

    await bob.conversation("c").create_if_not_exists(subject="Plans")
    await bob.conversation("c").participant("alice").create_if_not_exists()
    await wait_until(lambda: snap(sub) is not None, what="alice to be added")
    assert snap(sub).subject == "Plans" and set(snap(sub).participant_ids) == {"alice", "bob"}

    await bob.conversation("c").set(subject="New plans", custom={"x": "1"})
    await wait_until(lambda: snap(sub).subject == "New plans", what="the new subject")
    assert dict(snap(sub).custom) == {"x": "1"}
    await bob.conversation("c").send("hi")
    await wait_until(lambda: snap(sub).unread_message_count == 1, what="bob's message")
    assert snap(sub).last_message.plaintext == "hi" and snap(sub).is_unread
    await bob.current_user.set(name="Robert")  # nested data: the last message's sender
    await wait_until(lambda: snap(sub).last_message.sender.name == "Robert", what="the sender's new name")
    await alice.conversation("c").mark_as_read()
    await wait_until(lambda: not snap(sub).is_unread, what="read")
    await alice.conversation("c").mark_as_unread()
    await wait_until(lambda: snap(sub).is_unread, what="marked unread")
    assert snap(sub).unread_message_count == 0, "marked unread with no unread message"
    count = len(seen)
    await bob.conversation("c").participant("carol").set()  # a change alice sees: participant_ids
    await wait_until(lambda: "carol" in snap(sub).participant_ids, what="carol")
    assert len(seen) > count

    await bob.conversation("c").participant("alice").delete()
    await wait_until(lambda: snap(sub) is None, what="alice to be removed")
    sub.unsubscribe()


async def test_participants_window_order_load_more_and_live_changes(world) -> None:
    app_id, admin = world
    for n in range(13):
        await admin.user(f"u{n:02d}")
    await admin.conversation("c", "alice")
    for n in range(13):
        await admin.call("PUT", f"/conversations/c/participants/u{n:02d}", json={})
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.conversation("c").subscribe_participants()
    state = await sub.connected
    assert [p.user.id for p in state.latest_snapshot] == [f"u{n:02d}" for n in range(12, 2, -1)]
    assert state.loaded_all is False
    await sub.load_more(50)
    assert [p.user.id for p in snap(sub)] == [f"u{n:02d}" for n in range(12, -1, -1)] + ["alice"]
    assert sub.state.loaded_all is True
    with pytest.raises(InvalidArgumentError):
        await sub.load_more(51)

    bob = await get_talk_session(app_id=app_id, user_id="bob")
    await admin.call("PUT", "/conversations/c/participants/bob", json={"access": "Read"})
    await wait_until(lambda: snap(sub)[0].user.id == "bob", what="bob to join at the top")
    assert snap(sub)[0].access == "Read" and snap(sub)[0].notify is True
    await bob.current_user.set(name="Bobby")
    await wait_until(lambda: snap(sub)[0].user.name == "Bobby", what="bob's new name")
    await admin.call("PATCH", "/conversations/c/participants/bob", json={"notify": False})
    await wait_until(lambda: snap(sub)[0].notify is False, what="bob's settings")
    await bob.conversation("c").participant("bob").delete()  # bob leaves
    await wait_until(lambda: snap(sub)[0].user.id == "u12", what="bob to leave")
    await admin.call("DELETE", "/conversations/c/participants/alice")
    await wait_until(lambda: snap(sub) is None, what="alice to leave")
    sub.unsubscribe()


async def test_single_participant_and_edit_and_resets(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    sub = alice.conversation("c").participant("bob").subscribe(seen.append)
    first = (await sub.connected).latest_snapshot
    assert first.user.id == "bob" and (first.access, first.notify) == ("ReadWrite", True)

    await bob.conversation("c").participant("bob").edit(notify="MentionsOnly")
    await wait_until(lambda: snap(sub).notify == "MentionsOnly", what="bob's notify")
    await alice.conversation("c").participant("bob").edit(access="Read")
    await wait_until(lambda: snap(sub).access == "Read", what="bob's access")
    await alice.conversation("c").participant("bob").edit(access=None, notify=None)  # back to the defaults
    await wait_until(lambda: (snap(sub).access, snap(sub).notify) == ("ReadWrite", True), what="the reset")
    assert (await alice.conversation("c").participant("bob").get()) is not None, "a reset never removes"

    with pytest.raises(NotFoundError):
        await alice.conversation("c").participant("carol").edit(notify=False)  # edit never adds
    assert await alice.conversation("c").participant("carol").get() is None
    for bad in ({"access": "None"}, {"access": "Admin"}, {"notify": "sometimes"}, {"notify": 1}):
        with pytest.raises(InvalidArgumentError):
            await alice.conversation("c").participant("bob").edit(**bad)

    await admin.call("DELETE", "/conversations/c/participants/bob")
    await wait_until(lambda: snap(sub) is None, what="bob to leave")
    await admin.call("PUT", "/conversations/c/participants/bob", json={"notify": False})
    await wait_until(lambda: snap(sub) is not None and snap(sub).notify is False, what="bob to come back")
    sub.unsubscribe()


async def test_conversation_set_and_create_take_access_and_notify_for_you(world) -> None:
    app_id, admin = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    conv = alice.conversation("mine")
    await conv.create_if_not_exists(subject="Mine", notify="MentionsOnly")
    got = await conv.get()
    assert got.subject == "Mine" and (got.access, got.notify) == ("ReadWrite", "MentionsOnly")
    await conv.set(notify=False)
    assert (await conv.get()).notify is False
    await conv.set(notify=None, subject="Still mine")  # None resets to the default
    got = await conv.get()
    assert got.notify is True and got.subject == "Still mine"
    await conv.set(access="Read")
    assert (await conv.get()).access == "Read"
    with pytest.raises(InvalidArgumentError):
        await conv.set(access="Write")
    with pytest.raises(InvalidArgumentError):
        await conv.set(colour="blue")
    assert (await conv.get()).access == "Read", "a refused call changed nothing"


async def test_user_subscription_follows_changes_and_creation(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    sub = alice.user("bob").subscribe(seen.append)
    assert (await sub.connected).latest_snapshot.name == "Bob"
    await bob.current_user.set(name="Bob B.", custom={"team": "blue"})
    await wait_until(lambda: snap(sub).name == "Bob B.", what="bob's new name")
    assert dict(snap(sub).custom) == {"team": "blue"}
    emitted = len(seen)
    await bob.current_user.set(name="Bob B.")  # no change: no emission, same object
    await bob.current_user.set(custom={"team": "red"})
    await wait_until(lambda: snap(sub).custom.get("team") == "red", what="bob's new team")
    assert len(seen) == emitted + 1

    me = alice.current_user.subscribe()
    assert (await me.connected).latest_snapshot.name == "Alice"
    nobody = alice.user("nobody").subscribe()
    assert (await nobody.connected).latest_snapshot is None
    for s in (sub, me, nobody):
        s.unsubscribe()
    with pytest.raises(InvalidArgumentError):
        alice.user("bob").subscribe("not callable")  # type: ignore[arg-type]
