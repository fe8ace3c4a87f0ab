"""Conversation lists walk an index in list order: the activity columns follow every send, delete,
import and join in the same transaction, the list queries' plans use the activity indexes (no
scan of a user's conversations, no sort), and older database files get the columns and indexes.

No timing here: ``bench/cost_curves.py`` measures how a page's cost grows with the list."""

from __future__ import annotations

import re
import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.emulator.store.filters import parse_filter
from talkwidgets.emulator.store.migrations import SCHEMA_VERSION
from talkwidgets.emulator.store.queries import conversations
from talkwidgets.emulator.store.storage import Storage
from tests.migration_support import KEY, write_v1_file
from tests.server_support import auth, make_conversation, make_users, ok, send, start_server


def walk(client: httpx.Client, path: str, limit: int, **query: str) -> list[dict[str, Any]]:
    """Every page of a list, ``limit`` at a time (``query``: more parameters)."""
    found: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit, **query}
        if found:
            params["startingAfter"] = found[-1]["id"]
        page = ok(client.get(path, params=params)).json()["data"]
        found += page
        if len(page) < limit:
            return found


def expected_user_order(convs: list[dict[str, Any]]) -> list[str]:
    """The order TalkJS documents, computed from the other fields the list itself shows."""
    for conv in convs:
        last = conv["lastMessage"]["createdAt"] if conv["lastMessage"] else 0
        assert conv["lastActivityAt"] == max(last, conv["joinedAt"]), conv["id"]
    ordered = sorted(convs, key=lambda c: (c["lastActivityAt"], c["id"]), reverse=True)
    return [c["id"] for c in ordered]


def expected_app_order(convs: list[dict[str, Any]]) -> list[str]:
    def activity(c: dict[str, Any]) -> int:
        return int(c["lastMessage"]["createdAt"] if c["lastMessage"] else c["createdAt"])

    return [c["id"] for c in sorted(convs, key=lambda c: (activity(c), c["id"]), reverse=True)]


def test_list_order_follows_sends_deletes_imports_and_joins(client: httpx.Client) -> None:
    make_users(client, "alice", "bob")
    for cid in ("c1", "c2", "c3", "c4"):
        make_conversation(client, cid, "bob")
        time.sleep(0.002)  # distinct creation times
    for cid in ("c1", "c2", "c3"):
        ok(client.put(f"/conversations/{cid}/participants/alice", json={}))
    send(client, "c1", "first", sender="bob")
    send(client, "c2", "second", sender="bob")
    last = send(client, "c3", "third", "fourth", sender="bob")[-1]
    ok(client.post("/import/conversations/c4/messages", json=[{"sender": "bob", "text": "old", "timestamp": 5}]))
    ok(client.put("/conversations/c4/participants/alice", json={}))  # joined after c4's (imported) last message
    ok(client.delete(f"/conversations/c3/messages/{last}"))  # c3 falls back to "third"
    ok(client.post("/import/conversations/c2/messages", json=[{"sender": "bob", "text": "ancient", "timestamp": 7}]))
    send(client, "c1", "latest", sender="bob")
    for limit in (100, 1):
        listed = walk(client, "/users/alice/conversations", limit)
        assert [c["id"] for c in listed] == ["c1", "c4", "c3", "c2"]
        assert [c["id"] for c in listed] == expected_user_order(listed)
        everything = walk(client, "/conversations", limit)
        assert [c["id"] for c in everything] == expected_app_order(everything)
    c4 = ok(client.get("/users/alice/conversations/c4")).json()
    assert c4["lastMessage"]["createdAt"] == 5 and c4["lastActivityAt"] == c4["joinedAt"]
    ok(client.delete("/conversations/c1"))
    assert [c["id"] for c in walk(client, "/users/alice/conversations", 2)] == ["c4", "c3", "c2"]


def unread_by_counting(client: httpx.Client, cid: str, user_id: str) -> int:
    """The participant's unread messages counted from the message list and its ``readUntil``."""
    read_until = ok(client.get(f"/conversations/{cid}/participants/{user_id}")).json()["readUntil"]
    listed = walk(client, f"/conversations/{cid}/messages", 100)
    return sum(1 for m in listed if m["createdAt"] > read_until and m["senderId"] != user_id)


