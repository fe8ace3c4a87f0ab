"""Boundaries of the emulator's rules, each pinned exactly on the real server over real sockets.

- A user's conversation order is ``max(lastMessage.createdAt, joinedAt)``.
- Equal activity times are ordered the same way by one big page and by the paging cursor.
- A message created exactly at a participant's ``readUntil`` is read; one millisecond later, unread.
- The default upload limit is exactly 25 MiB.

Exact timestamps come from seeds (``createdAt``), loaded into the running server's store; every
answer checked here comes over HTTP.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import time
from typing import Any

import httpx
import pytest

from talkwidgets.emulator import load_seed
from talkwidgets.emulator.store.rules import UNREAD_SQL, is_unread, next_message_time, read_until_now

MIB = 1024 * 1024
DEFAULT_UPLOAD_LIMIT = 25 * MIB  # 26214400 bytes
LATER = 86_400_000  # a day in ms: seeded messages this far ahead are later than any join


def ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def data(response: httpx.Response) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(response)["data"]
    return items


def seed(server: Any, content: dict[str, Any]) -> None:
    load_seed(server.embedded.emulator.store, server.app_id, content)


def walk(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, one per page (``limit=1``), following ``startingAfter``."""
    items: list[dict[str, Any]] = []
    while True:
        cursor = {"startingAfter": items[-1]["id"]} if items else {}
        page = data(client.get(path, params={**params, "limit": 1, **cursor}))
        if not page:
            return items
        assert len(page) == 1
        items.append(page[0])
        assert len(items) <= 50, "the walk does not end"


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


# -- conversation order -------------------------------------------------------------------------


def test_a_conversation_joined_after_its_last_message_sorts_by_the_join(client: httpx.Client) -> None:
    for uid in ("alice", "bob"):
        ok(client.put(f"/users/{uid}", json={"name": uid}))
    ok(client.put("/conversations/old", json={"participants": ["bob"]}))
    ok(client.post("/conversations/old/messages", json=[{"sender": "bob", "text": "long ago"}]))
    ok(client.put("/conversations/recent", json={"participants": ["alice", "bob"]}))
    ok(client.post("/conversations/recent/messages", json=[{"sender": "bob", "text": "recently"}]))
    recent_at = ok(client.get("/conversations/recent"))["lastMessage"]["createdAt"]
    time.sleep(0.005)  # let the millisecond clock move past the last message
    ok(client.put("/conversations/old/participants/alice", json={}))

    old = ok(client.get("/users/alice/conversations/old"))
    assert old["joinedAt"] > recent_at > old["lastMessage"]["createdAt"]  # the situation under test
    assert old["lastActivityAt"] == old["joinedAt"]
    listed = data(client.get("/users/alice/conversations"))
    assert ids(listed) == ["old", "recent"]
    assert [c["lastActivityAt"] for c in listed] == [old["joinedAt"], recent_at]
    assert ids(walk(client, "/users/alice/conversations")) == ["old", "recent"]
    # bob was there all along: for him the old conversation is as old as its last message
    assert ids(data(client.get("/users/bob/conversations"))) == ["recent", "old"]


# -- ties in activity time ----------------------------------------------------------------------


@pytest.fixture
def tied(server: Any, client: httpx.Client) -> int:
    """Conversations t1..t5 whose last messages share one ``createdAt``, plus ``before`` (1 ms
    earlier) and ``after`` (1 ms later); alice and bob take part in all. Returns the shared time."""
    at = int(time.time() * 1000) + LATER
    stamps = {f"t{i}": at for i in range(1, 6)} | {"before": at - 1, "after": at + 1}
    seed(
        server,
        {
            "users": {"alice": {"name": "Alice"}, "bob": {"name": "Bob"}},
            "conversations": {cid: {"participants": ["alice", "bob"]} for cid in stamps},
            "messages": {cid: [{"sender": "bob", "text": cid, "createdAt": ts}] for cid, ts in stamps.items()},
        },
    )
    return at


TIED_ORDER = ["after", "t5", "t4", "t3", "t2", "t1", "before"]
"""Newest first; equal times by conversation id, descending (docs/emulator.md)."""


