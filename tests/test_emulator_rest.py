"""Every REST route of the emulator, its PATCH semantics, pagination, and refusal of bad input."""

from __future__ import annotations

import time

import httpx
import pytest

from talkwidgets import __version__
from tests.server_support import assert_error, auth, make_conversation, make_users, message_ids, ok, send


def tick() -> None:
    """Let the millisecond clock move on, so the next write gets a later timestamp."""
    time.sleep(0.003)


def user_ids(resp: httpx.Response) -> list[str]:
    return [u["id"] for u in ok(resp).json()["data"]]


# -- users ----------------------------------------------------------------------------------------


def test_user_put_is_a_patch(client):
    ok(
        client.put(
            "/users/alice",
            json={
                "name": "Alice",
                "email": ["a@example.com"],
                "photoUrl": "https://example.com/a.png",
                "role": "teacher",
                "custom": {"team": "red", "level": "3"},
                "locale": "en-GB",
                "welcomeMessage": "hi",
                "phone": ["+1"],
                "availabilityText": "around",
            },
        )
    )
    user = ok(client.get("/users/alice")).json()
    assert user["id"] == "alice" and user["name"] == "Alice" and user["role"] == "teacher"
    assert user["custom"] == {"team": "red", "level": "3"} and isinstance(user["createdAt"], int)
    created = user["createdAt"]

    # fields not given are kept; null resets; custom merges and null deletes one key
    ok(client.put("/users/alice", json={"photoUrl": None, "custom": {"level": None, "mood": "ok"}, "name": "Al"}))
    user = ok(client.get("/users/alice")).json()
    assert user["name"] == "Al"
    assert user["photoUrl"] is None
    assert user["email"] == ["a@example.com"] and user["role"] == "teacher" and user["locale"] == "en-GB"
    assert user["custom"] == {"team": "red", "mood": "ok"}
    assert user["createdAt"] == created
    # role null goes back to the default role; custom null empties it
    ok(client.put("/users/alice", json={"role": None, "custom": None}))
    user = ok(client.get("/users/alice")).json()
    assert user["role"] == "default" and user["custom"] == {}

    # pushTokens: true registers, null unregisters one, null for the whole field clears
    ok(client.put("/users/alice", json={"pushTokens": {"fcm:one": True, "apns:two": True}}))
    assert ok(client.get("/users/alice")).json()["pushTokens"] == {"fcm:one": True, "apns:two": True}
    ok(client.put("/users/alice", json={"pushTokens": {"fcm:one": None}}))
    assert ok(client.get("/users/alice")).json()["pushTokens"] == {"apns:two": True}
    ok(client.put("/users/alice", json={"pushTokens": None}))
    assert ok(client.get("/users/alice")).json()["pushTokens"] is None
    assert_error(client.put("/users/alice", json={"pushTokens": {"gcm:x": True}}), 400)
    assert_error(client.put("/users/alice", json={"pushTokens": {"fcm:x": False}}), 400)


def test_user_create_needs_name_and_get_missing_is_404(client):
    assert_error(client.put("/users/nobody", json={"email": ["x@example.com"]}), 400)
    assert_error(client.put("/users/nobody", json={"name": ""}), 400)
    assert_error(client.put("/users/nobody", json={"name": "   "}), 400)
    body = assert_error(client.get("/users/nobody"), 404)
    assert body["errorCode"] == "NOT_FOUND"
    assert user_ids(client.get("/users")) == []
    # a name reset on an existing user is refused too (name must stay a non-empty string)
    make_users(client, "alice")
    assert_error(client.put("/users/alice", json={"name": None}), 400)
    assert ok(client.get("/users/alice")).json()["name"] == "Alice"


def test_user_list_limit_and_cursor(client):
    ids = [f"u{i:02d}" for i in range(15)]
    make_users(client, *reversed(ids))
    assert user_ids(client.get("/users")) == ids[:10]  # default limit 10, ordered by id
    assert user_ids(client.get("/users", params={"limit": 4})) == ids[:4]
    assert user_ids(client.get("/users", params={"limit": 4, "startingAfter": "u03"})) == ids[4:8]
    assert user_ids(client.get("/users", params={"limit": 100, "startingAfter": "u12"})) == ids[13:]
    assert user_ids(client.get("/users", params={"startingAfter": "u14"})) == []
    # walking the cursor visits every user exactly once
    seen, cursor = [], None
    for _ in range(len(ids) + 1):  # bounded: a cursor that does not advance fails instead of looping
        page = user_ids(client.get("/users", params={"limit": 6, **({"startingAfter": cursor} if cursor else {})}))
        if not page:
            break
        seen += page
        cursor = page[-1]
    assert seen == ids


