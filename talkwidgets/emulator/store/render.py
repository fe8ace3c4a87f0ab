"""TalkJS REST JSON shapes, built from rows. Pure: the rows come from the queries.

These shapes are what the REST routes answer, what live-feed events carry and what webhooks send,
so a client sees one shape for each thing wherever it comes from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from typing import Any

from . import rules
from .events import JSON


def user(row: sqlite3.Row) -> JSON:
    data = json.loads(row["data"])
    return {
        "id": row["id"],
        "name": data.get("name", ""),
        "welcomeMessage": data.get("welcomeMessage"),
        "photoUrl": data.get("photoUrl"),
        "headerPhotoUrl": data.get("headerPhotoUrl"),
        "role": data.get("role") or "default",
        "email": data.get("email"),
        "phone": data.get("phone"),
        "custom": data.get("custom") or {},
        "availabilityText": data.get("availabilityText"),
        "locale": data.get("locale"),
        "createdAt": row["created_at"],
        "pushTokens": data.get("pushTokens") or None,
    }


def participant(row: sqlite3.Row) -> JSON:
    """A participation's settings and read state, as in ``participant.*`` events."""
    return {
        "access": row["access"],
        "notify": json.loads(row["notify"]),
        "joinedAt": row["joined_at"],
        "readUntil": row["read_until"],
    }


def listed_participant(row: sqlite3.Row) -> JSON:
    """A participant in the participant list routes: its user id with :func:`participant`."""
    return {"userId": row["user_id"], **participant(row)}


def read_untils(participants: Mapping[str, sqlite3.Row]) -> dict[str, int]:
    return {uid: int(p["read_until"]) for uid, p in participants.items()}


def message(data: JSON, sender_id: str | None, created_at: int, read_until: Mapping[str, int]) -> JSON:
    """A stored message with its ``readBy`` (from the participants' ``user id -> readUntil``) and
    its ``reactions`` summary (kept in the stored data by every reaction change)."""
    return {
        **data,
        "reactions": data.get("reactions") or [],
        "readBy": rules.read_by(created_at, sender_id, read_until),
    }


def message_row(row: sqlite3.Row, read_until: Mapping[str, int]) -> JSON:
    return message(json.loads(row["data"]), row["sender_id"], row["created_at"], read_until)


def viewed_message(message: JSON, reacted: Collection[tuple[str, str]], referenced: JSON | None) -> JSON:
    """A message as one participant sees it (user-view routes): ``currentUserReacted`` on each
    reaction (``reacted``: the viewer's ``(message id, emoji)`` pairs), and ``referencedMessage``
    (already viewed, without its own ``referencedMessage``) or None."""
    return {**_with_reacted(message, reacted), "referencedMessage": referenced}


def viewed_reference(message: JSON, reacted: Collection[tuple[str, str]]) -> JSON:
    """A referenced message one level deep: viewed, its ``referencedMessageId`` kept, no ``referencedMessage``."""
    return _with_reacted(message, reacted)


def _with_reacted(message: JSON, reacted: Collection[tuple[str, str]]) -> JSON:
    mid = message["id"]
    summary = [{**r, "currentUserReacted": (mid, r["emoji"]) in reacted} for r in message["reactions"]]
    return {**message, "reactions": summary}


def conversation(
    row: sqlite3.Row,
    participants: Mapping[str, sqlite3.Row],
    last_message: JSON | None,
    unread_by: Collection[str],
) -> JSON:
    """A conversation with its participants (each with ``isUnread``) and last message."""
    data = json.loads(row["data"])
    return {
        "id": row["id"],
        "subject": data.get("subject"),
        "photoUrl": data.get("photoUrl"),
        "welcomeMessages": data.get("welcomeMessages"),
        "custom": data.get("custom") or {},
        "topicId": data.get("topicId"),
        "lastMessage": last_message,
        "participants": {uid: {**participant(p), "isUnread": uid in unread_by} for uid, p in participants.items()},
        "createdAt": row["created_at"],
    }


def user_conversation(conversation: JSON, user_id: str, unread_count: int, last_activity_at: int) -> JSON:
    """A conversation as one participant sees it: their own read state and settings added."""
    me: dict[str, Any] = conversation["participants"][user_id]
    read_until = [p["readUntil"] for p in conversation["participants"].values()]
    return {
        **conversation,
        "joinedAt": me["joinedAt"],
        "readUntil": me["readUntil"],
        "everyoneReadUntil": min(read_until) if read_until else 0,
        "unreadMessageCount": unread_count,
        "isUnread": me["isUnread"],
        "access": me["access"],
        "notify": me["notify"],
        "lastActivityAt": last_activity_at,
    }
