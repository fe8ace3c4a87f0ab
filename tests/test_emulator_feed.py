"""The live feed (docs/realtime-protocol.md) over a real WebSocket: views, ordering, resume, resync."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from talkwidgets.emulator import EmulatorConfig
from tests.feed_client import TIMEOUT, is_text, open_feed
from tests.server_support import make_conversation, make_users, ok, send


@pytest.fixture
def chats(client):
    """The secret-key client, after users alice, bob, carol, dave and conversations ab, bc exist."""
    make_users(client, "alice", "bob", "carol", "dave")
    make_conversation(client, "ab", "alice", "bob")
    make_conversation(client, "bc", "bob", "carol")
    return client


async def test_user_sees_only_own_conversations(server, chats):
    client = chats
    alice = await open_feed(server, server.user_token("alice"))
    assert alice.hello["userId"] == "alice" and alice.hello["resumed"] is False
    carol = await open_feed(server, server.user_token("carol"))
    send(client, "bc", "bob to carol", sender="bob")
    ok(client.put("/conversations/bc", json={"subject": "private"}))
    ok(client.put("/conversations/bc/participants/dave"))
    send(client, "ab", "marker", sender="bob")
    frames = await alice.until(is_text("marker"))
    assert len(frames) == 1 and frames[0]["conversationId"] == "ab"
    # carol does see hers, and not alice's marker
    frames = await carol.until(lambda f: f.get("type") == "participant.joined")
    assert [f["type"] for f in frames] == ["message.sent", "conversation.updated", "participant.joined"]
    assert all(f["conversationId"] == "bc" for f in frames)
    send(client, "bc", "carol marker", sender="carol")
    assert (await carol.until(is_text("carol marker")))[0]["data"]["message"]["senderId"] == "carol"
    await alice.ws.close()
    await carol.ws.close()


async def test_event_types_and_ordering(server, chats, user_client):
    client = chats
    alice = await open_feed(server, server.user_token("alice"))
    start = alice.hello["seq"]
    ok(client.put("/conversations/ab/participants/carol"))  # participant.joined
    ok(client.patch("/conversations/ab/participants/carol", json={"notify": False}))  # participant.updated
    ok(client.put("/conversations/ab", json={"subject": "Plans"}))  # conversation.updated
    (mid,) = send(client, "ab", "hello", sender="bob")  # message.sent
    ok(client.patch(f"/conversations/ab/messages/{mid}", json={"text": "hello!"}))  # message.updated
    (mid2,) = send(client, "ab", "oops", sender="bob")
    ok(client.delete(f"/conversations/ab/messages/{mid2}"))  # message.deleted
    ok(user_client("alice").post("/conversations/ab/readBy/alice"))  # conversation.read
    ok(client.put("/users/bob", json={"name": "Robert"}))  # user.updated (a contact)
    ok(client.delete("/conversations/ab/participants/carol"))  # participant.left
    ok(client.put("/users/dave", json={"name": "David"}))  # not alice's contact: nothing
    ok(client.delete("/conversations/ab"))  # conversation.deleted
    frames = await alice.until(lambda f: f.get("type") == "conversation.deleted")
    assert [f["type"] for f in frames] == [
        "participant.joined",
        "participant.updated",
        "conversation.updated",
        "message.sent",
        "message.updated",
        "message.sent",
        "message.deleted",
        "conversation.read",
        "user.updated",
        "participant.left",
        "conversation.deleted",
    ]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > start
    by_type = {f["type"]: f for f in frames}
    joined = by_type["participant.joined"]["data"]
    assert joined["userId"] == "carol" and joined["participant"]["access"] == "ReadWrite"
    assert set(joined["conversation"]["participants"]) == {"alice", "bob", "carol"}
    assert by_type["participant.updated"]["data"]["participant"]["notify"] is False
    assert by_type["conversation.updated"]["data"]["conversation"]["subject"] == "Plans"
    assert by_type["message.updated"]["data"]["message"]["text"] == "hello!"
    assert by_type["message.updated"]["data"]["message"]["editedAt"] is not None
    deleted = by_type["message.deleted"]["data"]
    assert deleted["messageId"] == mid2 and deleted["lastMessage"]["id"] == mid
    assert by_type["conversation.read"]["data"]["userId"] == "alice"
    user = by_type["user.updated"]["data"]["user"]
    assert user["id"] == "bob" and user["name"] == "Robert" and by_type["user.updated"]["conversationId"] is None
    assert by_type["participant.left"]["data"] == {"userId": "carol"}
    assert by_type["conversation.deleted"]["conversationId"] == "ab"
    # events carry REST-shaped JSON: the same message the REST API returned while it existed
    sent = [f["data"]["message"] for f in frames if f["type"] == "message.sent"]
    assert [m["id"] for m in sent] == [mid, mid2] and sent[0]["text"] == "hello"
    assert all(isinstance(f["ts"], int) for f in frames)
    await alice.ws.close()


async def test_leaver_and_renamer_are_told(server, chats, user_client):
    client = chats
    carol = await open_feed(server, server.user_token("carol"))
    dave = await open_feed(server, server.user_token("dave"))
    ok(user_client("carol").delete("/conversations/bc/participants/carol"))
    frame = await carol.event()
    assert frame["type"] == "participant.left" and frame["data"]["userId"] == "carol"
    # dave shares nothing with alice, so alice's rename reaches alice's contacts only; dave's own does
    ok(client.put("/users/alice", json={"name": "Alicia"}))
    ok(client.put("/users/dave", json={"name": "Dave 2"}))
    frame = await dave.event()
    assert frame["type"] == "user.updated" and frame["data"]["user"]["id"] == "dave"
    await carol.ws.close()
    await dave.ws.close()


async def test_resume_after_reconnect_gets_exactly_the_missed_events(server, chats):
    client = chats
    alice = await open_feed(server, server.user_token("alice"))
    send(client, "ab", "seen live", sender="bob")
    last = (await alice.until(is_text("seen live")))[-1]["seq"]
    await alice.ws.close()

    missed = send(client, "ab", "missed 1", "missed 2", sender="bob")
    send(client, "bc", "not for alice", sender="bob")
    ok(client.put("/conversations/ab", json={"subject": "while away"}))
    missed.append(send(client, "ab", "missed 3", sender="alice")[0])

    alice = await open_feed(server, server.user_token("alice"), since=last)
    assert alice.hello["resumed"] is True
    replay = await alice.until(is_text("missed 3"))
    assert [f["type"] for f in replay] == ["message.sent", "message.sent", "conversation.updated", "message.sent"]
    assert [f["data"]["message"]["id"] for f in replay if f["type"] == "message.sent"] == missed
    assert all(f["seq"] > last for f in replay)
    # then live events follow, without repeating anything
    send(client, "ab", "live again", sender="bob")
    frame = await alice.event()
    assert frame["data"]["message"]["text"] == "live again" and frame["seq"] > replay[-1]["seq"]
    await alice.ws.close()

    # resuming from the latest seq replays nothing, and says so
    latest = frame["seq"]
    alice = await open_feed(server, server.user_token("alice"), since=latest)
    assert alice.hello["resumed"] is True and alice.hello["seq"] >= latest
    send(client, "ab", "after latest", sender="bob")
    assert (await alice.event())["data"]["message"]["text"] == "after latest"
    await alice.ws.close()


async def test_resume_during_concurrent_writes_has_no_gaps_or_duplicates(server, chats):
    """An admin feed resuming from 0 while writes land must see every seq exactly once."""
    client = chats
    send(client, "ab", "before", sender="alice")
    done = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=server.api, headers={"Authorization": f"Bearer {server.secret_key}"}) as c:
            for i in range(40):
                ok(c.post("/conversations/ab/messages", json=[{"text": f"w{i}", "sender": "bob"}]))
            ok(c.post("/conversations/bc/messages", json=[{"text": "final", "sender": "carol"}]))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        admin = await open_feed(server, since=0)
        assert admin.hello["resumed"] is True and admin.hello["userId"] is None
        frames = await admin.until(is_text("final"))
    finally:
        thread.join(TIMEOUT)
    seqs = [f["seq"] for f in frames]
    assert seqs == list(range(1, seqs[-1] + 1))
    texts = [f["data"]["message"]["text"] for f in frames if f["type"] == "message.sent"]
    assert texts == ["before", *(f"w{i}" for i in range(40)), "final"]
    await admin.ws.close()


async def test_admin_feed_sees_everything_and_ping_pong(server, chats, user_client):
    client = chats
    admin = await open_feed(server)
    assert admin.hello["userId"] is None
    await admin.ws.send(json.dumps({"op": "ping"}))
    assert await admin.frame() == {"op": "pong"}
    await admin.ws.send(json.dumps({"op": "dance"}))  # an unknown op is ignored (frames that are not JSON close it)
    await admin.ws.send(json.dumps({"op": "ping"}))
    assert await admin.frame() == {"op": "pong"}
    send(client, "ab", "in ab", sender="alice")
    send(client, "bc", "in bc", sender="carol")
    ok(client.put("/users/dave", json={"name": "Dave!"}))
    frames = await admin.until(lambda f: f.get("type") == "user.updated")
    assert [(f["type"], f["conversationId"]) for f in frames] == [
        ("message.sent", "ab"),
        ("message.sent", "bc"),
        ("user.updated", None),
    ]
    await admin.ws.close()
    # an app token with userId follows that user's view; the token query parameter works too
    view = await open_feed(server, userId="carol", header=False)
    assert view.hello["userId"] == "carol"
    send(client, "ab", "not carol's", sender="alice")
    send(client, "bc", "carol's", sender="bob")
    assert (await view.event())["data"]["message"]["text"] == "carol's"
    await view.ws.send(json.dumps({"op": "ping"}))
    assert await view.frame() == {"op": "pong"}
    await view.ws.close()
    # the other prefix serves the same feed
    other = await open_feed(server, server.user_token("bob"), prefix="/public_api/v1")
    send(client, "bc", "via public_api", sender="carol")
    assert (await other.event())["data"]["message"]["text"] == "via public_api"
    await other.ws.close()


async def test_handshake_refusals(server, chats):
    async def status_of(**kwargs) -> tuple[int, dict]:
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            await open_feed(server, **kwargs)
        response = info.value.response
        return response.status_code, json.loads(response.body or b"{}")

    status, body = await status_of(token="sk_test_wrong")
    assert status == 401 and body["errorCode"] == "UNAUTHORIZED"
    status, _ = await status_of(token=server.user_token("alice", ttl=None) + "x")
    assert status == 401
    status, body = await status_of(token=server.user_token("alice"), userId="bob")
    assert status == 403 and body["errorCode"] == "FORBIDDEN"
    status, _ = await status_of(since="abc")
    assert status == 400
    status, _ = await status_of(since="-1")
    assert status == 400
    status, _ = await status_of(userId="x" * 256)
    assert status == 400
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        await connect(
            f"ws://127.0.0.1:{server.embedded.port}/v1/nope/feed",
            additional_headers={"Authorization": f"Bearer {server.secret_key}"},
            open_timeout=TIMEOUT,
        )
    assert info.value.response.status_code == 404
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        await connect(f"ws://127.0.0.1:{server.embedded.port}/v1/{server.app_id}/feed", open_timeout=TIMEOUT)
    assert info.value.response.status_code == 401


async def test_reset_sends_resync_and_seq_keeps_counting(server, chats):
    client = chats
    alice = await open_feed(server, server.user_token("alice"))
    admin = await open_feed(server)
    send(client, "ab", "before reset", sender="bob")
    before = (await alice.until(is_text("before reset")))[-1]["seq"]
    await admin.until(is_text("before reset"))
    ok(client.post(f"{server.base_url}/_emulator/apps/{server.app_id}/reset"))
    frame = await alice.frame()
    assert frame["op"] == "resync" and frame["seq"] > before
    frames = await admin.until(lambda f: f["op"] == "resync")
    assert all(f["seq"] > before for f in frames)
    # data is gone; new data gets new, higher numbers (never reused)
    make_users(client, "alice", "bob")
    make_conversation(client, "ab", "alice", "bob")
    send(client, "ab", "after reset", sender="bob")
    frames = await alice.until(is_text("after reset"))
    assert frames[0]["type"] == "participant.joined" and all(f["seq"] > frame["seq"] for f in frames)
    # a client resuming from before the reset cannot replay across it
    late = await open_feed(server, server.user_token("alice"), since=before)
    assert late.hello["resumed"] is False and (await late.frame())["op"] == "resync"
    for feed in (alice, admin, late):
        await feed.ws.close()


async def test_token_expiry_closes_with_4001(server, chats):
    alice = await open_feed(server, server.user_token("alice", ttl=2))
    send(chats, "ab", "still valid", sender="bob")
    assert (await alice.event())["data"]["message"]["text"] == "still valid"

    async def until_closed() -> None:
        while True:
            await alice.ws.recv()

    with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
        await asyncio.wait_for(until_closed(), TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4001
    assert alice.ws.close_code == 4001


@pytest.mark.parametrize("server_config", [EmulatorConfig(event_retention=5)], indirect=True)
async def test_resync_beyond_retention_or_latest(server, chats):
    client = chats
    # the store prunes every 500 events; reach exactly 500 with messages (10 per request)
    admin = await open_feed(server)
    have = admin.hello["seq"]
    assert have < 500
    remaining = 500 - have
    while remaining:
        n = min(10, remaining)
        send(client, "ab", *(f"bulk {remaining - i}" for i in range(n)), sender="alice")
        remaining -= n
    frames = await admin.until(lambda f: f.get("seq") == 500)
    assert frames[-1]["seq"] == 500
    await admin.ws.close()

    # older than the retained history: resync, then live events
    old = await open_feed(server, since=10)
    assert old.hello["resumed"] is False and old.hello["seq"] == 500
    frame = await old.frame()
    assert frame["op"] == "resync" and frame["seq"] == 500 and "no longer retained" in frame["reason"]
    send(client, "ab", "after resync", sender="bob")
    frame = await old.event()
    assert frame["seq"] == 501 and frame["data"]["message"]["text"] == "after resync"
    await old.ws.close()

    # the boundary: 495 events pruned, so since=495 still resumes fully, since=494 does not
    edge = await open_feed(server, since=495)
    assert edge.hello["resumed"] is True
    frames = await edge.until(lambda f: f.get("seq") == 501)
    assert [f["seq"] for f in frames] == list(range(496, 502))
    await edge.ws.close()
    too_old = await open_feed(server, server.user_token("alice"), since=494)
    assert too_old.hello["resumed"] is False and (await too_old.frame())["op"] == "resync"
    await too_old.ws.close()

    # newer than anything the server knows (e.g. it lost an in-memory database)
    future = await open_feed(server, server.user_token("alice"), since=100_000)
    assert future.hello["resumed"] is False
    frame = await future.frame()
    assert frame["op"] == "resync" and frame["seq"] == 501
    send(client, "ab", "after future", sender="bob")
    assert (await future.event())["seq"] == 502
    await future.ws.close()
