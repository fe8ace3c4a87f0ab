"""The ``apps`` table: one row per app with its secret key and webhook URL."""

from __future__ import annotations

import sqlite3

from ..storage import Storage


def row(db: Storage, app_id: str) -> sqlite3.Row | None:
    return db.app(app_id)


def set_webhook_url(db: Storage, app_id: str, url: str | None) -> None:
    db.execute("UPDATE apps SET webhook_url=? WHERE id=?", (url, app_id))
    db.forget_app(app_id)


def upsert(db: Storage, app_id: str, secret_key: str, webhook_url: str | None, now: int) -> None:
    """Insert the app, or replace its key (keeping its webhook URL unless a new one is given)."""
    db.execute(
        "INSERT INTO apps VALUES (?,?,?,?) ON CONFLICT(id) DO UPDATE SET secret_key=excluded.secret_key,"
        " webhook_url=COALESCE(excluded.webhook_url, apps.webhook_url)",
        (app_id, secret_key, webhook_url, now),
    )
    db.forget_app(app_id)