def test_unread_counts_follow_sends_deletes_imports_reads_and_joins(client: httpx.Client) -> None:
    make_users(client, "alice", "bob", "carol")
    make_conversation(client, "c", "alice", "bob")
    send(client, "c", "one", "two", sender="bob")
    send(client, "c", "three", sender="alice")
    ok(client.post("/conversations/c/messages", json=[{"type": "SystemMessage", "text": "system"}]))
    unread = send(client, "c", "four", "five", sender="bob")
    ok(client.delete(f"/conversations/c/messages/{unread[0]}"))
    ok(client.put("/conversations/c/participants/carol", json={}))  # joins: earlier history counts as read
    send(client, "c", "six", sender="carol")
    history = [
        {"sender": "bob", "text": "old", "timestamp": 5, "readBy": ["alice"]},
        {"sender": "alice", "text": "older", "timestamp": 3, "readBy": []},
    ]
    # bob and carol missed "older" (and carol "old"): their readUntil moves back before it
    ok(client.post("/import/conversations/c/messages", json=history))
    expected = {"alice": 5, "bob": 4, "carol": 7}
    for user_id in ("alice", "bob", "carol"):
        counted = unread_by_counting(client, "c", user_id)
        shown = ok(client.get(f"/users/{user_id}/conversations/c")).json()
        assert shown["unreadMessageCount"] == counted == expected[user_id], user_id
        assert shown["isUnread"] is (counted > 0)
    ok(client.post("/conversations/c/readBy/alice"))
    listed = ok(client.get("/users/alice/conversations")).json()["data"]
    assert listed[0]["unreadMessageCount"] == unread_by_counting(client, "c", "alice") == 0
    assert ok(client.get("/users/bob/conversations", params={"unreadsOnly": "true"})).json()["data"]
    assert not ok(client.get("/users/alice/conversations", params={"unreadsOnly": "true"})).json()["data"]


USER_INDEX = re.compile(r"SEARCH p USING (COVERING )?INDEX participants_by_activity \(app_id=\? AND user_id=\?")


def is_scan_or_sort(step: str) -> bool:
    """A step that reads a whole table (a custom filter's ``json_each`` reads one conversation's map) or sorts."""
    return (step.startswith("SCAN") and "json_each" not in step) or "TEMP B-TREE" in step


def plan(db: Storage, sql: str, params: list[Any]) -> list[str]:
    return [str(row[3]) for row in db.all("EXPLAIN QUERY PLAN " + sql, params)]


def test_list_queries_walk_the_activity_index(tmp_path: Path) -> None:
    path = tmp_path / "lists.db"
    server = start_server(EmulatorConfig(db_path=str(path)))
    try:
        with httpx.Client(base_url=server.api, headers=auth(server.secret_key), timeout=10) as client:
            make_users(client, "alice", "bob")
            for n in range(5):
                make_conversation(client, f"c{n}", "alice", "bob", subject=f"Room {n}")
                send(client, f"c{n}", "hello", sender="bob")
    finally:
        server.embedded.stop()
    db = Storage(str(path))
    app = server.app_id
    filters = [
        None,
        parse_filter('{"lastActivityAt": [">", 0]}', user_view=True),
        parse_filter('{"subject": ["==", "Room 3"], "custom": {"k": "exists"}}', user_view=True),
        parse_filter('["any", [{"isUnread": true}, {"access": ["==", "Read"]}]]', user_view=True),
    ]
    for condition in filters:
        for cursor in (None, "c2"):
            for unreads_only in (False, True):
                sql, params = conversations.user_page_query(
                    db, app, "alice", 30, cursor, unreads_only, None, None, condition
                )
                steps = plan(db, sql, params)
                assert USER_INDEX.match(steps[0]), steps
                assert not [s for s in steps if is_scan_or_sort(s)], steps
                if cursor:
                    assert "(activity,conversation_id)<(?,?)" in steps[0], steps
    range_filter = parse_filter('{"lastActivityAt": [">", 0]}', user_view=True)
    sql, params = conversations.user_page_query(db, app, "alice", 30, None, False, None, None, range_filter)
    assert "activity>?" in plan(db, sql, params)[0]
    sql, params = conversations.of_user_query(app, "alice", "c2")
    assert plan(db, sql, params)[0].startswith("SEARCH p USING INDEX sqlite_autoindex_participants_1")
    app_filter = parse_filter('{"subject": ["==", "Room 3"]}', user_view=False)
    for condition in (None, app_filter):
        for cursor in (None, "c2"):
            steps = plan(db, *conversations.page_query(db, app, 30, cursor, None, None, condition))
            assert steps[0].startswith("SEARCH c USING INDEX conversations_by_activity (app_id=?"), steps
            assert not [s for s in steps if is_scan_or_sort(s)], steps
            if cursor:
                assert "(activity,id)<(?,?)" in steps[0], steps
    db.close()


