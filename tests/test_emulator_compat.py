"""Requests as real TalkJS REST clients send them, against the real server over real sockets.

Each test sends a request shape taken from TalkJS's documentation and official examples (the
REST reference, the export, anonymise and Sendbird-migration scripts, the PHP example) or from a
widely installed community client (a PHP client), changing nothing but the base URL."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from talkwidgets.emulator import EmulatorConfig
from tests.feed_client import TIMEOUT, is_text, open_feed
from tests.server_support import APP_ID, assert_error, auth, make_conversation, make_users, message_ids, ok, send
from tests.webhook_support import Receiver

# -- the id field in PUT bodies (anonymiseUser.ts, the PHP example) ---------------------------------


def test_put_user_with_the_official_anonymise_body(client: httpx.Client) -> None:
    ok(client.put("/users/u1", json={"name": "Ann", "email": ["ann@example.com"], "role": "buyer"}))
    anonymised = {
        "id": "u1",
        "name": "[DELETED]",
        "email": None,
        "phone": None,
        "custom": None,
        "welcomeMessage": None,
        "photoUrl": None,
        "role": None,
        "availabilityText": None,
        "locale": None,
    }
    ok(client.put("/users/u1", json=anonymised))
    user = ok(client.get("/users/u1")).json()
    assert user["name"] == "[DELETED]" and user["email"] is None and user["role"] == "default"


def test_put_user_with_a_different_id_is_refused_and_changes_nothing(client: httpx.Client) -> None:
    make_users(client, "alice")
    body = assert_error(client.put("/users/alice", json={"id": "mallory", "name": "Moved"}), 400)
    assert "'mallory'" in body["reasons"][0] and "'alice'" in body["reasons"][0]
    assert ok(client.get("/users/alice")).json()["name"] == "Alice"
    assert_error(client.get("/users/mallory"), 404)


def test_put_user_as_the_official_php_example_sends_it(client: httpx.Client) -> None:
    """id repeated in the body, and the old name of role (``configuration``)."""
    body = {"id": "visitor1", "name": "guest", "email": ["guest@example.com"], "configuration": "visitor"}
    ok(client.put("/users/visitor1", json=body))
    assert ok(client.get("/users/visitor1")).json()["role"] == "visitor"
    assert_error(client.put("/users/visitor1", json={"role": "a", "configuration": "b"}), 400)


def test_batch_user_entries_may_repeat_their_id(client: httpx.Client) -> None:
    ok(client.put("/users", json={"b1": {"id": "b1", "name": "B1"}, "b2": {"name": "B2"}}))
    assert ok(client.get("/users/b1")).json()["name"] == "B1"
    body = assert_error(client.put("/users", json={"b3": {"id": "b4", "name": "B3"}}), 400)
    assert body["errorCode"] == "BATCH_INVALID"
    assert_error(client.get("/users/b3"), 404)


def test_put_conversation_with_the_official_anonymise_body(client: httpx.Client) -> None:
    make_users(client, "alice", "bob")
    make_conversation(client, "c1", "alice", "bob", subject="Secret", custom={"k": "v"})
    body = {
        "id": "c1",
        "participants": ["alice"],
        "subject": "[DELETED]",
        "photoUrl": None,
        "custom": None,
        "welcomeMessages": None,
    }
    ok(client.put("/conversations/c1", json=body))
    conversation = ok(client.get("/conversations/c1")).json()
    assert conversation["subject"] == "[DELETED]" and conversation["custom"] == {}
    assert set(conversation["participants"]) == {"alice", "bob"}  # merged in, never removed
    assert_error(client.put("/conversations/c1", json={"id": "c2", "subject": "Moved"}), 400)
    assert_error(client.get("/conversations/c2"), 404)


def test_unknown_fields_stay_refused_with_the_allowed_ones_named(client: httpx.Client) -> None:
    """The emulator stays strict where TalkJS's own examples show no leniency (docs/emulator.md)."""
    body = assert_error(client.put("/users/typo", json={"name": "T", "emails": ["t@example.com"]}), 400)
    assert "emails" in body["reasons"][0] and "email" in body["reasons"][0]
    make_users(client, "alice")
    assert_error(client.put("/conversations/c", json={"participant": ["alice"]}), 400)


