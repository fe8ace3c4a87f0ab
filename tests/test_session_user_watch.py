"""``user(id).subscribe()`` follows anyone live on the real emulator: a user who shares no
conversation with you through the feed's ``watch`` of ``users``, a contact through the stored
events (never both), and unsubscribing ends the server's watch."""

from __future__ import annotations

from typing import Any

from talkwidgets import get_talk_session
from talkwidgets.emulator import shared_server
from talkwidgets.model.auth import mint_user_token
from tests.session_support import wait_until


def snap(sub: Any) -> Any:
    return sub.state.latest_snapshot


def watchers(app_id: str, user_id: str) -> int:
    return shared_server().emulator.user_watch.watcher_count(app_id, user_id)


async def test_a_user_who_shares_no_conversation_is_followed_live_until_unsubscribed(world) -> None:
    app_id, admin = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    carol = await get_talk_session(app_id=app_id, user_id="carol")
    me = alice.current_user.subscribe()  # keeps alice's feed open after the other subscription ends
    await me.connected
    seen: list[Any] = []
    sub = alice.user("carol").subscribe(seen.append)
    assert (await sub.connected).latest_snapshot.name == "Carol"
    await wait_until(lambda: watchers(app_id, "carol") == 1, what="the feed to watch carol")

    await carol.current_user.set(name="Carol C.", custom={"team": "green"})
    await wait_until(lambda: snap(sub).name == "Carol C.", what="carol's new name, live")
    assert dict(snap(sub).custom) == {"team": "green"}
    await admin.call("PUT", "/users/carol", json={"name": "Carol D."})
    await wait_until(lambda: snap(sub).name == "Carol D.", what="carol's second name")
    assert [s.name for s in seen] == ["Carol", "Carol C.", "Carol D."]  # one emission per change

    again = alice.user("carol").subscribe()  # two subscriptions, one watch
    await again.connected
    sub.unsubscribe()
    assert watchers(app_id, "carol") == 1
    again.unsubscribe()
    await wait_until(lambda: watchers(app_id, "carol") == 0, what="the feed to stop watching carol")
    assert alice.connection == "connected"
    me.unsubscribe()


async def test_the_watch_is_sent_again_after_a_reconnect(world) -> None:
    app_id, admin = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.user("carol").subscribe()
    await sub.connected
    await wait_until(lambda: watchers(app_id, "carol") == 1, what="the feed to watch carol")
    before = await admin.call("GET", "/users/alice/sessions")
    statuses: list[str] = []
    alice.on_connection_change(statuses.append)
    alice.set_token(mint_user_token(app_id, "alice", admin.secret, ttl=3600))  # the feed reconnects
    await wait_until(lambda: statuses[-2:] == ["reconnecting", "connected"], what="alice's feed to reconnect")
    after = await admin.call("GET", "/users/alice/sessions")
    assert {s["id"] for s in after["data"]} - {s["id"] for s in before["data"]}  # a new connection
    await wait_until(lambda: watchers(app_id, "carol") == 1, what="the new connection to watch carol")
    await admin.call("PUT", "/users/carol", json={"name": "Carol R."})
    await wait_until(lambda: snap(sub).name == "Carol R.", what="carol's name after the reconnect")
    sub.unsubscribe()


async def test_a_contact_changes_once_per_change_and_yourself_is_not_watched(world) -> None:
    app_id, admin = world
    await admin.call("PUT", "/users/bob", json={"email": ["bob@example.com"]})
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    seen: list[Any] = []
    sub = alice.user("bob").subscribe(seen.append)
    me = alice.current_user.subscribe()
    assert (await sub.connected).latest_snapshot.name == "Bob"
    await me.connected
    assert watchers(app_id, "alice") == 0  # your own changes always reach you as events
    for name in ("Bob B.", "Bob C."):
        await admin.call("PUT", "/users/bob", json={"name": name})
        await wait_until(lambda name=name: snap(sub).name == name, what=f"bob renamed {name}")
    await admin.call("PUT", "/users/alice", json={"name": "Alice A."})
    await wait_until(lambda: snap(me).name == "Alice A.", what="alice's own rename")
    # by now every frame about bob's changes has been applied (the feed is ordered)
    assert [s.name for s in seen] == ["Bob", "Bob B.", "Bob C."]
    sub.unsubscribe()
    me.unsubscribe()


async def test_online_subscription_follows_a_non_contact_profile_too(world) -> None:
    app_id, admin = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.user("carol").subscribe_online()
    assert (await sub.connected).latest_snapshot.user.name == "Carol"
    await admin.call("PUT", "/users/carol", json={"name": "Carol O."})
    await wait_until(lambda: snap(sub).user.name == "Carol O.", what="carol's new name in the online snapshot")
    sub.unsubscribe()
    await wait_until(lambda: watchers(app_id, "carol") == 0, what="the online subscription to unwatch")