def test_a_file_from_before_the_activity_columns_gets_them_their_indexes_and_unread_counts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    write_v1_file(path)  # c1: alice and bob joined at 1 and read until 10, a message at 10
    db = sqlite3.connect(path)
    db.execute("CREATE INDEX participants_by_user ON participants (app_id, user_id)")  # as releases 1 and 2 had
    db.execute(  # a second message in c1, unread by alice
        "INSERT INTO messages SELECT app_id, 'msg_2', conversation_id, 2, sender_id, 15,"
        " json_set(data, '$.id', 'msg_2', '$.createdAt', 15) FROM messages WHERE id='msg_1'"
    )
    db.execute("UPDATE conversations SET last_message_id='msg_2', last_message_at=15 WHERE id='c1'")
    db.execute("INSERT INTO conversations VALUES ('demo', 'c2', '{}', 20, NULL, NULL)")
    db.execute("INSERT INTO participants VALUES ('demo', 'c2', 'alice', 'ReadWrite', 'true', 30, 30)")
    db.commit()
    db.close()
    server = EmbeddedServer(EmulatorConfig(db_path=str(path)))
    with server, httpx.Client(base_url=f"{server.base_url}/v1/demo", headers=auth(KEY), timeout=10) as client:
        listed = ok(client.get("/users/alice/conversations")).json()["data"]
        assert [(c["id"], c["lastActivityAt"]) for c in listed] == [("c2", 30), ("c1", 15)]
        assert [c["unreadMessageCount"] for c in listed] == [0, 1]
        everything = ok(client.get("/conversations")).json()["data"]
        assert [c["id"] for c in everything] == ["c2", "c1"]  # c2 created at 20, c1's last message at 15
        send(client, "c1", "back again", sender="bob")
        assert [c["id"] for c in ok(client.get("/users/alice/conversations")).json()["data"]] == ["c1", "c2"]
    db = sqlite3.connect(path)
    indexes = {row[1] for row in db.execute("PRAGMA index_list(participants)")}
    assert "participants_by_activity" in indexes and "participants_by_user" not in indexes
    assert "conversations_by_activity" in {row[1] for row in db.execute("PRAGMA index_list(conversations)")}
    db.close()


def participants_of(client: httpx.Client, cid: str) -> list[str]:
    return [p["userId"] if "userId" in p else p["id"] for p in walk(client, f"/conversations/{cid}/participants", 50)]


def assert_unread_counts_match_counting(
    client: httpx.Client, cids: list[str], users: list[str], flagged: set[str]
) -> dict[str, int]:
    """Every participant's ``unreadMessageCount`` (the kept column, in its list and on its own)
    equals the number counted from the messages and its ``readUntil``; ``isUnread`` follows it
    and the manual flag (``flagged``: the ``conversation/user`` pairs marked unread). Returns the
    counts, by ``conversation/user``."""
    counts: dict[str, int] = {}
    for user_id in users:
        listed = {c["id"]: c for c in walk(client, f"/users/{user_id}/conversations", 100)}
        unreads = {c["id"] for c in walk(client, f"/users/{user_id}/conversations", 100, unreadsOnly="true")}
        for cid in cids:
            participant = client.get(f"/conversations/{cid}/participants/{user_id}")
            if participant.status_code == 404:
                assert cid not in listed, (cid, user_id)
                continue
            ok(participant)
            counted = unread_by_counting(client, cid, user_id)
            single = ok(client.get(f"/users/{user_id}/conversations/{cid}")).json()
            assert listed[cid]["unreadMessageCount"] == single["unreadMessageCount"] == counted, (cid, user_id)
            assert single["isUnread"] is (counted > 0 or f"{cid}/{user_id}" in flagged), (cid, user_id)
            assert (cid in unreads) is single["isUnread"], (cid, user_id)
            counts[f"{cid}/{user_id}"] = counted
    return counts