# -- page size 100 (exportData.js) ----------------------------------------------------------------


def export(client: httpx.Client, resource: str, limit: int = 100) -> list[dict]:
    """The official export script's loop: fetch ``limit`` at a time while pages are full."""
    items: list[dict] = []
    last_id = None
    while True:
        paginate = f"&startingAfter={last_id}" if last_id else ""
        page = ok(client.get(f"/{resource}?limit={limit}{paginate}")).json()["data"]
        items += page
        if len(page) != limit:
            return items
        last_id = page[-1]["id"]


def test_the_official_export_loop_pages_conversations_by_100(client: httpx.Client) -> None:
    make_users(client, "alice")
    ok(client.put("/users", json={f"u{i:03d}": {"name": f"U{i}"} for i in range(100)}))
    for i in range(130):
        make_conversation(client, f"c{i:03d}", "alice")
    conversations = export(client, "conversations")
    assert len(conversations) == 130 and len({c["id"] for c in conversations}) == 130
    assert len(export(client, "users/alice/conversations")) == 130
    assert len(export(client, "users")) == 101
    send(client, "c000", *(f"m{i}" for i in range(10)), sender="alice")
    assert len(export(client, "conversations/c000/messages")) == 10
    assert_error(client.get("/conversations?limit=101"), 400)


# -- a PHP client: trailing slashes, nulls, PHP's encoding of empty maps --------------------------


def test_trailing_slashes_are_served_as_the_php_client_sends_them(client: httpx.Client) -> None:
    make_users(client, "alice", "bob")
    make_conversation(client, "c1", "alice", "bob")
    assert [u["id"] for u in ok(client.get("/users/", params={"limit": 5})).json()["data"]] == ["alice", "bob"]
    assert [c["id"] for c in ok(client.get("/users/alice/conversations/")).json()["data"]] == ["c1"]
    assert ok(client.get("/conversations/c1/")).json()["id"] == "c1"
    ok(client.put("/users/carol/", json={"name": "Carol"}))
    assert ok(client.get("/users/carol")).json()["name"] == "Carol"
    ok(client.post("/conversations/c1/messages/", json=[{"sender": "alice", "text": "hi"}]))


def test_a_trailing_slash_never_turns_an_empty_id_into_the_batch_route(client: httpx.Client) -> None:
    make_users(client, "alice")
    for method, path in (("PUT", "/users/"), ("PUT", "/conversations/"), ("PUT", "/conversations/c/participants/")):
        response = client.request(method, path, json={"name": {"name": "Batch entry"}})
        assert response.status_code in (404, 405), (method, path, response.text)
        assert_error(response, response.status_code)
    assert_error(client.get("/users/name"), 404)
    assert [u["id"] for u in ok(client.get("/users")).json()["data"]] == ["alice"]


def test_participant_settings_sent_as_null_mean_the_default(client: httpx.Client) -> None:
    make_users(client, "alice", "bob")
    make_conversation(client, "c1", "alice")
    ok(client.put("/conversations/c1/participants/bob", json={"access": None, "notify": True}))
    assert ok(client.get("/conversations/c1")).json()["participants"]["bob"]["access"] == "ReadWrite"
    ok(client.patch("/conversations/c1/participants/bob", json={"access": "Read", "notify": False}))
    ok(client.patch("/conversations/c1/participants/bob", json={"access": None, "notify": True}))
    bob = ok(client.get("/conversations/c1")).json()["participants"]["bob"]
    assert bob["access"] == "Read" and bob["notify"] is True


def test_php_empty_maps_and_bodiless_puts(client: httpx.Client) -> None:
    make_users(client, "alice")
    ok(client.put("/conversations/bare"))  # createOrUpdate($id) with no parameters sends no body
    assert ok(client.get("/conversations/bare")).json()["id"] == "bare"
    make_conversation(client, "c1", "alice")
    (mid,) = message_ids(
        client.post(
            "/conversations/c1/messages", json=[{"type": "UserMessage", "text": "hi", "custom": {}, "sender": "alice"}]
        )
    )
    ok(client.put(f"/conversations/c1/messages/{mid}", json={"text": "edited", "custom": []}))  # PHP's empty array
    message = ok(client.get(f"/conversations/c1/messages/{mid}")).json()
    assert message["text"] == "edited" and message["custom"] == {}


