"""Webhooks to a real HTTP receiver on loopback, signatures checked with our own HMAC."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from talkwidgets.emulator import EmulatorConfig, load_seed
from tests.server_support import make_conversation, make_users, ok, send
from tests.webhook_support import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def server_config() -> EmulatorConfig:
    return EmulatorConfig(webhook_retry_delay=0.05, webhook_timeout=5)


@pytest.fixture
def hooked(server, receiver):
    server.embedded.ensure_app(server.app_id, webhook_url=receiver.url)
    return server


def expected_signature(secret: str, timestamp: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest().upper()


def check_signed(request: dict, secret: str) -> None:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    timestamp = headers["x-talkjs-timestamp"]
    assert timestamp.isdigit() and len(timestamp) >= 13  # Unix milliseconds
    assert headers["x-talkjs-signature"] == expected_signature(secret, timestamp, request["raw"])
    assert headers["content-type"].startswith("application/json")
    # a different key or a tampered body would not match
    assert headers["x-talkjs-signature"] != expected_signature(secret + "x", timestamp, request["raw"])
    assert headers["x-talkjs-signature"] != expected_signature(secret, timestamp, request["raw"] + b" ")


def has_types(*types: str):
    return lambda reqs: all(any(r["payload"]["type"] == t for r in reqs) for t in types)


def test_all_event_types_arrive_signed(hooked, client, receiver, user_client):
    server = hooked
    make_users(client, "alice", "bob")
    ok(client.put("/users/bob", json={"custom": {"k": "v"}}))
    make_conversation(client, "conv", "alice", "bob")
    m1, m2 = send(client, "conv", "first", "second", sender="alice")
    ok(client.patch(f"/conversations/conv/messages/{m1}", json={"text": "first, edited"}))
    ok(client.delete(f"/conversations/conv/messages/{m2}"))
    ok(user_client("bob").post("/conversations/conv/readBy/bob"))
    ok(client.delete("/conversations/conv"))
    types = (
        "user.created",
        "user.updated",
        "message.sent",
        "message.updated",
        "message.deleted",
        "message.read",
        "conversation.deleted",
    )
    requests = receiver.wait_for(lambda reqs: has_types(*types)(reqs) and len(reqs) >= 9)

    for request in requests:
        payload = request["payload"]
        assert set(payload) == {"id", "createdAt", "type", "data"}
        assert isinstance(payload["id"], str) and payload["id"]
        assert isinstance(payload["createdAt"], int) and payload["createdAt"] > 1_600_000_000_000
        assert request["path"] == "/hooks/talkjs"
        check_signed(request, server.secret_key)
    assert len({r["payload"]["id"] for r in requests}) == len(requests)  # ids are unique

    created = sorted(r["payload"]["data"]["user"]["id"] for r in receiver.of_type("user.created"))
    assert created == ["alice", "bob"]
    (updated,) = receiver.of_type("user.updated")
    assert updated["payload"]["data"]["user"]["custom"] == {"k": "v"}
    sent = sorted(
        (r["payload"]["data"] for r in receiver.of_type("message.sent")), key=lambda d: d["message"]["createdAt"]
    )
    assert [d["message"]["id"] for d in sent] == [m1, m2]
    assert sent[0]["sender"]["id"] == "alice" and sent[0]["conversation"]["id"] == "conv"
    assert sent[0]["message"]["text"] == "first"
    (edited,) = receiver.of_type("message.updated")
    assert edited["payload"]["data"]["message"]["text"] == "first, edited"
    (deleted,) = receiver.of_type("message.deleted")
    assert deleted["payload"]["data"]["message"]["id"] == m2
    (read,) = receiver.of_type("message.read")  # m2 was deleted before bob read: one message left
    assert read["payload"]["data"]["message"]["id"] == m1 and read["payload"]["data"]["recipient"]["id"] == "bob"
    (gone,) = receiver.of_type("conversation.deleted")
    assert gone["payload"]["data"]["conversation"]["id"] == "conv"
    assert set(gone["payload"]["data"]["conversation"]["participants"]) == {"alice", "bob"}


def test_failed_delivery_is_retried_exactly_once(hooked, client, receiver):
    server = hooked
    # user.created for "flaky" fails once then succeeds; for "down" it always fails
    receiver.respond = lambda payload, attempt: 500 if payload["data"]["user"]["id"] == "down" or attempt == 1 else 200
    make_users(client, "flaky", "down")
    receiver.wait_for(lambda reqs: len(reqs) >= 4)
    server.embedded.stop()  # waits for webhook deliveries in flight, so the counts below are final
    by_user: dict[str, list[dict]] = {}
    for r in receiver.requests:
        by_user.setdefault(r["payload"]["data"]["user"]["id"], []).append(r)
    assert [r["status"] for r in by_user["flaky"]] == [500, 200]
    assert [r["status"] for r in by_user["down"]] == [500, 500]
    for attempts in by_user.values():
        # a retry is the same event (same id and body), signed again
        assert attempts[0]["raw"] == attempts[1]["raw"]
        for r in attempts:
            check_signed(r, server.secret_key)


def test_unreachable_receiver_does_not_break_requests(server, client, receiver):
    receiver.close()
    server.embedded.ensure_app(server.app_id, webhook_url=receiver.url)  # nobody listens there now
    make_users(client, "alice")
    assert ok(client.get("/users/alice")).json()["name"] == "Alice"


def test_seed_fires_no_webhooks_and_no_op_writes_fire_none(hooked, client, receiver):
    server = hooked
    counts = load_seed(
        server.embedded.emulator.store,
        server.app_id,
        {
            "users": {"s1": {"name": "Seed One"}, "s2": {"name": "Seed Two"}},
            "conversations": {"sc": {"subject": "Seeded", "participants": ["s1", "s2"]}},
            "messages": {
                "sc": [
                    {"sender": "s1", "text": "old", "createdAt": 1_700_000_000_000},
                    {"sender": "s2", "text": "older reply"},
                ]
            },
        },
    )
    assert counts == {"users": 2, "conversations": 1, "messages": 2}
    assert ok(client.get("/conversations/sc/messages")).json()["data"][1]["createdAt"] == 1_700_000_000_000
    ok(client.put("/users/s1", json={"name": "Seed One"}))  # unchanged: no user.updated
    make_users(client, "marker")
    receiver.wait_for(has_types("user.created"))
    server.embedded.stop()
    assert [(r["payload"]["type"], r["payload"]["data"]["user"]["id"]) for r in receiver.requests] == [
        ("user.created", "marker")
    ]