def test_equal_activity_times_page_in_the_order_of_one_big_page_for_a_user(client: httpx.Client, tied: int) -> None:
    big = data(client.get("/users/alice/conversations", params={"limit": 30}))
    assert [c["lastActivityAt"] for c in big].count(tied) == 5
    assert ids(big) == TIED_ORDER
    assert ids(walk(client, "/users/alice/conversations")) == TIED_ORDER
    pages = [data(client.get("/users/alice/conversations", params={"limit": 3}))]
    while len(pages[-1]) == 3:
        after = pages[-1][-1]["id"]
        pages.append(data(client.get("/users/alice/conversations", params={"limit": 3, "startingAfter": after})))
    assert [ids(p) for p in pages] == [TIED_ORDER[0:3], TIED_ORDER[3:6], TIED_ORDER[6:]]


def test_equal_activity_times_page_in_the_order_of_one_big_page_app_wide(client: httpx.Client, tied: int) -> None:
    big = data(client.get("/conversations", params={"limit": 30}))
    assert [c["lastMessage"]["createdAt"] for c in big].count(tied) == 5
    assert ids(big) == TIED_ORDER
    assert ids(walk(client, "/conversations")) == TIED_ORDER


def test_messages_with_equal_times_page_in_sending_order(server: Any, client: httpx.Client) -> None:
    at = int(time.time() * 1000)
    seed(
        server,
        {
            "users": {"bob": {"name": "Bob"}},
            "conversations": {"same": {"participants": ["bob"]}},
            "messages": {"same": [{"sender": "bob", "text": f"m{i}", "createdAt": at} for i in range(5)]},
        },
    )
    big = data(client.get("/conversations/same/messages", params={"limit": 100}))
    assert {m["createdAt"] for m in big} == {at}
    assert [m["text"] for m in big] == ["m4", "m3", "m2", "m1", "m0"]  # newest (last sent) first
    assert ids(walk(client, "/conversations/same/messages")) == ids(big)


# -- unread at readUntil ------------------------------------------------------------------------


def test_a_message_exactly_at_read_until_is_read_and_one_ms_later_is_unread(server: Any, client: httpx.Client) -> None:
    for uid in ("alice", "bob"):
        ok(client.put(f"/users/{uid}", json={"name": uid}))
    for cid in ("exact", "later"):
        ok(client.put(f"/conversations/{cid}", json={"participants": ["alice", "bob"]}))
    until = {cid: ok(client.get(f"/users/alice/conversations/{cid}"))["readUntil"] for cid in ("exact", "later")}
    seed(
        server,
        {
            "messages": {
                "exact": [{"sender": "bob", "text": "at", "createdAt": until["exact"]}],
                "later": [
                    {"sender": "bob", "text": "at", "createdAt": until["later"]},
                    {"sender": "bob", "text": "after", "createdAt": until["later"] + 1},
                ],
            }
        },
    )

    exact = ok(client.get("/users/alice/conversations/exact"))
    assert exact["readUntil"] == exact["lastMessage"]["createdAt"]  # the situation under test
    assert (exact["unreadMessageCount"], exact["isUnread"]) == (0, False)
    assert exact["participants"]["alice"]["isUnread"] is False
    assert exact["lastMessage"]["readBy"] == ["alice"]
    assert ok(client.get("/conversations/exact"))["participants"]["alice"]["isUnread"] is False

    later = ok(client.get("/users/alice/conversations/later"))
    assert (later["unreadMessageCount"], later["isUnread"]) == (1, True)
    assert later["participants"]["alice"]["isUnread"] is True
    by_text = {m["text"]: m for m in data(client.get("/conversations/later/messages"))}
    assert by_text["at"]["readBy"] == ["alice"]
    assert by_text["after"]["readBy"] == []
    # the sender's own messages are never unread for them
    assert ok(client.get("/users/bob/conversations/later"))["unreadMessageCount"] == 0

    unread_only = data(client.get("/users/alice/conversations", params={"unreadsOnly": "true"}))
    assert ids(unread_only) == ["later"]


def test_the_unread_rule_means_the_same_in_sql_and_in_python() -> None:
    db = sqlite3.connect(":memory:")
    query = (
        f"SELECT {UNREAD_SQL} FROM (SELECT ? AS created_at, ? AS sender_id) AS m,"
        " (SELECT ? AS user_id, ? AS read_until) AS p"
    )
    cases = list(itertools.product((9, 10, 11), (None, "ann", "bob"), ("ann",), (10,)))
    answers = {case: (bool(db.execute(query, case).fetchone()[0]), is_unread(*case)) for case in cases}
    assert all(sql == python for sql, python in answers.values()), answers
    assert [case for case, (sql, _) in answers.items() if sql] == [(11, None, "ann", 10), (11, "bob", "ann", 10)]