def test_batch_put_all_or_nothing(client):
    make_users(client, "existing")
    ok(
        client.put(
            "/users", json={"b1": {"name": "B1"}, "b2": {"name": "B2", "role": "x"}, "existing": {"custom": {"k": "v"}}}
        )
    )
    assert ok(client.get("/users/b2")).json()["role"] == "x"
    assert ok(client.get("/users/existing")).json()["custom"] == {"k": "v"}

    before = user_ids(client.get("/users", params={"limit": 100}))
    bad = {
        "c1": {"name": "C1"},
        "c2": {"name": "C2"},
        "c3": {"name": "C3", "email": "not-a-list"},
        "c4": {"name": "C4"},
        "c5": {"name": "C5", "custom": {"k": 1}},
    }
    body = assert_error(client.put("/users", json=bad), 400)
    assert body["errorCode"] == "BATCH_INVALID"
    assert len(body["reasons"]) == 2 and body["reasons"][0].startswith("c3: ") and body["reasons"][1].startswith("c5: ")
    new_without_name = {"d1": {"name": "D1"}, "d2": {"role": "x"}}
    assert_error(client.put("/users", json=new_without_name), 400)
    assert_error(
        client.put(
            "/users",
            json={
                "e1": {"name": "E1"},
                "existing": {"custom": {"k": "changed"}},
                "e2": {"name": "E2", "unknownField": 1},
            },
        ),
        400,
    )
    assert user_ids(client.get("/users", params={"limit": 100})) == before
    assert ok(client.get("/users/existing")).json()["custom"] == {"k": "v"}

    # 100 is fine, 101 is refused and none stored
    ok(client.put("/users", json={f"h{i:03d}": {"name": f"H{i}"} for i in range(100)}))
    assert len(user_ids(client.get("/users", params={"limit": 100, "startingAfter": "h"}))) == 100
    assert_error(client.put("/users", json={f"z{i:03d}": {"name": f"Z{i}"} for i in range(101)}), 400)
    assert user_ids(client.get("/users", params={"startingAfter": "z"})) == []
    assert_error(client.put("/users", json={}), 400)
    assert_error(client.put("/users", json=[{"name": "x"}]), 400)


# -- a user's conversations -----------------------------------------------------------------------


def conv_ids(resp: httpx.Response) -> list[str]:
    return [c["id"] for c in ok(resp).json()["data"]]


