"""A database file written by the first release opens, is brought up to date once, and serves the
new features: the manual unread flag and the search index of messages it already held."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx

from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.emulator.store.migrations import SCHEMA_VERSION
from tests.server_support import auth, ok

V1_SCHEMA = """
CREATE TABLE apps (id TEXT PRIMARY KEY, secret_key TEXT NOT NULL, webhook_url TEXT, created_at INTEGER NOT NULL);
CREATE TABLE users (app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id));
CREATE TABLE conversations (app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_message_id TEXT, last_message_at INTEGER, PRIMARY KEY (app_id, id));
CREATE TABLE participants (app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, user_id TEXT NOT NULL,
  access TEXT NOT NULL, notify TEXT NOT NULL, joined_at INTEGER NOT NULL, read_until INTEGER NOT NULL,
  PRIMARY KEY (app_id, conversation_id, user_id));
CREATE TABLE messages (app_id TEXT NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL, n INTEGER NOT NULL,
  sender_id TEXT, created_at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (app_id, id));
CREATE TABLE files (app_id TEXT NOT NULL, token TEXT NOT NULL, file_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (app_id, token));
CREATE TABLE events (app_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, conversation_id TEXT,
  audience TEXT, ts INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (app_id, seq));
"""
KEY = "sk_test_" + "migration" * 5


def write_v1_file(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO apps VALUES ('demo', ?, NULL, 1)", (KEY,))
    for uid in ("alice", "bob"):
        db.execute("INSERT INTO users VALUES ('demo', ?, ?, 1)", (uid, json.dumps({"name": uid})))
    db.execute("INSERT INTO conversations VALUES ('demo', 'c1', '{\"subject\": \"Old times\"}', 1, 'msg_1', 10)")
    for uid in ("alice", "bob"):
        db.execute("INSERT INTO participants VALUES ('demo', 'c1', ?, 'ReadWrite', 'true', 1, 10)", (uid,))
    message = {
        "id": "msg_1",
        "conversationId": "c1",
        "type": "UserMessage",
        "senderId": "bob",
        "text": "Remember the Lighthouse?",
        "content": [{"type": "text", "children": ["Remember the Lighthouse?"]}],
        "attachment": None,
        "location": None,
        "origin": "rest",
        "createdAt": 10,
        "editedAt": None,
        "referencedMessageId": None,
        "custom": {},
    }
    db.execute("INSERT INTO messages VALUES ('demo', 'msg_1', 'c1', 1, 'bob', 10, ?)", (json.dumps(message),))
    db.commit()
    db.close()


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