# -- the default upload limit -------------------------------------------------------------------


def stored_files(server: Any) -> tuple[list[str], list[str]]:
    emulator = server.embedded.emulator
    return sorted(emulator.store.file_paths()), sorted(os.listdir(emulator.files_dir))


def upload(client: httpx.Client, size: int) -> httpx.Response:
    return client.post("/files", files={"file": ("big.bin", b"\0" * size, "application/octet-stream")})


def test_the_default_upload_limit_is_exactly_25_mib(server: Any, client: httpx.Client) -> None:
    assert server.embedded.emulator.config.max_upload_bytes == DEFAULT_UPLOAD_LIMIT == 26_214_400

    before = stored_files(server)
    refused = upload(client, DEFAULT_UPLOAD_LIMIT + 1)
    assert refused.status_code == 413, refused.text
    assert refused.json()["errorCode"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(server) == before  # nothing stored, no partial file left behind

    token = ok(upload(client, DEFAULT_UPLOAD_LIMIT))["fileToken"]
    ok(client.put("/users/ann", json={"name": "Ann"}))
    ok(client.put("/conversations/files", json={"participants": ["ann"]}))
    ok(client.post("/conversations/files/messages", json=[{"sender": "ann", "attachmentToken": token}]))
    message = data(client.get("/conversations/files/messages"))[0]
    assert message["attachment"]["size"] == DEFAULT_UPLOAD_LIMIT
    paths, names = stored_files(server)
    assert len(paths) == len(before[0]) + 1 and len(names) == len(before[1]) + 1
    assert os.path.getsize(next(p for p in paths if p not in before[0])) == DEFAULT_UPLOAD_LIMIT


# -- message times and refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "last_at", "expected"),
    [(1000, None, 1000), (1000, 999, 1000), (1000, 1000, 1001), (1000, 5000, 5001), (0, None, 1)],
)
def test_message_times_strictly_increase_within_a_conversation(now: int, last_at: int | None, expected: int) -> None:
    assert next_message_time(now, last_at) == expected


@pytest.mark.parametrize(("now", "last_at", "expected"), [(0, None, 0), (5, None, 5), (5, 9, 9), (9, 5, 9)])
def test_marking_read_covers_now_or_the_last_message_if_later(now: int, last_at: int | None, expected: int) -> None:
    assert read_until_now(now, last_at) == expected


def test_a_burst_of_messages_in_one_request_gets_distinct_increasing_times(client: httpx.Client) -> None:
    ok(client.put("/users/ann", json={"name": "Ann"}))
    ok(client.put("/conversations/burst", json={"participants": ["ann"]}))
    ok(client.post("/conversations/burst/messages", json=[{"text": f"m{i}", "sender": "ann"} for i in range(10)]))
    times = [m["createdAt"] for m in reversed(data(client.get("/conversations/burst/messages", params={"limit": 10})))]
    assert times == sorted(set(times)) and len(times) == 10


def test_refusals_name_the_rule_exactly(client: httpx.Client) -> None:
    ok(client.put("/users/ann", json={"name": "Ann"}))
    ok(client.put("/users/bo", json={"name": "Bo"}))
    ok(client.put("/conversations/c1", json={"participants": ["ann"]}))
    refused = client.post("/conversations/c1/messages", json=[{"text": "hi", "sender": "bo"}])
    assert refused.status_code == 403
    assert refused.json() == {
        "errorCode": "SENDER_NOT_PARTICIPANT",
        "reasons": ["sender 'bo' is not a participant of conversation 'c1'"],
    }
    unknown = client.put("/conversations/c2", json={"participants": ["ann", "ghost"]})
    assert unknown.status_code == 400
    assert unknown.json() == {
        "errorCode": "USER_NOT_FOUND",
        "reasons": ["participant 'ghost' does not exist; create the user first"],
    }
    joining = client.put("/conversations/c1/participants/ghost", json={})
    assert joining.status_code == 400
    assert joining.json() == {
        "errorCode": "USER_NOT_FOUND",
        "reasons": ["user 'ghost' does not exist; create the user first"],
    }