def test_user_conversations_order_filters_and_paging(client):
    make_users(client, "alice", "bob")
    for cid in ("c1", "c2", "c3"):
        make_conversation(client, cid, "bob")
    ok(client.put("/conversations/c1/participants/alice"))
    tick()
    ok(client.put("/conversations/c2/participants/alice"))
    tick()
    ok(client.put("/conversations/c3/participants/alice"))
    tick()
    # no messages: ordered by joinedAt, newest first
    assert conv_ids(client.get("/users/alice/conversations")) == ["c3", "c2", "c1"]
    m1 = send(client, "c1", "old news", sender="bob")[0]
    t1 = ok(client.get(f"/conversations/c1/messages/{m1}")).json()["createdAt"]
    tick()
    # a message makes c1 the most recent; then alice joins c4 later still
    assert conv_ids(client.get("/users/alice/conversations")) == ["c1", "c3", "c2"]
    make_conversation(client, "c4", "alice")
    tick()
    m2 = send(client, "c2", "mine", sender="alice")[0]
    t2 = ok(client.get(f"/conversations/c2/messages/{m2}")).json()["createdAt"]
    order = conv_ids(client.get("/users/alice/conversations"))
    assert order == ["c2", "c4", "c1", "c3"]
    listed = ok(client.get("/users/alice/conversations")).json()["data"]
    for conv in listed:
        last = conv["lastMessage"]["createdAt"] if conv["lastMessage"] else 0
        assert conv["lastActivityAt"] == max(last, conv["joinedAt"])
    assert [c["lastActivityAt"] for c in listed] == sorted((c["lastActivityAt"] for c in listed), reverse=True)
    # bob is in c1..c3 only
    assert conv_ids(client.get("/users/bob/conversations")) == ["c2", "c1", "c3"]

    # limit and startingAfter walk the same order
    assert conv_ids(client.get("/users/alice/conversations", params={"limit": 2})) == ["c2", "c4"]
    assert conv_ids(client.get("/users/alice/conversations", params={"limit": 2, "startingAfter": "c4"})) == [
        "c1",
        "c3",
    ]
    assert conv_ids(client.get("/users/alice/conversations", params={"startingAfter": "c3"})) == []
    assert_error(client.get("/users/alice/conversations", params={"startingAfter": "nope"}), 400)

    # unreadsOnly: alice has not read bob's message in c1; her own message in c2 is not unread
    assert conv_ids(client.get("/users/alice/conversations", params={"unreadsOnly": "true"})) == ["c1"]
    c1 = ok(client.get("/users/alice/conversations/c1")).json()
    assert c1["unreadMessageCount"] == 1 and c1["isUnread"] is True
    assert conv_ids(client.get("/users/bob/conversations", params={"unreadsOnly": "true"})) == ["c2"]

    # lastMessageBefore/After filter on the last message's time (no message: excluded)
    assert conv_ids(client.get("/users/alice/conversations", params={"lastMessageAfter": t1})) == ["c2"]
    assert conv_ids(client.get("/users/alice/conversations", params={"lastMessageAfter": t1 - 1})) == ["c2", "c1"]
    assert conv_ids(client.get("/users/alice/conversations", params={"lastMessageBefore": t2})) == ["c1"]
    assert conv_ids(
        client.get("/users/alice/conversations", params={"lastMessageBefore": t2 + 1, "lastMessageAfter": t1})
    ) == ["c2"]

    # the single-conversation view, and 404 for a conversation the user is not in / a missing user
    c2 = ok(client.get("/users/alice/conversations/c2")).json()
    assert c2["id"] == "c2" and c2["unreadMessageCount"] == 0 and c2["access"] == "ReadWrite"
    assert c2["lastMessage"]["id"] == m2 and c2["lastMessage"]["text"] == "mine"
    assert_error(client.get("/users/bob/conversations/c4"), 404)
    assert_error(client.get("/users/ghost/conversations"), 404)


# -- conversations & participants -----------------------------------------------------------------


def test_conversation_put_get_list_delete(client):
    make_users(client, "alice", "bob", "carol")
    make_conversation(client, "conv", "alice", "bob", subject="Hello", custom={"a": "1", "b": "2"})
    conv = ok(client.get("/conversations/conv")).json()
    assert conv["subject"] == "Hello" and conv["custom"] == {"a": "1", "b": "2"}
    assert set(conv["participants"]) == {"alice", "bob"}
    assert conv["participants"]["alice"]["access"] == "ReadWrite" and conv["participants"]["alice"]["notify"] is True
    assert conv["lastMessage"] is None

    # participants are merged, never removed by PUT; fields patch
    ok(client.put("/conversations/conv", json={"participants": ["carol"], "custom": {"a": None}, "photoUrl": "p"}))
    conv = ok(client.get("/conversations/conv")).json()
    assert set(conv["participants"]) == {"alice", "bob", "carol"}
    assert conv["subject"] == "Hello" and conv["custom"] == {"b": "2"} and conv["photoUrl"] == "p"
    ok(client.put("/conversations/conv", json={"subject": None}))
    assert ok(client.get("/conversations/conv")).json()["subject"] is None
    # a participant that does not exist: refused, nothing joined
    assert_error(client.put("/conversations/conv", json={"participants": ["ghost"]}), 400)
    assert_error(client.put("/conversations/new", json={"participants": ["alice", "ghost"]}), 400)
    assert_error(client.get("/conversations/new"), 404)

    make_conversation(client, "other", "alice")
    tick()
    send(client, "conv", "hi", sender="alice")
    assert conv_ids(client.get("/conversations")) == ["conv", "other"]
    assert conv_ids(client.get("/conversations", params={"limit": 1})) == ["conv"]
    assert conv_ids(client.get("/conversations", params={"startingAfter": "conv"})) == ["other"]

    ok(client.delete("/conversations/conv"))
    assert_error(client.get("/conversations/conv"), 404)
    assert_error(client.get("/conversations/conv/messages"), 404)
    assert_error(client.delete("/conversations/conv"), 404)
    assert conv_ids(client.get("/users/alice/conversations")) == ["other"]
    assert conv_ids(client.get("/conversations")) == ["other"]
    # recreating it starts empty: no old participants or messages come back
    make_conversation(client, "conv", "carol")
    assert set(ok(client.get("/conversations/conv")).json()["participants"]) == {"carol"}
    assert ok(client.get("/conversations/conv/messages")).json()["data"] == []


