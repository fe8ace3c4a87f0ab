"""The ``users`` table."""

from __future__ import annotations

import sqlite3

from ..events import JSON
from ..storage import Storage, dumps


def row(db: Storage, app_id: str, user_id: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM users WHERE app_id=? AND id=?", (app_id, user_id))


def exists(db: Storage, app_id: str, user_id: str) -> bool:
    return db.exists("SELECT 1 FROM users WHERE app_id=? AND id=?", (app_id, user_id))


def page(
    db: Storage, app_id: str, limit: int, starting_after: str | None, only: tuple[list[str], bool] | None = None
) -> list[sqlite3.Row]:
    """Users by id; ``starting_after`` is any string (ids compare as text). ``only=(ids, True)``
    keeps the users among ``ids``, ``(ids, False)`` those not among them."""
    among, params = "", [app_id, starting_after or ""]
    if only is not None:
        among = f" AND id {'IN' if only[1] else 'NOT IN'} (SELECT value FROM json_each(?))"
        params.append(dumps(only[0]))
    return db.all(f"SELECT * FROM users WHERE app_id=? AND id>?{among} ORDER BY id LIMIT ?", [*params, limit])


def insert(db: Storage, app_id: str, user_id: str, data: JSON, now: int) -> None:
    db.execute("INSERT INTO users VALUES (?,?,?,?)", (app_id, user_id, dumps(data), now))


def update(db: Storage, app_id: str, user_id: str, data: JSON) -> None:
    db.execute("UPDATE users SET data=? WHERE app_id=? AND id=?", (dumps(data), app_id, user_id))
