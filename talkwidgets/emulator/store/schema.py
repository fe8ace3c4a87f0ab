"""The SQLite tables of the emulator, all in one place so the whole database reads at a glance.

Rows keep the caller-visible fields as JSON in ``data``; columns exist for what queries filter,
join or order by. A new feature that needs a table adds it here.

Search: ``message_words`` and ``conversation_words`` hold the words of each message and of each
conversation's ``subject`` and ``custom.search`` (``search_words.indexed``); the FTS5 tables
``message_search`` and ``conversation_search`` index them as external content, kept in step by
triggers, so writing the words table in a change's transaction is all it takes.
"""

from __future__ import annotations

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS apps (
  id TEXT PRIMARY KEY, secret_key TEXT NOT NULL, webhook_url TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id));
CREATE TABLE IF NOT EXISTS conversations (
  app_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_message_id TEXT, last_message_at INTEGER,
  PRIMARY KEY (app_id, id));
CREATE TABLE IF NOT EXISTS participants (
  app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, user_id TEXT NOT NULL,
  access TEXT NOT NULL, notify TEXT NOT NULL, joined_at INTEGER NOT NULL, read_until INTEGER NOT NULL,
  marked_unread INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (app_id, conversation_id, user_id));
CREATE INDEX IF NOT EXISTS participants_by_user ON participants (app_id, user_id);
CREATE TABLE IF NOT EXISTS messages (
  app_id TEXT NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL, n INTEGER NOT NULL,
  sender_id TEXT, created_at INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (app_id, id));
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (app_id, conversation_id, n);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (app_id, conversation_id, created_at);
CREATE TABLE IF NOT EXISTS files (
  app_id TEXT NOT NULL, token TEXT NOT NULL, file_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (app_id, token));
CREATE TABLE IF NOT EXISTS reactions (
  app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, message_id TEXT NOT NULL, emoji TEXT NOT NULL,
  user_id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (app_id, message_id, emoji, user_id));
CREATE INDEX IF NOT EXISTS reactions_by_conversation ON reactions (app_id, conversation_id);
CREATE INDEX IF NOT EXISTS reactions_by_user ON reactions (app_id, user_id, message_id);
CREATE TABLE IF NOT EXISTS message_words (
  rowid INTEGER PRIMARY KEY, app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, message_id TEXT NOT NULL,
  words TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS message_words_by_message ON message_words (app_id, message_id);
CREATE INDEX IF NOT EXISTS message_words_by_conversation ON message_words (app_id, conversation_id);
CREATE TABLE IF NOT EXISTS conversation_words (
  rowid INTEGER PRIMARY KEY, app_id TEXT NOT NULL, conversation_id TEXT NOT NULL, field TEXT NOT NULL,
  words TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS conversation_words_by_field ON conversation_words (app_id, conversation_id, field);
"""
    + "".join(
        f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5(
  words, content='{words}', content_rowid='rowid', tokenize='ascii', detail='none');
CREATE TRIGGER IF NOT EXISTS {words}_added AFTER INSERT ON {words} BEGIN
  INSERT INTO {index}(rowid, words) VALUES (new.rowid, new.words); END;
CREATE TRIGGER IF NOT EXISTS {words}_removed AFTER DELETE ON {words} BEGIN
  INSERT INTO {index}({index}, rowid, words) VALUES ('delete', old.rowid, old.words); END;
CREATE TRIGGER IF NOT EXISTS {words}_changed AFTER UPDATE ON {words} BEGIN
  INSERT INTO {index}({index}, rowid, words) VALUES ('delete', old.rowid, old.words);
  INSERT INTO {index}(rowid, words) VALUES (new.rowid, new.words); END;"""
        for words, index in (("message_words", "message_search"), ("conversation_words", "conversation_search"))
    )
    + """
CREATE TABLE IF NOT EXISTS events (
  app_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, conversation_id TEXT,
  audience TEXT, ts INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (app_id, seq));
"""
)

APP_TABLES = (
    "users",
    "conversations",
    "participants",
    "messages",
    "reactions",
    "message_words",
    "conversation_words",
    "files",
    "events",
)
"""Tables holding an app's data (``app_id`` column): a reset empties each of them."""
