"""JSON Schemas of the Data API extensions: reactions, participant lists, user-view messages,
typing, presence and search (``routes_data.py``)."""

from __future__ import annotations

from .schemas import JSON, NOTIFY, TIME, nullable, ref

DATA_SCHEMAS: dict[str, JSON] = {
    "ReactionSummary": {
        "type": "object",
        "required": ["emoji", "count"],
        "properties": {
            "emoji": {"type": "string", "description": "a fully-qualified Unicode emoji or a custom :name:"},
            "count": {"type": "integer", "minimum": 1},
            "currentUserReacted": {"type": "boolean", "description": "user-view routes only"},
        },
    },
    "ViewedMessage": {
        "allOf": [
            ref("Message"),
            {
                "type": "object",
                "required": ["referencedMessage"],
                "properties": {
                    "referencedMessage": {
                        **nullable(ref("Message")),
                        "description": "the replied-to message, one level deep (no referencedMessage of its own)",
                    }
                },
            },
        ]
    },
    "ListedParticipant": {
        "type": "object",
        "required": ["userId", "access", "notify", "joinedAt", "readUntil"],
        "properties": {
            "userId": {"type": "string"},
            "access": {"enum": ["ReadWrite", "Read"]},
            "notify": NOTIFY,
            "joinedAt": TIME,
            "readUntil": TIME,
        },
    },
    "Reactor": {
        "type": "object",
        "required": ["userId", "createdAt"],
        "properties": {"userId": {"type": "string"}, "createdAt": TIME},
    },
    "Typist": {
        "type": "object",
        "required": ["userId", "startedAt", "expiresAt"],
        "properties": {"userId": {"type": "string"}, "startedAt": TIME, "expiresAt": TIME},
    },
    "Presence": {"type": "object", "required": ["isOnline"], "properties": {"isOnline": {"type": "boolean"}}},
    "Session": {
        "type": "object",
        "required": ["id", "connectedAt"],
        "properties": {"id": {"type": "string"}, "connectedAt": TIME},
    },
    "MessageSearchResult": {
        "type": "object",
        "required": ["conversation", "message"],
        "properties": {"conversation": ref("UserConversation"), "message": ref("ViewedMessage")},
    },
}
