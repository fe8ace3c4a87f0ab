"""User-view message routes (``/users/{userId}/conversations/{cid}/messages``), the replied-to
message one level deep, and message content derived from TalkJS markup (app vs user credentials)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.server_support import assert_error, make_conversation, make_users, message_ids, ok, send

MARKUP = "*bold* see <https://example.com|the site> or <actionlink:buy?item=1|Buy> and https://talkjs.com"


def node_types(children: list[Any]) -> list[str]:
    return [n if isinstance(n, str) else n["type"] for n in children]


@pytest.fixture
def world(client: httpx.Client) -> httpx.Client:
    make_users(client, "alice", "bob", "zed")
    make_conversation(client, "c", "alice", "bob")
    make_conversation(client, "other", "zed")
    return client


def walk(client: httpx.Client, url: str, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"startingAfter": after} if after else {})}
        page = ok(client.get(url, params=params)).json()["data"]
        out += page
        if len(page) < limit:
            return out
        after = page[-1]["id"]


def test_user_view_is_the_message_list_plus_viewer_fields(world: httpx.Client) -> None:
    ids = send(world, "c", *(f"m{n}" for n in range(7)), sender="alice")
    plain = walk(world, "/conversations/c/messages", 100)
    viewed = walk(world, "/users/bob/conversations/c/messages", 1)
    assert [m["id"] for m in viewed] == [m["id"] for m in plain] == ids[::-1]  # newest first
    assert walk(world, "/users/bob/conversations/c/messages", 3) == viewed
    for p, v in zip(plain, viewed, strict=True):
        assert "referencedMessage" not in p and v["referencedMessage"] is None
        assert {k: x for k, x in v.items() if k != "referencedMessage"} == p
    one = ok(world.get(f"/users/bob/conversations/c/messages/{ids[2]}")).json()
    assert one == next(m for m in viewed if m["id"] == ids[2])
    assert_error(world.get("/users/bob/conversations/c/messages/msg_nope"), 404)
    assert_error(world.get("/users/bob/conversations/c/messages", params={"startingAfter": "msg_nope"}), 400)
    assert_error(world.get("/users/bob/conversations/c/messages", params={"limit": 101}), 400)


def test_referenced_message_one_level_deep(world: httpx.Client) -> None:
    (first,) = send(world, "c", "first", sender="alice")
    (second,) = message_ids(
        world.post("/conversations/c/messages", json=[{"sender": "bob", "text": "reply", "referencedMessageId": first}])
    )
    (third,) = message_ids(
        world.post(
            "/conversations/c/messages", json=[{"sender": "alice", "text": "reply²", "referencedMessageId": second}]
        )
    )
    ok(world.put(f"/conversations/c/messages/{second}/reactions/:ok:/alice"))
    viewed = ok(world.get(f"/users/alice/conversations/c/messages/{third}")).json()
    ref = viewed["referencedMessage"]
    assert ref["id"] == second and ref["referencedMessageId"] == first and "referencedMessage" not in ref
    assert ref["reactions"] == [{"emoji": ":ok:", "count": 1, "currentUserReacted": True}]
    plain_ref = ok(world.get(f"/conversations/c/messages/{second}")).json()
    assert {**ref, "reactions": None} == {**plain_ref, "reactions": None}
    ok(world.delete(f"/conversations/c/messages/{second}"))
    viewed = ok(world.get(f"/users/bob/conversations/c/messages/{third}")).json()
    assert viewed["referencedMessage"] is None and viewed["referencedMessageId"] == second


def test_auth_matrix(server, world: httpx.Client, user_client) -> None:
    (mid,) = send(world, "c", "hello", sender="alice")
    for url in ("/users/bob/conversations/c/messages", f"/users/bob/conversations/c/messages/{mid}"):
        assert ok(user_client("bob").get(url)).status_code == 200
        assert ok(world.get(url)).status_code == 200
        assert_error(httpx.get(f"{server.api}{url}"), 401)
        assert_error(httpx.get(f"{server.api}{url}", headers={"Authorization": "Bearer sk_test_wrong"}), 401)
        assert_error(user_client("alice").get(url), 403)  # another user's view
        assert_error(user_client("zed").get(url), 403)
    for url in ("/users/zed/conversations/c/messages", f"/users/zed/conversations/c/messages/{mid}"):
        assert_error(user_client("zed").get(url), 403)  # not a participant
        assert_error(world.get(url), 403)
    assert_error(world.get("/users/nobody/conversations/c/messages"), 403)
    assert_error(world.get("/users/bob/conversations/nope/messages"), 404)
    assert_error(user_client("bob").get("/users/bob/conversations/nope/messages/x"), 404)


def test_text_with_app_credentials_uses_the_full_markup(world: httpx.Client) -> None:
    (mid,) = send(world, "c", MARKUP, sender="alice")
    message = ok(world.get(f"/conversations/c/messages/{mid}")).json()
    assert message["text"] == MARKUP  # the text as sent
    (block,) = message["content"]
    assert node_types(block["children"]) == ["bold", " see ", "link", " or ", "actionLink", " and ", "autoLink"]
    link = block["children"][2]
    assert link == {"type": "link", "url": "https://example.com", "children": ["the site"]}
    assert block["children"][4]["params"] == {"item": "1"}


def test_text_with_a_user_token_uses_the_user_subset(world: httpx.Client, user_client) -> None:
    (mid,) = message_ids(user_client("alice").post("/conversations/c/messages", json=[{"text": MARKUP}]))
    (block,) = ok(world.get(f"/conversations/c/messages/{mid}")).json()["content"]
    types = node_types(block["children"])
    assert "link" not in types and "actionLink" not in types and types.count("autoLink") == 2
    assert "<actionlink:buy?item=1|Buy>" in "".join(n for n in block["children"] if isinstance(n, str))


def test_edits_with_text_are_parsed_and_keep_other_blocks(world: httpx.Client, user_client) -> None:
    token = ok(world.post("/files", files={"file": ("a.txt", b"hi")})).json()["fileToken"]
    (mid,) = message_ids(
        world.post("/conversations/c/messages", json=[{"sender": "alice", "text": "plain", "attachmentToken": token}])
    )
    ok(world.patch(f"/conversations/c/messages/{mid}", json={"text": "now _italic_ <https://a.io|A>"}))
    content = ok(world.get(f"/conversations/c/messages/{mid}")).json()["content"]
    assert [b["type"] for b in content] == ["text", "file"]
    assert node_types(content[0]["children"]) == ["now ", "italic", " ", "link"]
    ok(user_client("alice").patch(f"/conversations/c/messages/{mid}", json={"text": "~gone~ <https://a.io|A>"}))
    content = ok(world.get(f"/conversations/c/messages/{mid}")).json()["content"]
    assert node_types(content[0]["children"]) == ["strikethrough", " <", "autoLink", "|A>"]
    # content sent as content is kept as given, never parsed
    raw = [{"type": "text", "children": ["*not bold*"]}]
    ok(world.patch(f"/conversations/c/messages/{mid}", json={"content": raw}))
    assert ok(world.get(f"/conversations/c/messages/{mid}")).json()["content"] == raw
