"""Bringing a database file written by an earlier version up to date, once, at open.

``PRAGMA user_version`` records the schema version a file has reached; tables that are new in a
version are created by :mod:`.schema` (``CREATE TABLE IF NOT EXISTS``), while new columns and
derived data (the search index of existing messages) are added here."""

from __future__ import annotations

import json

from .queries import search
from .storage import Storage

SCHEMA_VERSION = 2
"""1: the first release; 2: participants' manual unread flag, reactions and the search index."""


def migrate(db: Storage) -> None:
    """Run inside a transaction: add what the file lacks and record the version reached."""
    found = db.one("PRAGMA user_version")
    version = int(found[0]) if found else 0
    if version >= SCHEMA_VERSION:
        return
    columns = {r["name"] for r in db.all("PRAGMA table_info(participants)")}
    if "marked_unread" not in columns:
        db.execute("ALTER TABLE participants ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0")
    # the search index of what the file already holds (new tables start empty)
    for row in db.all("SELECT app_id, id, conversation_id, data FROM messages"):
        search.index_message(db, row["app_id"], row["conversation_id"], row["id"], json.loads(row["data"])["content"])
    for row in db.all("SELECT app_id, id, data FROM conversations"):
        search.index_conversation(db, row["app_id"], row["id"], json.loads(row["data"]))
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
