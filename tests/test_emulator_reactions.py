"""Reactions over a real server: routes, summaries in message JSON, normalisation of Unicode emoji,
custom ``:name:`` emoji, the 50-emoji limit, feed events and the auth matrix."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest

from talkwidgets.emulator import EmulatorConfig
from tests.feed_client import is_text, open_feed
from tests.server_support import assert_error, auth, make_conversation, make_users, ok, send, start_server

HEART_UNQUALIFIED = "\u2764"  # ❤ without its variation selector
HEART = "\u2764\ufe0f"  # ❤️ fully qualified
THUMBS = "\U0001f44d"
THUMBS_DARK = "\U0001f44d\U0001f3ff"


def path(cid: str, mid: str, emoji: str, user: str | None = None) -> str:
    out = f"/conversations/{cid}/messages/{mid}/reactions/{urllib.parse.quote(emoji, safe='')}"
    return out + (f"/{user}" if user else "")


@pytest.fixture
def world(client: httpx.Client) -> tuple[httpx.Client, str]:
    make_users(client, "alice", "bob", "carol", "reader", "zed")
    make_conversation(client, "c", "alice", "bob", "carol", "reader")
    ok(client.patch("/conversations/c/participants/reader", json={"access": "Read"}))
    make_conversation(client, "other", "zed")
    (mid,) = send(client, "c", "react to me", sender="alice")
    return client, mid


def summary_of(client: httpx.Client, mid: str, viewer: str | None = None) -> list[dict[str, Any]]:
    url = f"/users/{viewer}/conversations/c/messages/{mid}" if viewer else f"/conversations/c/messages/{mid}"
    reactions: list[dict[str, Any]] = ok(client.get(url)).json()["reactions"]
    return reactions


def test_add_remove_summary_order_and_viewer_flags(world, user_client) -> None:
    client, mid = world
    assert summary_of(client, mid) == []
    ok(user_client("bob").put(path("c", mid, THUMBS, "bob")))
    ok(user_client("carol").put(path("c", mid, HEART, "carol")))
    ok(user_client("alice").put(path("c", mid, THUMBS, "alice")))
    ok(user_client("reader").put(path("c", mid, ":party-parrot:", "reader")))  # read-only access may react
    ok(user_client("bob").put(path("c", mid, THUMBS, "bob")))  # idempotent
    expected = [{"emoji": THUMBS, "count": 2}, {"emoji": HEART, "count": 1}, {"emoji": ":party-parrot:", "count": 1}]
    assert summary_of(client, mid) == expected  # first-added order, no per-viewer field
    listed = ok(client.get("/conversations/c/messages")).json()["data"][0]
    assert listed["reactions"] == expected
    assert summary_of(client, mid, "bob") == [
        {"emoji": THUMBS, "count": 2, "currentUserReacted": True},
        {"emoji": HEART, "count": 1, "currentUserReacted": False},
        {"emoji": ":party-parrot:", "count": 1, "currentUserReacted": False},
    ]
    assert [r["currentUserReacted"] for r in summary_of(client, mid, "carol")] == [False, True, False]
    # the conversation's lastMessage carries the summary too
    assert ok(client.get("/conversations/c")).json()["lastMessage"]["reactions"] == expected
    ok(user_client("alice").delete(path("c", mid, THUMBS, "alice")))
    ok(user_client("alice").delete(path("c", mid, THUMBS, "alice")))  # idempotent
    ok(user_client("carol").delete(path("c", mid, HEART, "carol")))
    assert summary_of(client, mid) == [{"emoji": THUMBS, "count": 1}, {"emoji": ":party-parrot:", "count": 1}]
    # an emoji removed entirely and added again moves to the end
    ok(client.put(path("c", mid, HEART, "alice")))
    assert [r["emoji"] for r in summary_of(client, mid)] == [THUMBS, ":party-parrot:", HEART]


def test_unicode_emoji_are_stored_fully_qualified(world) -> None:
    client, mid = world
    ok(client.put(path("c", mid, HEART_UNQUALIFIED, "bob")))
    ok(client.put(path("c", mid, HEART, "carol")))
    ok(client.put(path("c", mid, "1\u20e3", "bob")))  # keycap 1 without FE0F
    ok(client.put(path("c", mid, THUMBS_DARK, "bob")))
    assert summary_of(client, mid) == [
        {"emoji": HEART, "count": 2},
        {"emoji": "1\ufe0f\u20e3", "count": 1},
        {"emoji": THUMBS_DARK, "count": 1},
    ]
    who = ok(client.get(path("c", mid, HEART_UNQUALIFIED))).json()["data"]
    assert [r["userId"] for r in who] == ["bob", "carol"]
    ok(client.delete(path("c", mid, HEART_UNQUALIFIED, "carol")))  # either form addresses it
    assert summary_of(client, mid)[0] == {"emoji": HEART, "count": 1}


@pytest.mark.parametrize(
    "emoji",
    ["x", "ab", ":", "::", ":no spaces:", ":dots.not.allowed:", ":" + "a" * 49 + ":", THUMBS + THUMBS, "1", "#"],
)
def test_invalid_emoji_are_refused_and_nothing_is_stored(world, emoji: str) -> None:
    client, mid = world
    body = assert_error(client.put(path("c", mid, emoji, "bob")), 400)
    assert body["errorCode"] == "INVALID_EMOJI"
    assert summary_of(client, mid) == []


def test_custom_emoji_up_to_fifty_characters(world) -> None:
    client, mid = world
    longest = ":" + "a" * 48 + ":"
    ok(client.put(path("c", mid, longest, "bob")))
    ok(client.put(path("c", mid, ":+1_ok-Yes:", "bob")))
    assert [r["emoji"] for r in summary_of(client, mid)] == [longest, ":+1_ok-Yes:"]


def test_fifty_distinct_emoji_per_message(world) -> None:
    client, mid = world
    names = [f":e{n}:" for n in range(50)]
    for name in names:
        ok(client.put(path("c", mid, name, "bob")))
    body = assert_error(client.put(path("c", mid, ":one-too-many:", "carol")), 400)
    assert body["errorCode"] == "TOO_MANY_REACTIONS"
    ok(client.put(path("c", mid, ":e7:", "carol")))  # an emoji already there still counts up
    summary = summary_of(client, mid)
    assert [r["emoji"] for r in summary] == names and summary[7]["count"] == 2
    ok(client.delete(path("c", mid, ":e0:", "bob")))
    ok(client.put(path("c", mid, ":one-more:", "carol")))  # room again
    assert len(summary_of(client, mid)) == 50


def test_who_reacted_oldest_first_and_paging(world) -> None:
    client, mid = world
    for user in ("carol", "alice", "bob", "reader"):
        ok(client.put(path("c", mid, THUMBS, user)))
    ok(client.put(path("c", mid, HEART, "bob")))
    everyone = ok(client.get(path("c", mid, THUMBS), params={"limit": 100})).json()["data"]
    assert [r["userId"] for r in everyone] == ["carol", "alice", "bob", "reader"]
    assert all(set(r) == {"userId", "createdAt"} for r in everyone)
    assert [r["createdAt"] for r in everyone] == sorted(r["createdAt"] for r in everyone)
    walked, after = [], None
    while True:
        params = {"limit": 1, **({"startingAfter": after} if after else {})}
        page = ok(client.get(path("c", mid, THUMBS), params=params)).json()["data"]
        if not page:
            break
        walked += page
        after = page[-1]["userId"]
    assert walked == everyone
    assert ok(client.get(path("c", mid, ":nobody:"))).json()["data"] == []
    assert_error(client.get(path("c", mid, THUMBS), params={"startingAfter": "zed"}), 400)
    assert_error(client.get(path("c", mid, THUMBS), params={"limit": 101}), 400)
    assert_error(client.get(path("c", mid, THUMBS), params={"limit": 0}), 400)


def test_auth_matrix(server, world, user_client) -> None:
    client, mid = world
    target = path("c", mid, THUMBS, "bob")
    for method in ("PUT", "DELETE"):
        assert_error(httpx.request(method, f"{server.api}{target}"), 401)
        assert_error(httpx.request(method, f"{server.api}{target}", headers={"Authorization": "Bearer sk_x"}), 401)
        assert_error(user_client("alice").request(method, target), 403)  # acting as another user
        assert_error(user_client("zed").request(method, path("c", mid, THUMBS, "zed")), 403)  # not in it
        assert_error(client.request(method, path("c", mid, THUMBS, "zed")), 403)  # app acting for an outsider
        assert_error(client.request(method, path("c", "msg_nope", THUMBS, "bob")), 404)
        assert_error(client.request(method, path("nope", mid, THUMBS, "bob")), 404)
        assert_error(client.request(method, path("other", mid, THUMBS, "zed")), 404)  # not that conversation's
    assert summary_of(client, mid) == []
    listing = path("c", mid, THUMBS)
    assert_error(httpx.get(f"{server.api}{listing}"), 401)
    assert_error(user_client("zed").get(listing), 403)
    assert ok(user_client("reader").get(listing)).json() == {"data": []}


async def test_feed_events(server, world, user_client) -> None:
    client, mid = world
    carol = await open_feed(server, server.user_token("carol"))
    zed = await open_feed(server, server.user_token("zed"))
    ok(user_client("bob").put(path("c", mid, HEART_UNQUALIFIED, "bob")))
    ok(user_client("bob").put(path("c", mid, HEART, "bob")))  # no change, no event
    ok(user_client("alice").put(path("c", mid, THUMBS, "alice")))
    ok(user_client("bob").delete(path("c", mid, HEART, "bob")))
    ok(user_client("bob").delete(path("c", mid, HEART, "bob")))  # no change, no event
    send(client, "c", "marker", sender="alice")
    frames = [f for f in await carol.until(is_text("marker")) if f["op"] == "event"]
    assert [f["type"] for f in frames] == ["reaction.added", "reaction.added", "reaction.removed", "message.sent"]
    added, _, removed, _ = frames
    assert added["conversationId"] == "c" and isinstance(added["seq"], int)
    data = added["data"]
    assert set(data) == {"messageId", "emoji", "userId", "createdAt", "reactions"}
    assert (data["messageId"], data["emoji"], data["userId"]) == (mid, HEART, "bob")
    assert data["reactions"] == [{"emoji": HEART, "count": 1}]
    assert removed["data"]["reactions"] == [{"emoji": THUMBS, "count": 1}]
    assert removed["data"]["createdAt"] == data["createdAt"]  # when the removed reaction was added
    # persisted: a feed resuming from before them replays them
    replay = await open_feed(server, server.user_token("carol"), since=carol.hello["seq"])
    again = [f for f in await replay.until(is_text("marker")) if f["op"] == "event"]
    assert [f["seq"] for f in again] == [f["seq"] for f in frames]
    # an outsider's feed saw none of it
    send(client, "other", "zed marker", sender="zed")
    assert [f.get("type") for f in await zed.until(is_text("zed marker"))] == ["message.sent"]
    for feed in (carol, zed, replay):
        await feed.close()


def test_deleting_messages_conversations_and_apps_deletes_their_reactions(tmp_path: Path) -> None:
    db_path = tmp_path / "reactions.db"
    server = start_server(EmulatorConfig(db_path=str(db_path)))
    db = sqlite3.connect(db_path)
    try:
        with httpx.Client(base_url=server.api, headers=auth(server.secret_key), timeout=10) as client:
            make_users(client, "alice", "bob")
            make_conversation(client, "c", "alice", "bob")
            make_conversation(client, "d", "alice", "bob")
            first, second = send(client, "c", "one", "two", sender="alice")
            (third,) = send(client, "d", "three", sender="alice")
            for mid, cid in ((first, "c"), (second, "c"), (third, "d")):
                ok(client.put(path(cid, mid, THUMBS, "bob")))

            def count() -> int:
                return int(db.execute("SELECT COUNT(*) FROM reactions").fetchone()[0])

            assert count() == 3
            ok(client.delete(f"/conversations/c/messages/{first}"))
            assert count() == 2
            ok(client.delete("/conversations/c"))
            assert count() == 1
            server.embedded.reset(server.app_id)
            assert count() == 0
    finally:
        db.close()
        server.embedded.stop()
