"""Message and conversation search over a real server: TalkJS's matching rules (every query word a
prefix of a word of the text, case-insensitive, punctuation at word edges ignored) checked against
this module's own evaluation, paging, filters, auth, and the index kept in step with every change."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import httpx
import pytest

from tests.server_support import assert_error, make_conversation, make_users, message_ids, ok, send

# -- this test's own evaluation of the rule -----------------------------------------------------------


def rule_words(text: str) -> list[str]:
    out = []
    for chunk in unicodedata.normalize("NFC", text).casefold().split():
        word = "".join(chunk)
        while word and unicodedata.category(word[0]).startswith("P"):
            word = word[1:]
        while word and unicodedata.category(word[-1]).startswith("P"):
            word = word[:-1]
        if word:
            out.append(word)
    return out


def rule_matches(query: str, text: str) -> bool:
    have = rule_words(text)
    return all(any(w.startswith(q) for w in have) for q in rule_words(query))


TEXTS = [
    "Hello, World!",
    "hello again",
    "HELLO-world",
    "Don't panic.",
    "dont stop",
    "The e-mail arrived",
    "email me",
    "(parenthesised) words",
    "«Straße» is a street",
    "strasse in another spelling",
    "3.14 is pi; 314 is not",
    "...ellipsis...",
    "world peace",
    "Über café",
    "uber cafeteria",
    "mixed CaSe WoRdS",
    "a b c",
    "*bold* and _italic_ markup",
    "see https://example.com/page for details",
]
QUERIES = [
    "hello",
    "HEL",
    "hello world",
    "world hello",
    "hello-world",
    "hello-",
    "wor",
    "orld",
    "don't",
    "don",
    "dont",
    "e-mail",
    "email",
    "e",
    "(paren",
    "parenthesised)",
    "straß",
    "strasse",
    "3.14",
    "3",
    "ellipsis",
    "...ellipsis",
    "über",
    "UBER",
    "caf",
    "café",
    "words mixed",
    "a b",
    "bold",
    "*bold*",
    "italic",
    "https",
    "example",
    "nothing-like-this",
]


@pytest.fixture
def corpus(client: httpx.Client) -> tuple[httpx.Client, dict[str, str]]:
    """Each text as a message in one of three conversations of alice's; plus one she is not in."""
    make_users(client, "alice", "bob", "zed")
    for cid in ("c0", "c1", "c2"):
        make_conversation(client, cid, "alice", "bob")
    make_conversation(client, "outside", "bob", "zed")
    ids: dict[str, str] = {}
    for n, text in enumerate(TEXTS):
        (mid,) = send(client, f"c{n % 3}", text, sender="bob")
        ids[mid] = text
    send(client, "outside", "hello world from outside", sender="zed")
    return client, ids


