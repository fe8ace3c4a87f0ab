"""Following any user's profile over real live-feed connections: the ``watch`` op's ``users``
list, the ephemeral ``user`` frames (once per change, never to a connection that gets the stored
``user.updated`` event), what each token sees, unwatching, and bad ``users`` content."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.feed_client import TIMEOUT, Feed, open_feed
from tests.server_support import make_conversation, make_users, ok


@pytest.fixture
def world(client: httpx.Client) -> httpx.Client:
    make_users(client, "alice", "bob", "zed")
    ok(client.put("/users/alice", json={"email": ["alice@example.com"], "phone": ["+100"]}))
    make_conversation(client, "c", "alice", "bob")  # bob is alice's contact, zed is not
    return client


async def until_pong(feed: Feed) -> list[dict[str, Any]]:
    """Every frame the server sent before answering a ping (frames go out in order)."""
    await feed.send({"op": "ping"})
    frames = await feed.until(lambda f: f.get("op") == "pong")
    return frames[:-1]


def is_user_frame(frame: dict[str, Any]) -> bool:
    return frame.get("op") == "user"


async def test_watchers_get_one_user_frame_per_change_unless_they_get_the_event(server, world) -> None:
    zed = await open_feed(server, server.user_token("zed"))
    await zed.send({"op": "watch", "users": ["alice", "nobody", "alice"]})
    first, unknown = await zed.frame(), await zed.frame()
    assert first["op"] == "user" and first["userId"] == "alice" and "seq" not in first
    # a user token reads another user's public profile only, as GET /users/{id} shows it
    assert first["user"] == ok(httpx.get(f"{server.api}/users/alice", headers=_bearer(server, "zed"))).json()
    assert first["user"]["name"] == "Alice" and first["user"]["email"] is None and first["user"]["phone"] is None
    assert unknown == {"op": "user", "userId": "nobody", "user": None}
    bob = await open_feed(server, server.user_token("bob"))  # a contact
    await bob.send({"op": "watch", "users": ["alice"]})
    app_view = await open_feed(server, userId="zed")  # app credentials with zed's view: alice in full
    await app_view.send({"op": "watch", "users": ["alice"]})
    admin = await open_feed(server)  # gets every event
    await admin.send({"op": "watch", "users": ["alice"]})
    for feed in (bob, app_view, admin):
        assert is_user_frame(await feed.frame())
    assert await until_pong(zed) == []

    for name in ("Alice A.", "Alice B."):
        ok(world.put("/users/alice", json={"name": name}))
        (changed,) = await until_pong(zed)
        assert changed == {"op": "user", "userId": "alice", "user": {**first["user"], "name": name}}
        (full,) = await until_pong(app_view)
        assert full["op"] == "user" and full["user"]["name"] == name
        assert full["user"]["email"] == ["alice@example.com"] and full["user"]["phone"] == ["+100"]
        for feed in (bob, admin):  # the stored event reaches them: no user frame as well
            (event,) = await until_pong(feed)
            assert event["op"] == "event" and event["type"] == "user.updated"
            assert event["data"]["user"]["name"] == name

    ok(world.put("/users/bob", json={"name": "Bob B."}))  # not watched: nothing for zed
    assert await until_pong(zed) == []
    ok(world.put("/users/alice", json={"name": "Alice B."}))  # no change, no event: no frame
    assert await until_pong(zed) == []
    for feed in (zed, bob, app_view, admin):
        await feed.close()


async def test_user_updated_events_show_contacts_the_public_profile_live_and_replayed(server, world) -> None:
    alice = await open_feed(server, server.user_token("alice"))  # the user herself: all of it
    bob = await open_feed(server, server.user_token("bob"))  # a contact with a user token
    admin = await open_feed(server)
    since = bob.hello["seq"]
    ok(world.put("/users/alice", json={"name": "Alice C."}))
    seen = {}
    for name, feed in (("alice", alice), ("bob", bob), ("admin", admin)):
        (event,) = await until_pong(feed)
        assert event["type"] == "user.updated" and event["data"]["user"]["name"] == "Alice C."
        seen[name] = event["data"]["user"]
    public = ok(httpx.get(f"{server.api}/users/alice", headers=_bearer(server, "bob"))).json()
    assert seen["bob"] == public and public["email"] is None and public["phone"] is None
    for name in ("alice", "admin"):
        assert seen[name]["email"] == ["alice@example.com"] and seen[name]["phone"] == ["+100"]
    # a resumed connection replays the event the same way
    again = await open_feed(server, server.user_token("bob"), since=since)
    replayed = [f for f in await until_pong(again) if f.get("type") == "user.updated"]
    assert [f["data"]["user"] for f in replayed] == [public]
    for feed in (alice, bob, admin, again):
        await feed.close()


async def test_a_user_who_becomes_a_contact_gets_the_event_instead(server, world) -> None:
    zed = await open_feed(server, server.user_token("zed"))
    await zed.send({"op": "watch", "users": ["alice"]})
    assert is_user_frame(await zed.frame())
    make_conversation(world, "later", "alice", "zed")
    await zed.until(lambda f: f.get("type") == "participant.joined" and f["data"]["userId"] == "zed")
    await until_pong(zed)
    ok(world.put("/users/alice", json={"name": "Alice Z."}))
    (event,) = await until_pong(zed)
    assert event["op"] == "event" and event["type"] == "user.updated"
    await zed.close()


async def test_unwatching_stops_user_frames(server, world) -> None:
    zed = await open_feed(server, server.user_token("zed"))
    await zed.send({"op": "watch", "users": ["alice"], "presence": ["bob"]})
    assert {f["op"] for f in [await zed.frame(), await zed.frame()]} == {"user", "presence"}
    # a watch without "users" keeps the users watched
    await zed.send({"op": "watch", "presence": []})
    ok(world.put("/users/alice", json={"name": "Alice A."}))
    (changed,) = await until_pong(zed)
    assert changed["op"] == "user" and changed["user"]["name"] == "Alice A."
    # re-watching a watched user sends nothing new; an empty list stops
    await zed.send({"op": "watch", "users": ["alice"]})
    assert await until_pong(zed) == []
    await zed.send({"op": "watch", "users": []})
    ok(world.put("/users/alice", json={"name": "Alice B."}))
    assert await until_pong(zed) == []
    assert server.embedded.emulator.user_watch.watcher_count(server.app_id, "alice") == 0
    # a closed connection forgets its watch too
    other = await open_feed(server, server.user_token("zed"))
    await other.send({"op": "watch", "users": ["alice"]})
    assert is_user_frame(await other.frame())
    assert server.embedded.emulator.user_watch.watcher_count(server.app_id, "alice") == 1
    await other.close()
    await _wait(lambda: server.embedded.emulator.user_watch.watcher_count(server.app_id, "alice") == 0)
    await zed.close()


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ({"op": "watch", "users": "alice"}, 'watch: "users" must be an array of user ids'),
        ({"op": "watch", "users": [7]}, 'watch: "users" holds user ids of 1..255 characters, got 7'),
        ({"op": "watch", "users": [""]}, "watch: \"users\" holds user ids of 1..255 characters, got ''"),
        ({"op": "watch", "users": ["x" * 256]}, 'watch: "users" holds user ids of 1..255 characters'),
        ({"op": "watch", "users": [f"u{n}" for n in range(1001)]}, 'watch: "users" holds at most 1000 users, got 1001'),
        ({"op": "watch", "presence": [], "users": None}, 'watch: "users" must be an array of user ids'),
        ({"op": "watch"}, 'watch: give "presence", "users" or both (arrays of user ids)'),
    ],
)
async def test_bad_users_close_with_1007_and_the_reason(server, world, frame: dict[str, Any], reason: str) -> None:
    feed = await open_feed(server, server.user_token("zed"))
    await feed.send(frame)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(feed.ws.recv(), TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    assert closed.value.rcvd.reason.startswith(reason)


def _bearer(server: Any, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.user_token(user_id)}"}


async def _wait(predicate: Any) -> None:
    for _ in range(500):  # bounded: 10 s at most
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server kept the closed connection's watch")
