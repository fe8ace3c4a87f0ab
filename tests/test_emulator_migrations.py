"""A database file written by the first release opens, is brought up to date once, and serves the
new features: the manual unread flag and the search index of messages it already held."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.emulator.store.migrations import SCHEMA_VERSION
from tests.migration_support import KEY, write_v1_file
from tests.server_support import auth, ok


def test_a_first_release_file_is_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    write_v1_file(path)
    for _ in range(2):  # the second open finds the file up to date
        server = EmbeddedServer(EmulatorConfig(db_path=str(path)))
        with server, httpx.Client(base_url=f"{server.base_url}/v1/demo", headers=auth(KEY), timeout=10) as client:
            conv = ok(client.get("/users/alice/conversations/c1")).json()
            assert conv["isUnread"] is False and conv["lastMessage"]["reactions"] == []
            ok(client.post("/conversations/c1/unreadBy/alice"))
            assert ok(client.get("/users/alice/conversations/c1")).json()["isUnread"] is True
            ok(client.post("/conversations/c1/readBy/alice"))
            found = ok(client.get("/users/alice/messages/search", params={"query": "lightho"})).json()["data"]
            assert [r["message"]["id"] for r in found] == ["msg_1"]
            found = ok(client.get("/users/alice/conversations/search", params={"query": "old"})).json()["data"]
            assert [c["id"] for c in found] == ["c1"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT COUNT(*) FROM message_words").fetchone()[0] == 1  # indexed once, not twice
    db.close()
