"""Creating and updating users."""

from __future__ import annotations

from ...clock import now_ms
from .. import rules, views
from .. import webhook_payloads as payloads
from ..events import JSON
from ..queries import participants, users
from ..storage import Storage, loads


def put(db: Storage, app_id: str, user_id: str, patch: JSON, *, fire_webhooks: bool = True) -> None:
    """Create or update with PATCH semantics; ``None`` values reset a field."""
    found = users.row(db, app_id, user_id)
    if found is None:
        rules.require_name_for_new_user(user_id, patch)
        users.insert(db, app_id, user_id, rules.merge_fields({}, patch, rules.USER_FIELDS), now_ms())
        kind = "user.created"
    else:
        old = loads(found["data"])
        data = rules.merge_fields(old, patch, rules.USER_FIELDS)
        if data == old:
            return
        users.update(db, app_id, user_id, data)
        kind = "user.updated"
    user = views.user(db, app_id, user_id)
    assert user is not None
    if fire_webhooks:
        db.queue_webhook(app_id, kind, lambda: payloads.user_changed(user))
    if kind == "user.updated":  # a new user is in no conversation yet, so no view shows it
        audience = participants.contacts(db, app_id, user_id) | {user_id}
        db.emit(app_id, "user.updated", None, audience, {"user": user})
