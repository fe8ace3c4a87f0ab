"""Message search at 100,000 messages: the query plan starts from the FTS5 index and reaches every
other table by key (never a scan of the messages), and results stay right at that size.

No timing threshold: the plan is what keeps latency sane; ``bench/`` measures the latency itself.
1,000 messages go in through the real server; SQL then copies them 99 times in the file (each
copy a distinct message with the same words, indexed by the schema's own triggers)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from talkwidgets.emulator import EmulatorConfig
from talkwidgets.emulator.store.filters import parse_filter
from talkwidgets.emulator.store.queries.search import message_search_sql
from talkwidgets.emulator.store.search_words import match_expression
from tests.server_support import auth, make_conversation, make_users, ok, start_server

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma"]
COPIES = 100


def multiply(db_path: Path, app_id: str) -> None:
    """Each message 99 more times (new ids, older times), words included."""
    db = sqlite3.connect(db_path)
    with db:
        db.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i<?)"
            " INSERT INTO message_words (app_id, conversation_id, message_id, words)"
            " SELECT app_id, conversation_id, message_id || '_' || i, words FROM message_words, k WHERE app_id=?",
            (COPIES - 1, app_id),
        )
        db.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i<?)"
            " INSERT INTO messages (app_id, id, conversation_id, n, sender_id, created_at, data)"
            " SELECT app_id, id || '_' || i, conversation_id, n - i * 100000, sender_id, created_at - i * 1000000,"
            " json_set(data, '$.id', id || '_' || i, '$.createdAt', created_at - i * 1000000)"
            " FROM messages, k WHERE app_id=?",
            (COPIES - 1, app_id),
        )
    db.close()


@pytest.mark.slow
def test_search_over_100k_messages_uses_the_index(tmp_path: Path) -> None:
    db_path = tmp_path / "big.db"
    config = EmulatorConfig(db_path=str(db_path), event_retention=100)
    server = start_server(config)
    try:
        with httpx.Client(base_url=server.api, headers=auth(server.secret_key), timeout=30) as client:
            make_users(client, "alice", "bob", "zed")
            for c in range(10):
                make_conversation(client, f"c{c}", "alice", "bob", subject=f"Room {c}")
            make_conversation(client, "outside", "bob", "zed")
            for batch in range(100):
                body = [
                    {"sender": "bob", "text": f"{WORDS[(batch + k) % 10]} {WORDS[k]} item{batch}x{k}"}
                    for k in range(10)
                ]
                ok(client.post(f"/conversations/c{batch % 10}/messages", json=body))
            ok(client.post("/conversations/outside/messages", json=[{"sender": "bob", "text": "alpha outside"}]))
    finally:
        server.embedded.stop()
    multiply(db_path, server.app_id)

    db = sqlite3.connect(db_path)
    assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1001 * COPIES
    for condition in (None, parse_filter('{"subject": ["==", "Room 3"], "isUnread": false}', user_view=True)):
        for cursor in (False, True):
            params: list[object] = ["alice", match_expression("alp"), server.app_id]
            params += [*(condition.params if condition else ()), *([0, "x"] if cursor else []), 50]
            plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + message_search_sql(condition, cursor), params)]
            assert plan[0].startswith("SCAN message_search VIRTUAL TABLE INDEX"), plan
            assert not [step for step in plan if step.startswith("SCAN") and step != plan[0]], plan
            assert any(step.startswith("SEARCH m USING INDEX sqlite_autoindex_messages_1") for step in plan), plan
    db.close()

    server = start_server(config)
    try:
        with httpx.Client(base_url=server.api, headers=auth(server.secret_key), timeout=30) as client:
            # one original word, now in 100 messages of one conversation: two full pages, newest first
            found, after = [], None
            while True:
                params = {"query": "ITEM42x7", "limit": 50, **({"startingAfter": after} if after else {})}
                page = ok(client.get("/users/alice/messages/search", params=params)).json()["data"]
                found += page
                if len(page) < 50:
                    break
                after = page[-1]["message"]["id"]
            assert len(found) == COPIES and {r["conversation"]["id"] for r in found} == {"c2"}
            times = [r["message"]["createdAt"] for r in found]
            assert times == sorted(times, reverse=True)
            # a common prefix: 20,000 matches, the newest 10 are the originals' newest
            top = ok(client.get("/users/alice/messages/search", params={"query": "alp"})).json()["data"]
            assert len(top) == 10 and all(r["message"]["id"].count("_") == 1 for r in top)
    finally:
        server.embedded.stop()
