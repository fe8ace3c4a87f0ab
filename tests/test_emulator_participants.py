"""Participant lists: ``GET /conversations/{cid}/participants[/{userId}]`` over a real server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.server_support import assert_error, make_conversation, make_users, ok

KEYS = {"userId", "access", "notify", "joinedAt", "readUntil"}


def walk(client: httpx.Client, cid: str, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"startingAfter": after} if after else {})}
        page = ok(client.get(f"/conversations/{cid}/participants", params=params)).json()["data"]
        out += page
        if len(page) < limit:
            return out
        after = page[-1]["userId"]


@pytest.fixture
def world(client: httpx.Client) -> httpx.Client:
    make_users(client, "alice", "bob", "carol", "dave", "erin", "zed")
    # alice, bob, carol join in the same call (one join time: ties broken by user id, descending)
    make_conversation(client, "c", "bob", "alice", "carol")
    ok(client.put("/conversations/c/participants/dave", json={"access": "Read", "notify": False}))
    ok(client.put("/conversations/c/participants/erin", json={"notify": "MentionsOnly"}))
    make_conversation(client, "other", "zed")
    return client


def test_most_recently_joined_first_ties_by_user_id_descending(world: httpx.Client) -> None:
    everyone = ok(world.get("/conversations/c/participants", params={"limit": 50})).json()["data"]
    assert all(set(p) == KEYS for p in everyone)
    keys = [(p["joinedAt"], p["userId"]) for p in everyone]
    assert keys == sorted(keys, reverse=True)
    assert [p["userId"] for p in everyone][-3:] == ["carol", "bob", "alice"]  # the tie
    assert everyone[-1]["joinedAt"] == everyone[-2]["joinedAt"] == everyone[-3]["joinedAt"]
    dave = next(p for p in everyone if p["userId"] == "dave")
    assert (dave["access"], dave["notify"], dave["readUntil"]) == ("Read", False, dave["joinedAt"])
    assert walk(world, "c", 1) == everyone
    assert walk(world, "c", 2) == everyone
    assert ok(world.get("/conversations/c/participants")).json()["data"] == everyone  # default 10
    # a leaver drops out; one who leaves and joins again moves to the front
    ok(world.delete("/conversations/c/participants/carol"))
    ok(world.delete("/conversations/c/participants/bob"))
    ok(world.put("/conversations/c/participants/bob"))
    assert [p["userId"] for p in walk(world, "c", 1)] == ["bob", "erin", "dave", "alice"]


def test_one_participant(world: httpx.Client) -> None:
    dave = ok(world.get("/conversations/c/participants/dave")).json()
    assert set(dave) == KEYS and dave["userId"] == "dave" and dave["access"] == "Read"
    assert_error(world.get("/conversations/c/participants/zed"), 404)
    assert_error(world.get("/conversations/nope/participants/dave"), 404)
    assert_error(world.get("/conversations/nope/participants"), 404)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"startingAfter": "zed"}, "startingAfter"),
    ],
)
def test_bad_paging_is_a_400(world: httpx.Client, params: dict[str, Any], reason: str) -> None:
    body = assert_error(world.get("/conversations/c/participants", params=params), 400)
    assert reason in body["reasons"][0]


def test_auth_matrix(server, world: httpx.Client, user_client) -> None:
    for path in ("/conversations/c/participants", "/conversations/c/participants/dave"):
        assert ok(user_client("dave").get(path)).status_code == 200  # read-only participants read
        assert_error(user_client("zed").get(path), 403)  # not a participant
        assert_error(httpx.get(f"{server.api}{path}"), 401)  # no token
        assert_error(httpx.get(f"{server.api}{path}", headers={"Authorization": "Bearer sk_test_nope"}), 401)
    assert_error(user_client("zed").get("/conversations/nope/participants"), 404)