# -- import (the Sendbird migration script) -------------------------------------------------------


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.mark.parametrize("server_config", [EmulatorConfig(webhook_retry_delay=0.05)], indirect=True)
async def test_import_as_the_official_migration_script_sends_it(server, client: httpx.Client, receiver) -> None:
    server.embedded.ensure_app(APP_ID, webhook_url=receiver.url)
    make_users(client, "alice", "bob")
    make_conversation(client, "chan", "alice", "bob")
    feed = await open_feed(server, userId="bob")
    history = [
        {
            "text": f"old {i}",
            "sender": "alice" if i % 2 else "bob",
            "type": "UserMessage",
            "timestamp": 1_600_000_000_000 + i,
            "readBy": [],
        }
        for i in range(25)
    ]
    for i in range(0, len(history), 10):  # the script's batches of 10
        assert len(message_ids(client.post("/import/conversations/chan/messages", json=history[i : i + 10]))) == len(
            history[i : i + 10]
        )
    listed = ok(client.get("/conversations/chan/messages", params={"limit": 100})).json()["data"]
    assert [m["text"] for m in listed] == [f"old {i}" for i in reversed(range(25))]
    assert all(m["origin"] == "import" and m["createdAt"] == 1_600_000_000_000 + int(m["text"][4:]) for m in listed)
    # no live event and no webhook for the import: the first ones come from the next live message
    send(client, "chan", "live", sender="alice")
    frames = await asyncio.wait_for(feed.until(is_text("live")), TIMEOUT)
    assert not [f for f in frames if f.get("type") == "message.sent" and f["data"]["message"]["origin"] == "import"]
    sent = receiver.wait_for(lambda reqs: any(r["payload"]["type"] == "message.sent" for r in reqs))
    assert [r["payload"]["data"]["message"]["text"] for r in sent if r["payload"]["type"] == "message.sent"] == ["live"]
    await feed.ws.close()


def test_import_read_marks_and_time_order(client: httpx.Client) -> None:
    make_users(client, "alice", "bob", "carol")
    make_conversation(client, "c", "alice", "bob", "carol")
    live = send(client, "c", "live", sender="alice")[0]
    t = 1_700_000_000_000
    ids = message_ids(
        client.post(
            "/import/conversations/c/messages",
            json=[
                {"sender": "alice", "text": "second", "timestamp": t + 2, "readBy": ["bob", "carol"]},
                {"sender": "bob", "text": "first", "timestamp": t + 1, "readBy": ["alice", "carol"]},
                {"sender": "alice", "text": "third", "timestamp": t + 3, "readBy": ["carol"]},
            ],
        )
    )
    listed = ok(client.get("/conversations/c/messages")).json()["data"]
    assert [m["text"] for m in listed] == ["live", "third", "second", "first"]  # newest first, by time
    assert ok(client.get("/conversations/c")).json()["lastMessage"]["id"] == live
    by_text = {m["text"]: m for m in listed}
    assert by_text["first"]["readBy"] == ["alice", "carol"] and by_text["third"]["readBy"] == ["carol"]
    # bob has not read "third", so everything from it on is unread for him
    assert ok(client.get("/users/bob/conversations/c")).json()["unreadMessageCount"] == 2
    assert ok(client.get("/users/carol/conversations/c")).json()["unreadMessageCount"] == 1  # only "live"
    assert ids[0] == by_text["second"]["id"]  # answers in request order


