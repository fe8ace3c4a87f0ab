"""Apps: created on demand (there is no HTTP route that creates one), and reset."""

from __future__ import annotations

from ....model.auth import generate_secret_key
from ...clock import now_ms
from ..queries import apps
from ..schema import APP_TABLES
from ..storage import Storage


def ensure(db: Storage, app_id: str, secret_key: str | None, webhook_url: str | None) -> str:
    """Create the app if needed and return its secret key (an explicit key replaces the old one;
    an empty ``webhook_url`` removes the URL)."""
    found = apps.row(db, app_id)
    if found is not None and secret_key in (None, found["secret_key"]):
        if webhook_url is not None:
            apps.set_webhook_url(db, app_id, webhook_url or None)
        return str(found["secret_key"])
    key = secret_key or generate_secret_key()
    apps.upsert(db, app_id, key, webhook_url or None, now_ms())
    return key


def reset(db: Storage, app_id: str) -> None:
    """Forget every user, conversation, message, file and event of the app (its key stays)."""
    for table in APP_TABLES:
        db.execute(f"DELETE FROM {table} WHERE app_id=?", (app_id,))
    # sequence numbers never go back: connected clients learn of the reset by a resync
    db.emit(app_id, "app.reset", None, None, {})