def search(client: httpx.Client, user: str, query: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(
        client.get(f"/users/{user}/messages/search", params={"query": query, "limit": 50, **params})
    ).json()["data"]
    return found


def walk(client: httpx.Client, url: str, query: str, limit: int, key, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page_params = {"query": query, "limit": limit, **params, **({"startingAfter": after} if after else {})}
        page = ok(client.get(url, params=page_params)).json()["data"]
        out += page
        if len(page) < limit:
            return out
        after = key(page[-1])


def test_matching_rules_agree_with_brute_force(corpus) -> None:
    client, ids = corpus
    newest_first = list(ids)[::-1]
    for query in QUERIES:
        expected = [mid for mid in newest_first if rule_matches(query, ids[mid])]
        got = [r["message"]["id"] for r in search(client, "alice", query)]
        assert got == expected, query
    # the rules really bite: prefix only, no infix; inner punctuation kept; edges ignored
    texts = lambda q: {ids[r["message"]["id"]] for r in search(client, "alice", q)}  # noqa: E731
    assert "Hello, World!" in texts("hello wor") and texts("orld") == set()
    assert texts("dont") == {"dont stop"} and texts("don't") == {"Don't panic."}
    assert "(parenthesised) words" in texts("parenthesised")
    assert "*bold* and _italic_ markup" in texts("bold")  # the plain text, not the markup


def test_results_carry_the_user_view_conversation_and_message(corpus, user_client) -> None:
    client, _ = corpus
    results = search(user_client("alice"), "alice", "hello")
    assert results and all(set(r) == {"conversation", "message"} for r in results)
    for r in results:
        conv, message = r["conversation"], r["message"]
        assert conv["id"] == message["conversationId"] and "unreadMessageCount" in conv and "joinedAt" in conv
        assert message["referencedMessage"] is None and "reactions" in message
    assert "outside" not in {r["conversation"]["id"] for r in results}
    assert [r["message"]["text"] for r in search(client, "zed", "hello")] == ["hello world from outside"]


def test_paging_and_filters(corpus) -> None:
    client, ids = corpus
    full = [r["message"]["id"] for r in search(client, "alice", "a")]
    assert len(full) > 5
    for limit in (1, 4):
        walked = walk(client, "/users/alice/messages/search", "a", limit, lambda r: r["message"]["id"])
        assert [r["message"]["id"] for r in walked] == full
    f = json.dumps({"custom": {"x": "!exists"}, "subject": ["==", None]})
    assert [r["message"]["id"] for r in search(client, "alice", "a", filter=f)] == full
    ok(client.put("/conversations/c1", json={"subject": "Second"}))
    only_c1 = json.dumps({"subject": ["==", "Second"]})
    filtered = search(client, "alice", "a", filter=only_c1)
    assert {r["conversation"]["id"] for r in filtered} == {"c1"}
    assert [r["message"]["id"] for r in filtered] == [m for m in full if m in {r["message"]["id"] for r in filtered}]
    either = json.dumps(["any", [{"subject": ["==", "Second"]}, {"hasMessages": False}]])
    assert [r["message"]["id"] for r in search(client, "alice", "a", filter=either)] == [
        r["message"]["id"] for r in filtered
    ]
    body = assert_error(client.get("/users/alice/messages/search", params={"query": "e", "filter": "{"}), 400)
    assert "filter" in body["reasons"][0]


def test_the_index_follows_every_change(server, corpus, user_client) -> None:
    client, _ = corpus
    (mid,) = send(client, "c0", "zebra crossing", sender="bob")
    assert [r["message"]["id"] for r in search(client, "alice", "zeb")] == [mid]
    ok(client.patch(f"/conversations/c0/messages/{mid}", json={"text": "giraffe crossing"}))
    assert search(client, "alice", "zeb") == []
    assert [r["message"]["id"] for r in search(client, "alice", "gir")] == [mid]
    content = [{"type": "text", "children": [{"type": "bold", "children": ["okapi"]}]}]
    ok(client.patch(f"/conversations/c0/messages/{mid}", json={"content": content}))
    assert [r["message"]["id"] for r in search(client, "alice", "okap")] == [mid]
    assert search(client, "alice", "gir") == []
    ok(client.delete(f"/conversations/c0/messages/{mid}"))
    assert search(client, "alice", "okap") == []
    token = ok(client.post("/files", files={"file": ("kangaroo.txt", b"x")})).json()["fileToken"]
    message_ids(client.post("/conversations/c0/messages", json=[{"sender": "bob", "attachmentToken": token}]))
    assert search(client, "alice", "kangaroo") == []  # text content only, not filenames
    # leaving hides a conversation's messages; deleting a conversation removes them
    assert search(client, "alice", "again")
    ok(client.delete("/conversations/c1/participants/alice"))
    ok(client.delete("/conversations/c2/participants/alice"))
    assert {r["conversation"]["id"] for r in search(client, "alice", "e")} == {"c0"}
    ok(client.delete("/conversations/c0"))
    assert search(client, "alice", "e") == []
    assert search(client, "bob", "again")  # c1 still has them
    server.embedded.reset(server.app_id)
    make_users(client, "bob")
    assert search(client, "bob", "again") == []


def test_conversation_search_subject_or_custom_search_never_mixed(client: httpx.Client, user_client) -> None:
    make_users(client, "alice", "bob")
    convs = {
        "trip": {"subject": "Trip to Paris!", "custom": {"search": "holiday planning"}},
        "work": {"subject": "Quarterly planning", "custom": {"team": "paris office"}},
        "mixed": {"subject": "Paris", "custom": {"search": "trip"}},
        "none": {},
    }
    for cid, fields in convs.items():
        make_conversation(client, cid, "alice", **fields)
    make_conversation(client, "bobs", "bob", subject="Paris trip")

    def found(query: str, **params: Any) -> list[str]:
        url = "/users/alice/conversations/search"
        return [c["id"] for c in ok(client.get(url, params={"query": query, **params})).json()["data"]]

    order = [c["id"] for c in ok(client.get("/users/alice/conversations")).json()["data"]]
    in_order = lambda ids: [c for c in order if c in ids]  # noqa: E731
    assert found("paris") == in_order({"trip", "mixed"})  # "paris office" is custom.team: not searched
    assert found("trip paris") == ["trip"]  # mixed has "paris" in the subject and "trip" in search
    assert found("PLAN") == in_order({"trip", "work"})
    assert found("holiday plan") == ["trip"]
    assert found("holiday trip") == []  # one word from each field: no match
    assert found("pari", filter=json.dumps({"subject": ["==", "Paris"]})) == ["mixed"]
    walked = walk(client, "/users/alice/conversations/search", "p", 1, lambda c: c["id"])
    assert [c["id"] for c in walked] == found("p", limit=50) and len(walked) == 3
    assert all("unreadMessageCount" in c for c in walked)
    ok(client.put("/conversations/work", json={"subject": None, "custom": {"search": "paris"}}))
    assert "work" in found("paris") and found("quarterly") == []
    ok(client.put("/conversations/trip", json={"custom": {"search": None}}))
    assert found("holiday") == []
    assert found("paris", limit=50) == in_order({"trip", "mixed", "work"})


def test_bad_requests_and_auth(server, corpus, user_client) -> None:
    client, _ = corpus
    for url in ("/users/alice/messages/search", "/users/alice/conversations/search"):
        for params, reason in (
            ({}, "query"),
            ({"query": ""}, "query"),
            ({"query": "   "}, "query"),
            ({"query": "...!?"}, "no words"),
            ({"query": "x" * 1001}, "query"),
            ({"query": "a", "limit": 51}, "limit"),
            ({"query": "a", "limit": 0}, "limit"),
            ({"query": "a", "startingAfter": "nope"}, "startingAfter"),
        ):
            body = assert_error(client.get(url, params=params), 400)
            assert reason in body["reasons"][0], (url, params, body)
        assert_error(httpx.get(f"{server.api}{url}", params={"query": "a"}), 401)
        bad_key = {"Authorization": "Bearer sk_test_nope"}
        assert_error(httpx.get(f"{server.api}{url}", params={"query": "a"}, headers=bad_key), 401)
        assert_error(user_client("bob").get(url, params={"query": "a"}), 403)
        assert ok(user_client("alice").get(url, params={"query": "a"})).status_code == 200
    assert_error(client.get("/users/nobody/messages/search", params={"query": "a"}), 404)
    assert_error(client.get("/users/nobody/conversations/search", params={"query": "a"}), 404)