def test_participants_join_modify_leave(client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice")
    ok(client.put("/conversations/conv/participants/bob"))  # no body: defaults
    p = ok(client.get("/conversations/conv")).json()["participants"]["bob"]
    assert p["access"] == "ReadWrite" and p["notify"] is True
    ok(client.put("/conversations/conv/participants/bob", json={"access": "Read", "notify": False}))
    p = ok(client.get("/conversations/conv")).json()["participants"]["bob"]
    assert p["access"] == "Read" and p["notify"] is False
    # PUT overwrites: omitted settings go back to the defaults
    ok(client.put("/conversations/conv/participants/bob", json={"notify": "MentionsOnly"}))
    p = ok(client.get("/conversations/conv")).json()["participants"]["bob"]
    assert p["access"] == "ReadWrite" and p["notify"] == "MentionsOnly"
    # PATCH changes only the given field
    ok(client.patch("/conversations/conv/participants/bob", json={"access": "Read"}))
    p = ok(client.get("/conversations/conv")).json()["participants"]["bob"]
    assert p["access"] == "Read" and p["notify"] == "MentionsOnly"
    assert_error(client.patch("/conversations/conv/participants/bob", json={"access": "Write"}), 400)
    assert_error(client.patch("/conversations/conv/participants/bob", json={"notify": "sometimes"}), 400)
    assert_error(client.put("/conversations/conv/participants/bob", json={"access": "None"}), 400)
    assert_error(client.put("/conversations/conv/participants/bob", json={"colour": "red"}), 400)
    assert_error(client.put("/conversations/conv/participants/ghost"), 400)
    assert_error(client.put("/conversations/nope/participants/bob"), 404)
    # access None removes
    ok(client.patch("/conversations/conv/participants/bob", json={"access": "None"}))
    assert set(ok(client.get("/conversations/conv")).json()["participants"]) == {"alice"}
    assert_error(client.patch("/conversations/conv/participants/bob", json={"access": "Read"}), 404)
    # DELETE leaves, and is idempotent
    ok(client.delete("/conversations/conv/participants/alice"))
    ok(client.delete("/conversations/conv/participants/alice"))
    assert ok(client.get("/conversations/conv")).json()["participants"] == {}
    assert_error(client.delete("/conversations/nope/participants/alice"), 404)


# -- messages -------------------------------------------------------------------------------------


def test_messages_send_list_get_edit_delete(client, user_client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")
    ids = send(client, "conv", *(f"m{i}" for i in range(10)), sender="alice")
    assert len(ids) == 10 and len(set(ids)) == 10 and all(i.startswith("msg_") for i in ids)
    # 11 at once: refused, nothing written
    assert_error(client.post("/conversations/conv/messages", json=[{"text": "x", "sender": "bob"}] * 11), 400)
    assert len(ok(client.get("/conversations/conv/messages", params={"limit": 100})).json()["data"]) == 10

    # newest first, cursor pagination backwards in time
    page = ok(client.get("/conversations/conv/messages", params={"limit": 4})).json()["data"]
    assert [m["text"] for m in page] == ["m9", "m8", "m7", "m6"]
    assert [m["createdAt"] for m in page] == sorted((m["createdAt"] for m in page), reverse=True)
    page = ok(client.get("/conversations/conv/messages", params={"limit": 4, "startingAfter": page[-1]["id"]})).json()[
        "data"
    ]
    assert [m["text"] for m in page] == ["m5", "m4", "m3", "m2"]
    page = ok(client.get("/conversations/conv/messages", params={"startingAfter": ids[1]})).json()["data"]
    assert [m["text"] for m in page] == ["m0"]
    assert_error(client.get("/conversations/conv/messages", params={"startingAfter": "msg_nope"}), 400)

    one = ok(client.get(f"/conversations/conv/messages/{ids[3]}")).json()
    assert one["text"] == "m3" and one["senderId"] == "alice" and one["conversationId"] == "conv"
    assert one["type"] == "UserMessage" and one["editedAt"] is None
    assert one["content"] == [{"type": "text", "children": ["m3"]}]
    assert_error(client.get("/conversations/conv/messages/msg_nope"), 404)

    # edit with PATCH and PUT
    ok(client.patch(f"/conversations/conv/messages/{ids[3]}", json={"text": "m3 edited", "custom": {"k": "v"}}))
    one = ok(client.get(f"/conversations/conv/messages/{ids[3]}")).json()
    assert one["text"] == "m3 edited" and one["custom"] == {"k": "v"} and isinstance(one["editedAt"], int)
    assert one["editedAt"] >= one["createdAt"]
    ok(client.put(f"/conversations/conv/messages/{ids[3]}", json={"custom": {"k": None, "j": "w"}}))
    one = ok(client.get(f"/conversations/conv/messages/{ids[3]}")).json()
    assert one["text"] == "m3 edited" and one["custom"] == {"j": "w"}
    assert_error(client.patch(f"/conversations/conv/messages/{ids[3]}", json={}), 400)
    assert_error(client.patch(f"/conversations/conv/messages/{ids[3]}", json={"text": ""}), 400)
    assert_error(client.patch(f"/conversations/conv/messages/{ids[3]}", json={"sender": "bob"}), 400)
    assert_error(client.patch("/conversations/conv/messages/msg_nope", json={"text": "x"}), 404)

    # delete the last message: the conversation's lastMessage falls back to the previous one
    assert ok(client.get("/conversations/conv")).json()["lastMessage"]["id"] == ids[9]
    ok(client.delete(f"/conversations/conv/messages/{ids[9]}"))
    assert_error(client.get(f"/conversations/conv/messages/{ids[9]}"), 404)
    assert ok(client.get("/conversations/conv")).json()["lastMessage"]["id"] == ids[8]
    assert_error(client.delete(f"/conversations/conv/messages/{ids[9]}"), 404)
    for mid in ids[:9]:
        ok(client.delete(f"/conversations/conv/messages/{mid}"))
    assert ok(client.get("/conversations/conv")).json()["lastMessage"] is None

    # a user token sends as itself without naming a sender
    alice = user_client("alice")
    (mid,) = message_ids(alice.post("/conversations/conv/messages", json=[{"text": "from alice"}]))
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["senderId"] == "alice" and msg["origin"] == "web"


def test_message_send_is_all_or_nothing(client):
    make_users(client, "alice", "bob", "carol")
    make_conversation(client, "conv", "alice", "bob")
    good = [{"text": f"ok {i}", "sender": "alice"} for i in range(10)]
    for bad_item in (
        {"text": 5, "sender": "alice"},
        {"sender": "alice"},
        {"text": "x", "sender": "carol"},
        {"text": "x", "sender": "alice", "colour": "red"},
        "just a string",
        {"text": "x", "sender": "alice", "attachmentToken": "ft_unknown"},
        {"text": "x", "sender": "alice", "referencedMessageId": "msg_nope"},
        {"content": [{"type": "text", "children": [{"bold": True}]}], "sender": "alice"},
    ):
        items = list(good)
        items[6] = bad_item
        r = client.post("/conversations/conv/messages", json=items)
        assert r.status_code in (400, 403), (bad_item, r.text)
        assert_error(r, r.status_code)
        assert ok(client.get("/conversations/conv/messages")).json()["data"] == [], bad_item
    assert ok(client.get("/conversations/conv")).json()["lastMessage"] is None
    # a UserMessage without a sender from the secret key
    assert_error(client.post("/conversations/conv/messages", json=[{"text": "x"}]), 400)
    assert_error(client.post("/conversations/conv/messages", json=[]), 400)
    assert_error(client.post("/conversations/conv/messages", json={"text": "x", "sender": "alice"}), 400)
    assert_error(client.post("/conversations/nope/messages", json=[{"text": "x", "sender": "alice"}]), 404)


def test_rich_content_location_and_reference(client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")
    (first,) = send(client, "conv", "question", sender="bob")
    content = [
        {"type": "text", "children": ["see ", {"type": "bold", "children": ["this"]}]},
        {"type": "location", "latitude": 51.5, "longitude": -0.12},
    ]
    (mid,) = message_ids(
        client.post(
            "/conversations/conv/messages",
            json=[{"content": content, "sender": "alice", "referencedMessageId": first, "custom": {"x": "y"}}],
        )
    )
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["text"] == "see this" and msg["location"] == [51.5, -0.12]
    assert msg["referencedMessageId"] == first and msg["custom"] == {"x": "y"}
    assert msg["content"][1] == {"type": "location", "latitude": 51.5, "longitude": -0.12}
    assert_error(client.post("/conversations/conv/messages", json=[{"sender": "alice", "location": [91, 0]}]), 400)
    assert_error(
        client.post("/conversations/conv/messages", json=[{"sender": "alice", "text": "x", "content": content}]), 400
    )


def test_read_only_participant_and_system_messages(client, user_client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice")
    ok(client.put("/conversations/conv/participants/bob", json={"access": "Read"}))
    bob = user_client("bob")
    assert_error(bob.post("/conversations/conv/messages", json=[{"text": "can I?"}]), 403)
    assert ok(bob.get("/conversations/conv/messages")).json()["data"] == []  # may still read
    # a system message needs app credentials and has no sender
    alice = user_client("alice")
    assert_error(alice.post("/conversations/conv/messages", json=[{"type": "SystemMessage", "text": "x"}]), 403)
    assert_error(
        client.post("/conversations/conv/messages", json=[{"type": "SystemMessage", "text": "x", "sender": "alice"}]),
        400,
    )
    (mid,) = message_ids(
        client.post("/conversations/conv/messages", json=[{"type": "SystemMessage", "text": "Welcome!"}])
    )
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["type"] == "SystemMessage" and msg["senderId"] is None and msg["origin"] == "rest"
    assert ok(client.get("/conversations/conv/messages")).json()["data"][0]["id"] == mid


def test_read_only_participant_reads_and_leaves_but_writes_nothing(client, user_client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")
    bob = user_client("bob")
    (mid,) = message_ids(bob.post("/conversations/conv/messages", json=[{"text": "while I could"}]))
    ok(client.patch("/conversations/conv/participants/bob", json={"access": "Read"}))
    assert_error(bob.patch(f"/conversations/conv/messages/{mid}", json={"text": "changed"}), 403)
    assert_error(bob.delete(f"/conversations/conv/messages/{mid}"), 403)
    assert_error(bob.put("/conversations/conv", json={"subject": "mine now"}), 403)
    assert_error(bob.patch("/conversations/conv/participants/bob", json={"access": "ReadWrite"}), 403)
    assert_error(bob.put("/conversations/conv/participants/bob", json={"access": "ReadWrite"}), 403)
    conv = ok(client.get("/conversations/conv")).json()
    assert conv["subject"] is None and conv["participants"]["bob"]["access"] == "Read"
    assert ok(client.get(f"/conversations/conv/messages/{mid}")).json()["text"] == "while I could"
    ok(bob.post("/conversations/conv/readBy/bob"))  # reading is not writing
    ok(bob.delete("/conversations/conv/participants/bob"))  # and anyone may leave
    assert set(ok(client.get("/conversations/conv")).json()["participants"]) == {"alice"}


def test_custom_nulls_on_send_and_derived_fields_on_edit(client):
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    (mid,) = message_ids(
        client.post(
            "/conversations/conv/messages",
            json=[{"sender": "alice", "text": "here", "custom": {"keep": "1", "drop": None}}],
        )
    )
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["custom"] == {"keep": "1"} and msg["location"] is None
    ok(
        client.patch(
            f"/conversations/conv/messages/{mid}",
            json={
                "content": [
                    {"type": "text", "children": ["now here"]},
                    {"type": "location", "latitude": 1.5, "longitude": 2.5},
                ]
            },
        )
    )
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["text"] == "now here" and msg["location"] == [1.5, 2.5]
    # a text edit keeps the location block and puts the new text first
    ok(client.patch(f"/conversations/conv/messages/{mid}", json={"text": "moved"}))
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    assert msg["content"] == [
        {"type": "text", "children": ["moved"]},
        {"type": "location", "latitude": 1.5, "longitude": 2.5},
    ]
    assert msg["location"] == [1.5, 2.5]


def test_mark_read(client, user_client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")
    ids = send(client, "conv", "one", "two", "three", sender="bob")
    view = ok(client.get("/users/alice/conversations/conv")).json()
    assert view["unreadMessageCount"] == 3 and view["isUnread"] is True
    assert ok(client.get("/conversations/conv")).json()["participants"]["alice"]["isUnread"] is True
    msg = ok(client.get(f"/conversations/conv/messages/{ids[0]}")).json()
    assert msg["readBy"] == []
    ok(user_client("alice").post("/conversations/conv/readBy/alice"))
    view = ok(client.get("/users/alice/conversations/conv")).json()
    assert view["unreadMessageCount"] == 0 and view["isUnread"] is False
    assert view["readUntil"] >= ok(client.get(f"/conversations/conv/messages/{ids[2]}")).json()["createdAt"]
    for mid in ids:
        assert ok(client.get(f"/conversations/conv/messages/{mid}")).json()["readBy"] == ["alice"]
    # a newer message is unread again, and read by nobody yet
    (later,) = send(client, "conv", "four", sender="bob")
    assert ok(client.get("/users/alice/conversations/conv")).json()["unreadMessageCount"] == 1
    assert ok(client.get(f"/conversations/conv/messages/{later}")).json()["readBy"] == []
    ok(client.post("/conversations/conv/readBy/alice"))  # the secret key may mark for anyone
    assert ok(client.get("/users/alice/conversations/conv")).json()["unreadMessageCount"] == 0
    make_users(client, "carol")
    assert_error(client.post("/conversations/conv/readBy/carol"), 404)
    assert_error(client.post("/conversations/nope/readBy/alice"), 404)


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{", b"{'name': 'x'}", b"", b"nul\x00l", b"\xff\xfe"])
def test_malformed_json_is_400(client, body):
    r = client.put("/users/alice", content=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400)
    assert_error(client.get("/users/alice"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": ["Alice"]},
        {"name": "A", "email": "a@example.com"},
        {"name": "A", "email": [1]},
        {"name": "A", "custom": {"k": 1}},
        {"name": "A", "custom": ["k"]},
        {"name": "A", "role": 3},
        {"name": "A", "photoUrl": {"x": 1}},
        {"name": "A", "bogus": True},
        {"name": "x" * 1001},
        {"name": "A", "custom": {"k": "v" * 10_001}},
        ["Alice"],
        "Alice",
        None,
    ],
)
def test_wrong_types_for_users_are_400(client, body):
    assert_error(client.put("/users/alice", json=body), 400)
    assert_error(client.get("/users/alice"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"subject": 5},
        {"participants": "alice"},
        {"participants": [5]},
        {"participants": [""]},
        {"custom": {"k": 1}},
        {"welcomeMessages": "hi"},
        {"topicId": ["x"]},
        {"unknown": 1},
        [],
    ],
)
def test_wrong_types_for_conversations_are_400(client, body):
    make_users(client, "alice")
    assert_error(client.put("/conversations/conv", json=body), 400)
    assert_error(client.get("/conversations/conv"), 404)


def test_ids_text_and_limits(client):
    make_users(client, "alice")
    long_id = "u" * 256
    assert_error(client.put(f"/users/{long_id}", json={"name": "Long"}), 400)
    ok(client.put(f"/users/{'u' * 255}", json={"name": "Longest"}))
    assert_error(client.put(f"/conversations/{'c' * 256}", json={"participants": ["alice"]}), 400)
    assert_error(client.put("/users/bad%01id", json={"name": "Ctl"}), 400)
    assert_error(client.put("/conversations/conv", json={"participants": ["u" * 256]}), 400)
    # an empty id where it can be routed: a participant of "" in a body, a batch key
    assert_error(client.put("/users", json={"": {"name": "Empty"}}), 400)
    # ids are data: unicode and spaces are fine
    ok(client.put("/users/%C3%A9l%C3%A8ve%201", json={"name": "Élève"}))
    assert ok(client.get("/users/élève 1")).json()["name"] == "Élève"

    make_conversation(client, "conv", "alice")
    assert_error(client.post("/conversations/conv/messages", json=[{"text": "x" * 10_001, "sender": "alice"}]), 400)
    ok(client.post("/conversations/conv/messages", json=[{"text": "x" * 10_000, "sender": "alice"}]))
    (mid,) = [m["id"] for m in ok(client.get("/conversations/conv/messages")).json()["data"]]
    assert_error(client.patch(f"/conversations/conv/messages/{mid}", json={"text": "y" * 10_001}), 400)
    assert ok(client.get(f"/conversations/conv/messages/{mid}")).json()["text"] == "x" * 10_000

    for path in ("/users", "/conversations", "/conversations/conv/messages", "/users/alice/conversations"):
        for limit in ("0", "-1", "abc", "1.5", "101", "1_0", "+5", " 5 "):
            body = assert_error(client.get(path, params={"limit": limit}), 400)
            assert body["errorCode"] == "BAD_REQUEST"
        ok(client.get(path, params={"limit": "1"}))
    for path in ("/conversations", "/users/alice/conversations"):  # TalkJS's export example pages with 100
        ok(client.get(path, params={"limit": "100"}))
    assert_error(client.get("/users/alice/conversations", params={"unreadsOnly": "maybe"}), 400)
    assert_error(client.get("/users/alice/conversations", params={"lastMessageBefore": "yesterday"}), 400)
    assert_error(client.get("/conversations", params={"lastMessageAfter": "-5"}), 400)


def test_empty_ids_and_oversized_bodies(client):
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    # an empty id in a path does not route to the resource: a JSON 404/405, nothing created
    for method, path in [
        ("PUT", "/users/"),
        ("GET", "/users//conversations"),
        ("PUT", "/conversations/"),
        ("PUT", "/conversations/conv/participants/"),
        ("GET", "/conversations//messages"),
    ]:
        r = client.request(method, path, json={"name": "Nobody"})
        assert r.status_code in (404, 405), (method, path, r.status_code)
        assert_error(r, r.status_code)
    assert user_ids(client.get("/users")) == ["alice"]
    # JSON bodies over 1 MiB are refused before parsing
    big = {"name": "Big", "custom": {f"k{i}": "v" * 9_000 for i in range(120)}}
    body = assert_error(client.put("/users/big", json=big), 413)
    assert body["errorCode"] == "PAYLOAD_TOO_LARGE"
    assert_error(client.get("/users/big"), 404)
    # an empty participant body is a no-op, not an error
    ok(client.patch("/conversations/conv/participants/alice"))
    assert ok(client.get("/conversations/conv")).json()["participants"]["alice"]["access"] == "ReadWrite"


def test_unknown_routes_and_methods_are_json(server, client, http):
    r = http.get(f"{server.base_url}/nothing/here")
    body = assert_error(r, 404)
    assert body["errorCode"] == "NOT_FOUND"
    assert_error(client.get("/no/such/route"), 404)
    body = assert_error(client.post("/users/alice", json={"name": "x"}), 405)
    assert body["errorCode"] == "METHOD_NOT_ALLOWED"


def test_conversation_mutations_need_existing_conversation(client):
    make_users(client, "alice")
    assert_error(client.post("/conversations/none/readBy/alice"), 404)
    assert_error(client.get("/conversations/none/messages"), 404)
    assert_error(client.get("/conversations/none/messages/msg_x"), 404)
    assert_error(client.patch("/conversations/none/participants/alice", json={"notify": False}), 404)


# -- reset and health -----------------------------------------------------------------------------


def test_reset_and_health(server, client, http, user_client):
    health = ok(http.get(f"{server.base_url}/_emulator/health")).json()
    assert health["ok"] is True and health["version"] == __version__ and health["feedProtocol"] == 2

    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")
    send(client, "conv", "hello", sender="alice")
    other_key = server.embedded.ensure_app("other")
    ok(http.put(f"{server.base_url}/v1/other/users/zed", json={"name": "Zed"}, headers=auth(other_key)))

    reset = f"{server.base_url}/_emulator/apps/{server.app_id}/reset"
    assert_error(http.post(reset), 401)
    assert_error(http.post(reset, headers=auth(server.user_token("alice"))), 403)
    assert_error(http.post(f"{server.base_url}/_emulator/apps/other/reset", headers=auth(server.secret_key)), 401)
    assert_error(http.post(f"{server.base_url}/_emulator/apps/nope/reset", headers=auth(server.secret_key)), 404)
    assert ok(client.get("/users/alice")).json()["name"] == "Alice"

    ok(http.post(reset, headers=auth(server.secret_key)))
    assert ok(client.get("/users")).json()["data"] == []
    assert ok(client.get("/conversations")).json()["data"] == []
    assert_error(client.get("/conversations/conv"), 404)
    # the key still works and the other app is untouched
    ok(client.put("/users/alice", json={"name": "Alice again"}))
    assert ok(http.get(f"{server.base_url}/v1/other/users/zed", headers=auth(other_key))).json()["name"] == "Zed"


def test_loading_a_seed_twice_does_not_duplicate_messages(server, client):
    from talkwidgets.emulator import load_seed

    seed = {
        "users": {"ann": {"name": "Ann"}, "ben": {"name": "Ben"}},
        "conversations": {"s1": {"subject": "Seeded", "participants": ["ann", "ben"]}},
        "messages": {"s1": [{"sender": "ann", "text": "one"}, {"sender": "ben", "text": "two"}]},
    }
    store = server.embedded.emulator.store
    assert load_seed(store, server.app_id, seed)["messages"] == 2
    assert load_seed(store, server.app_id, seed)["messages"] == 0
    texts = [m["text"] for m in ok(client.get("/conversations/s1/messages")).json()["data"]]
    assert texts == ["two", "one"]
