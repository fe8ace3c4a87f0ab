"""Bringing a database file written by an earlier version up to date, once, at open.

``PRAGMA user_version`` records the schema version a file has reached; tables that are new in a
version are created by :mod:`.schema` (``CREATE TABLE IF NOT EXISTS``), while new columns, derived
data (the search index of existing messages, the activity columns and unread counts) and the indexes on new columns
(``schema.INDEXES``) are added here."""

from __future__ import annotations

from .queries import conversations, participants, search
from .schema import INDEXES
from .storage import Storage, loads

SCHEMA_VERSION = 3
"""1: the first release; 2: participants' manual unread flag, reactions and the search index;
3: the activity columns of conversations and participants, indexed in list order, and the
participants' unread message counts."""


def migrate(db: Storage) -> None:
    """Run inside a transaction: add what the file lacks and record the version reached."""
    found = db.one("PRAGMA user_version")
    version = int(found[0]) if found else 0
    if version < 2:
        _add_column(db, "participants", "marked_unread", "INTEGER NOT NULL DEFAULT 0")
        # the search index of what the file already holds (new tables start empty)
        for row in db.all("SELECT app_id, id, conversation_id, data FROM messages"):
            search.index_message(db, row["app_id"], row["conversation_id"], row["id"], loads(row["data"])["content"])
        for row in db.all("SELECT app_id, id, data FROM conversations"):
            search.index_conversation(db, row["app_id"], row["id"], loads(row["data"]))
    if version < 3:
        _add_column(db, "conversations", "activity", "INTEGER NOT NULL DEFAULT 0")
        _add_column(db, "participants", "activity", "INTEGER NOT NULL DEFAULT 0")
        _add_column(db, "participants", "unread_count", "INTEGER NOT NULL DEFAULT 0")
        conversations.refresh_activity(db)
        participants.recount_unread(db)
        db.execute("DROP INDEX IF EXISTS participants_by_user")  # participants_by_activity starts with its columns
    for index in INDEXES:
        db.execute(index)
    if version < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _add_column(db: Storage, table: str, column: str, declaration: str) -> None:
    if column not in {r["name"] for r in db.all(f"PRAGMA table_info({table})")}:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