@pytest.mark.parametrize(
    ("items", "status"),
    [
        ([{"sender": "alice", "text": "x", "timestamp": 1, "readBy": []}] * 11, 400),
        ([{"type": "SystemMessage", "text": "x", "timestamp": 1, "readBy": []}], 400),
        ([{"sender": "alice", "text": "x", "readBy": []}], 400),
        ([{"sender": "alice", "text": "x", "timestamp": "yesterday"}], 400),
        ([{"sender": "alice", "text": "x", "timestamp": 1, "readBy": ["zed"]}], 400),
        ([{"sender": "alice", "text": "x", "timestamp": 1, "createdAt": 1}], 400),
        ([{"sender": "alice", "text": "ok", "timestamp": 1}, {"sender": "dave", "text": "x", "timestamp": 2}], 403),
    ],
)
def test_import_refusals_store_nothing(client: httpx.Client, items: list, status: int) -> None:
    make_users(client, "alice", "dave", "zed")
    make_conversation(client, "c", "alice")
    assert_error(client.post("/import/conversations/c/messages", json=items), status)
    assert ok(client.get("/conversations/c/messages")).json()["data"] == []


def test_import_needs_app_credentials_and_an_existing_conversation(client: httpx.Client, user_client) -> None:
    make_users(client, "alice")
    make_conversation(client, "c", "alice")
    item = [{"sender": "alice", "text": "x", "timestamp": 1, "readBy": []}]
    assert_error(user_client("alice").post("/import/conversations/c/messages", json=item), 403)
    assert_error(client.post("/import/conversations/nope/messages", json=item), 404)


# -- batch (TalkJS's batch reference) -------------------------------------------------------------


def test_batch_runs_each_operation_and_answers_each_result(client: httpx.Client) -> None:
    operations = [
        [1, "PUT", "/users/user_01", {"name": "User 1"}, {"api_version": "2021-01-01"}],
        [2, "PUT", "/users/user_02", {"name": "User 2"}],
        [3, "PUT", "/conversations/conv_01", {"participants": ["user_01", "user_02"]}],
        [4, "POST", "/conversations/conv_01/messages", [{"sender": "user_01", "text": "batched"}]],
        [5, "GET", "/users", {"limit": "1"}],
        [6, "GET", "/users/nobody"],
        [7, "DELETE", "/conversations/none"],
    ]
    results = ok(client.post("/batch", json=operations)).json()
    assert [r["sequenceNumber"] for r in results] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["status"] for r in results] == [200, 200, 200, 200, 200, 404, 404]
    assert results[0]["body"] == {} and results[3]["body"][0]["id"].startswith("msg_")
    assert [u["id"] for u in results[4]["body"]["data"]] == ["user_01"]
    assert results[5]["body"]["errorCode"] == "NOT_FOUND"
    assert ok(client.get("/conversations/conv_01/messages")).json()["data"][0]["text"] == "batched"


def test_batch_operations_keep_the_callers_rights(client: httpx.Client, user_client) -> None:
    make_users(client, "alice", "bob")
    results = ok(
        user_client("alice").post("/batch", json=[[1, "GET", "/users"], [2, "PUT", "/users/alice", {"name": "A"}]])
    )
    assert [r["status"] for r in results.json()] == [403, 200]


@pytest.mark.parametrize(
    "body",
    [
        [],
        [[i, "GET", "/users"] for i in range(11)],
        [[1, "GET", "/users"], [2, "POST", "/batch", []]],
        [[1, "GET", "users"]],
        [[1, "FETCH", "/users"]],
        [[1, "PUT", "/users/x", {"name": "X"}], {"op": "not a tuple"}],
        [[True, "GET", "/users"]],
        [[1, "GET", "/users", {"limit": 5}]],
        {"operations": []},
    ],
)
def test_malformed_batches_run_nothing(client: httpx.Client, body) -> None:
    assert_error(client.post("/batch", json=body), 400)
    assert_error(client.get("/users/x"), 404)


def test_batch_answers_are_json_for_every_route(server, http: httpx.Client) -> None:
    """The batch route works under both prefixes, with the same credentials header."""
    for prefix in ("/v1", "/public_api/v1"):
        url = f"{server.base_url}{prefix}/{APP_ID}/batch"
        results = ok(http.post(url, json=[[1, "GET", "/conversations/"]], headers=auth(server.secret_key))).json()
        assert results == [{"sequenceNumber": 1, "status": 200, "body": {"data": []}}]
    json.dumps(results)
