"""Messages as one participant sees them (the ``/users/{userId}/...`` routes and search): which
reactions are the viewer's own, and the message each one replies to.

Queries fetch, :mod:`.render` shapes; callers hold the lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from . import render
from .events import JSON
from .queries import messages, participants, reactions
from .storage import Storage


def messages_of(db: Storage, app_id: str, rows: Sequence[sqlite3.Row], viewer: str) -> list[JSON]:
    """Message rows (of any conversations) as ``viewer`` sees them, in the given order."""
    read_until: dict[str, dict[str, int]] = {}
    plain: list[JSON] = []
    references: dict[str, set[str]] = {}
    for row in rows:
        cid = row["conversation_id"]
        if cid not in read_until:
            read_until[cid] = participants.read_untils(db, app_id, cid)
        message = render.message_row(row, read_until[cid])
        plain.append(message)
        if message.get("referencedMessageId"):
            references.setdefault(cid, set()).add(message["referencedMessageId"])
    referenced: dict[str, JSON] = {}
    for cid, ids in references.items():
        for ref in messages.rows_in(db, app_id, cid, ids):
            referenced[ref["id"]] = render.message_row(ref, read_until[cid])
    reacted = reactions.reacted_by(db, app_id, [*(m["id"] for m in plain), *referenced], viewer)
    out = []
    for message in plain:
        replied_to = referenced.get(message.get("referencedMessageId") or "")
        viewed_ref = render.viewed_reference(replied_to, reacted) if replied_to else None
        out.append(render.viewed_message(message, reacted, viewed_ref))
    return out