def test_unread_counts_equal_a_direct_count_after_every_kind_of_change(client: httpx.Client) -> None:
    users = ["alice", "bob", "carol"]
    make_users(client, *users)
    make_conversation(client, "c", "alice", "bob", "carol")
    make_conversation(client, "d", "alice", "bob")
    flagged: set[str] = set()
    check = partial(assert_unread_counts_match_counting, client, ["c", "d"], users, flagged)
    sent = send(client, "c", "one", "two", "three", sender="bob")
    send(client, "d", "elsewhere", sender="alice")
    assert check() == {"c/alice": 3, "c/bob": 0, "c/carol": 3, "d/alice": 0, "d/bob": 1}
    ok(client.post("/conversations/c/readBy/alice"))  # mark read
    send(client, "c", "four", sender="carol")
    assert check()["c/alice"] == 1
    ok(client.post("/conversations/c/unreadBy/bob"))  # mark unread: flagged, the count unchanged
    flagged.add("c/bob")
    assert check()["c/bob"] == 1
    ok(client.post("/conversations/c/unreadBy/alice"))
    flagged.add("c/alice")
    assert check()["c/alice"] == 1
    ok(client.post("/conversations/c/readBy/alice"))  # read again clears the flag and the count
    flagged.discard("c/alice")
    assert check()["c/alice"] == 0
    ok(client.delete(f"/conversations/c/messages/{sent[0]}"))  # an unread message deleted
    assert check()["c/carol"] == 2
    ok(client.delete("/conversations/c/participants/carol"))  # leaves: no count, no list row
    send(client, "c", "while carol was away", sender="bob")
    assert "c/carol" not in check()
    ok(client.put("/conversations/c/participants/carol", json={}))  # joins again: history before counts as read
    assert check()["c/carol"] == 0
    send(client, "c", "welcome back", sender="alice")
    ok(client.post("/conversations/c/messages", json=[{"type": "SystemMessage", "text": "a system message"}]))
    counts = check()
    assert (counts["c/carol"], counts["c/bob"]) == (2, 3)
    # imported history: read by alice only, older than everything; bob's and carol's readUntil move back
    history = [{"sender": "alice", "text": "from the archive", "timestamp": 5, "readBy": ["alice"]}]
    ok(client.post("/import/conversations/c/messages", json=history))
    counts = check()  # everything not their own is unread for bob and carol now, even what carol missed
    assert (counts["c/alice"], counts["c/bob"], counts["c/carol"]) == (2, 4, 6)
    ok(client.delete(f"/conversations/c/messages/{sent[1]}"))  # deleted after the import moved readUntil
    ok(client.put("/conversations/d/participants/carol", json={}))
    send(client, "d", "hi carol", sender="bob")
    counts = check()
    assert (counts["c/carol"], counts["d/carol"], counts["d/alice"]) == (5, 1, 1)


def test_a_file_of_the_previous_version_gets_the_activity_columns_and_unread_counts(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    write_v1_file(path)  # then brought to version 2 the way release 2 left it
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE participants ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX participants_by_user ON participants (app_id, user_id)")
    for n, at in ((2, 20), (3, 30)):  # two more messages from bob; alice read until 10
        db.execute(
            f"INSERT INTO messages SELECT app_id, 'msg_{n}', conversation_id, {n}, sender_id, {at},"
            f" json_set(data, '$.id', 'msg_{n}', '$.createdAt', {at}) FROM messages WHERE id='msg_1'"
        )
    db.execute("UPDATE conversations SET last_message_id='msg_3', last_message_at=30 WHERE id='c1'")
    db.execute("UPDATE participants SET read_until=20 WHERE user_id='bob'")
    db.execute("INSERT INTO conversations VALUES ('demo', 'c2', '{}', 25, NULL, NULL)")
    db.execute("INSERT INTO participants VALUES ('demo', 'c2', 'alice', 'ReadWrite', 'true', 25, 25, 1)")
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    server = EmbeddedServer(EmulatorConfig(db_path=str(path)))
    with server, httpx.Client(base_url=f"{server.base_url}/v1/demo", headers=auth(KEY), timeout=10) as client:
        listed = ok(client.get("/users/alice/conversations")).json()["data"]
        assert [(c["id"], c["lastActivityAt"], c["unreadMessageCount"], c["isUnread"]) for c in listed] == [
            ("c1", 30, 2, True),
            ("c2", 25, 0, True),  # marked unread in the old file
        ]
        assert ok(client.get("/users/bob/conversations/c1")).json()["unreadMessageCount"] == 0  # bob's own messages
        assert [c["id"] for c in ok(client.get("/conversations")).json()["data"]] == ["c1", "c2"]
        assert_unread_counts_match_counting(client, ["c1", "c2"], ["alice", "bob"], {"c2/alice"})
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    indexes = {row[1] for row in db.execute("PRAGMA index_list(participants)")}
    assert "participants_by_activity" in indexes and "participants_by_user" not in indexes
    db.close()
