"""The ``files`` table: uploaded files by token (for sending) and by id (for serving)."""

from __future__ import annotations

from typing import Any

from ..events import JSON
from ..storage import Storage, dumps, loads


def insert(db: Storage, app_id: str, token: str, file_id: str, data: JSON, now: int) -> None:
    db.execute("INSERT INTO files VALUES (?,?,?,?,?)", (app_id, token, file_id, dumps(data), now))


def block(db: Storage, app_id: str, token: str) -> JSON | None:
    """The stored file content block of a token (None for a token unknown to the app)."""
    found = db.one("SELECT data FROM files WHERE app_id=? AND token=?", (app_id, token))
    if found is None:
        return None
    stored: JSON = loads(found["data"])["block"]
    return stored


def by_id(db: Storage, app_id: str, file_id: str) -> JSON | None:
    found = db.one("SELECT data FROM files WHERE app_id=? AND file_id=?", (app_id, file_id))
    if found is None:
        return None
    info: JSON = loads(found["data"])
    return info


def paths(db: Storage, app_id: str | None = None) -> list[str]:
    """Where the bytes of every file (of one app, or of all) are stored."""
    where, params = ("WHERE app_id=?", (app_id,)) if app_id else ("", ())
    rows: list[Any] = db.all(f"SELECT data FROM files {where}", params)
    return [loads(r["data"])["path"] for r in rows]
