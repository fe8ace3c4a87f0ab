"""Typing indicators and presence over real live-feed connections: ephemeral ``typing`` and
``presence`` frames, the server's typing timer, clearing by a sent message, the ``watch`` op,
the REST routes and their auth matrices."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from talkwidgets.emulator import EmulatorConfig
from tests.feed_client import TIMEOUT, is_text, open_feed
from tests.server_support import assert_error, make_conversation, make_users, ok, send

SHORT = 0.4  # seconds of typing in these tests, so the server's timer fires soon


@pytest.fixture
def server_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    """Short typing unless a test passes its own config (``indirect`` parametrisation)."""
    config: EmulatorConfig = getattr(request, "param", None) or EmulatorConfig(typing_seconds=SHORT)
    return config


@pytest.fixture
def world(client: httpx.Client) -> httpx.Client:
    make_users(client, "alice", "bob", "carol", "reader", "zed")
    make_conversation(client, "c", "alice", "bob", "carol", "reader")
    ok(client.patch("/conversations/c/participants/reader", json={"access": "Read"}))
    make_conversation(client, "other", "zed")
    return client


def is_typing(user: str, typing: bool | None = None):
    return lambda f: f.get("op") == "typing" and f["userId"] == user and (typing is None or f["typing"] is typing)


def is_presence(user: str, online: bool):
    return lambda f: f.get("op") == "presence" and f["userId"] == user and f["isOnline"] is online


async def test_typing_frames_reach_participants_and_expire(server, world, user_client) -> None:
    bob = await open_feed(server, server.user_token("bob"))
    assert bob.hello["v"] == 2
    admin = await open_feed(server)
    zed = await open_feed(server, server.user_token("zed"))
    ok(user_client("alice").post("/conversations/c/typing/alice"))
    (start,) = await bob.until(is_typing("alice"))
    assert set(start) == {"op", "conversationId", "userId", "typing", "startedAt", "expiresAt"} and "seq" not in start
    assert start["conversationId"] == "c" and start["typing"] is True
    assert start["expiresAt"] - start["startedAt"] == SHORT * 1000
    assert (await admin.until(is_typing("alice")))[-1] == start
    listed = ok(world.get("/conversations/c/typing")).json()["data"]
    assert listed == [{"userId": "alice", "startedAt": start["startedAt"], "expiresAt": start["expiresAt"]}]
    # the server's timer ends it
    stop = (await bob.until(is_typing("alice")))[-1]
    assert stop == {"op": "typing", "conversationId": "c", "userId": "alice", "typing": False}
    assert ok(world.get("/conversations/c/typing")).json()["data"] == []
    # an outsider saw nothing; ephemeral frames are never replayed
    send(world, "other", "zed marker", sender="zed")
    assert [f.get("op") for f in await zed.until(is_text("zed marker"))] == ["event"]
    replay = await open_feed(server, server.user_token("bob"), since=bob.hello["seq"])
    send(world, "c", "bob marker", sender="bob")
    assert [f.get("op") for f in await replay.until(is_text("bob marker"))] == ["event"]
    for feed in (bob, admin, zed, replay):
        await feed.close()


@pytest.mark.parametrize("server_config", [EmulatorConfig()], indirect=True)
async def test_remarking_keeps_start_and_a_sent_message_clears(server, world, user_client) -> None:
    bob = await open_feed(server, server.user_token("bob"))
    alice = user_client("alice")
    ok(alice.post("/conversations/c/typing/alice"))
    first = (await bob.until(is_typing("alice")))[-1]
    assert first["expiresAt"] - first["startedAt"] == 10_000  # TalkJS's 10 s by default
    ok(user_client("carol").post("/conversations/c/typing/carol"))
    await bob.until(is_typing("carol"))
    ok(alice.post("/conversations/c/typing/alice"))  # again: same start, later end
    again = (await bob.until(is_typing("alice")))[-1]
    assert again["typing"] is True and again["startedAt"] == first["startedAt"]
    assert again["expiresAt"] >= first["expiresAt"]
    listed = ok(world.get("/conversations/c/typing")).json()["data"]
    assert [t["userId"] for t in listed] == ["alice", "carol"]  # the longest typist first
    # someone else's message does not clear alice; her own does, at once
    send(world, "c", "from carol", sender="carol")
    frames = await bob.until(is_typing("carol", False))  # carol's message ends carol's typing
    assert [f for f in frames if f.get("op") == "typing" and f["userId"] == "alice"] == []
    send(world, "c", "from alice", sender="alice")
    frames = await bob.until(is_typing("alice", False))
    assert [f.get("type") or f["op"] for f in frames if f.get("op") != "typing" or f["userId"] == "alice"] == [
        "message.sent",
        "typing",
    ]
    assert [t["userId"] for t in ok(world.get("/conversations/c/typing")).json()["data"]] == []
    await bob.close()


@pytest.mark.parametrize("server_config", [EmulatorConfig(typing_seconds=60)], indirect=True)
async def test_leaving_clears_typing(server, world, user_client) -> None:
    bob = await open_feed(server, server.user_token("bob"))
    ok(user_client("carol").post("/conversations/c/typing/carol"))
    await bob.until(is_typing("carol", True))
    ok(user_client("carol").delete("/conversations/c/participants/carol"))
    await bob.until(is_typing("carol", False))
    assert ok(world.get("/conversations/c/typing")).json()["data"] == []
    await bob.close()


def test_typing_auth_matrix(server, world, user_client) -> None:
    mark = "/conversations/c/typing/alice"
    assert_error(httpx.post(f"{server.api}{mark}"), 401)
    assert_error(httpx.post(f"{server.api}{mark}", headers={"Authorization": "Bearer sk_test_nope"}), 401)
    assert_error(user_client("bob").post(mark), 403)  # as another user
    assert_error(user_client("zed").post("/conversations/c/typing/zed"), 403)  # not a participant
    assert_error(world.post("/conversations/c/typing/zed"), 403)  # app, for an outsider
    assert_error(user_client("reader").post("/conversations/c/typing/reader"), 403)  # read-only
    assert_error(world.post("/conversations/c/typing/reader"), 403)
    assert_error(world.post("/conversations/nope/typing/alice"), 404)
    assert ok(world.get("/conversations/c/typing")).json() == {"data": []}  # nothing was marked
    ok(world.post(mark))
    assert [t["userId"] for t in ok(user_client("reader").get("/conversations/c/typing")).json()["data"]] == ["alice"]
    assert_error(user_client("zed").get("/conversations/c/typing"), 403)
    assert_error(httpx.get(f"{server.api}/conversations/c/typing"), 401)
    assert_error(world.get("/conversations/nope/typing"), 404)


async def test_presence_follows_live_feed_connections(server, world, user_client) -> None:
    bob = await open_feed(server, server.user_token("bob"))
    await bob.send({"op": "watch", "presence": ["alice", "carol", "alice"]})
    initial = [await bob.frame(), await bob.frame()]
    assert initial == [
        {"op": "presence", "userId": "alice", "isOnline": False},
        {"op": "presence", "userId": "carol", "isOnline": False},
    ]
    assert ok(world.get("/users/alice/presence")).json() == {"isOnline": False}
    assert ok(world.get("/users/alice/sessions")).json() == {"data": []}
    first = await open_feed(server, server.user_token("alice"))
    await bob.until(is_presence("alice", True))
    second = await open_feed(server, userId="alice")  # app credentials with a user view count too
    admin = await open_feed(server)  # an admin feed is nobody's presence
    assert ok(user_client("carol").get("/users/alice/presence")).json() == {"isOnline": True}
    sessions = ok(user_client("alice").get("/users/alice/sessions")).json()["data"]
    assert len(sessions) == 2 and all(set(s) == {"id", "connectedAt"} for s in sessions)
    assert len({s["id"] for s in sessions}) == 2
    online = ok(world.get("/users", params={"isOnline": "true"})).json()["data"]
    assert [u["id"] for u in online] == ["alice", "bob"]
    offline = ok(world.get("/users", params={"isOnline": "false", "limit": 100})).json()["data"]
    assert [u["id"] for u in offline] == ["carol", "reader", "zed"]
    paged = ok(world.get("/users", params={"isOnline": "false", "limit": 1, "startingAfter": "carol"})).json()
    assert [u["id"] for u in paged["data"]] == ["reader"]
    await first.close()
    await second.close()
    await bob.until(is_presence("alice", False))  # once, when the last connection went
    assert ok(world.get("/users/alice/presence")).json() == {"isOnline": False}
    assert ok(world.get("/users/alice/sessions")).json() == {"data": []}
    # a new watch replaces the set: only newly watched users are reported at once
    await bob.send({"op": "watch", "presence": ["carol", "zed"]})
    assert await bob.frame() == {"op": "presence", "userId": "zed", "isOnline": False}
    again = await open_feed(server, server.user_token("alice"))  # no longer watched
    carol = await open_feed(server, server.user_token("carol"))
    assert (await bob.until(lambda f: f.get("op") == "presence"))[-1] == {
        "op": "presence",
        "userId": "carol",
        "isOnline": True,
    }
    for feed in (again, carol, admin, bob):
        await feed.close()


def test_presence_routes_auth_and_bad_input(server, world, user_client) -> None:
    assert_error(httpx.get(f"{server.api}/users/alice/presence"), 401)
    assert_error(httpx.get(f"{server.api}/users/alice/sessions", headers={"Authorization": "Bearer sk_x"}), 401)
    assert ok(user_client("zed").get("/users/alice/presence")).json() == {"isOnline": False}  # anyone may ask
    assert_error(user_client("zed").get("/users/alice/sessions"), 403)  # only the user themselves
    assert_error(world.get("/users/nobody/presence"), 404)
    assert_error(world.get("/users/nobody/sessions"), 404)
    assert_error(user_client("alice").get("/users", params={"isOnline": "true"}), 403)
    body = assert_error(world.get("/users", params={"isOnline": "yes"}), 400)
    assert "isOnline" in body["reasons"][0]


@pytest.mark.parametrize(
    "frame",
    [
        {"op": "watch"},
        {"op": "watch", "presence": "alice"},
        {"op": "watch", "presence": [1]},
        {"op": "watch", "presence": [""]},
        {"op": "watch", "presence": ["x" * 256]},
        {"op": "watch", "presence": [f"u{n}" for n in range(1001)]},
    ],
)
async def test_a_bad_watch_closes_with_1007(server, world, frame: dict[str, Any]) -> None:
    feed = await open_feed(server, server.user_token("bob"))
    await feed.send(frame)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(feed.ws.recv(), TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    assert closed.value.rcvd.reason.startswith("watch:")


async def test_a_thousand_watched_users_is_the_limit(server, world) -> None:
    feed = await open_feed(server, server.user_token("bob"))
    await feed.send({"op": "watch", "presence": [f"u{n}" for n in range(1000)]})
    frames = [await feed.frame() for _ in range(1000)]
    assert [f["userId"] for f in frames] == [f"u{n}" for n in range(1000)]
    await feed.send({"op": "ping"})
    assert await feed.frame() == {"op": "pong"}
    await feed.close()
