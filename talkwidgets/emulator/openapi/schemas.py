"""JSON Schemas (OpenAPI 3.1 ``components.schemas``) of the emulator's request bodies and answers.

Request bodies state exactly what the routes accept (unknown fields are refused, see
docs/emulator.md); answers allow extra fields, so clients generated from them keep working when a
later version adds one."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: JSON) -> JSON:
    return {"oneOf": [schema, {"type": "null"}]}


def string(max_length: int, **extra: Any) -> JSON:
    return {"type": "string", "maxLength": max_length, **extra}


ID = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f]*$"}
TIME = {"type": "integer", "minimum": 0, "description": "Unix time in milliseconds"}
STRINGS = {"type": "array", "items": string(1_000), "maxItems": 100}
CUSTOM_IN = {
    "type": "object",
    "maxProperties": 100,
    "propertyNames": {"minLength": 1, "maxLength": 255},
    "additionalProperties": nullable(string(10_000)),
    "description": "string values; null deletes a key",
}
CUSTOM = {"type": "object", "additionalProperties": {"type": "string"}}
NOTIFY = {"oneOf": [{"type": "boolean"}, {"const": "MentionsOnly"}]}
LOCATION = {
    "oneOf": [
        {
            "type": "array",
            "prefixItems": [
                {"type": "number", "minimum": -90, "maximum": 90},
                {"type": "number", "minimum": -180, "maximum": 180},
            ],
            "minItems": 2,
            "maxItems": 2,
        },
        {
            "type": "object",
            "required": ["latitude", "longitude"],
            "properties": {
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
    ]
}

SCHEMAS: dict[str, JSON] = {
    "Error": {
        "type": "object",
        "required": ["errorCode", "reasons"],
        "properties": {
            "errorCode": {"type": "string", "examples": ["BAD_REQUEST"]},
            "reasons": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
    },
    "Empty": {"type": "object", "maxProperties": 0, "description": "TalkJS answers {} when there is no data"},
    "UserBody": {
        "type": "object",
        "additionalProperties": False,
        "description": "PUT works like PATCH: only the given fields change; null resets one. `name` is needed "
        "to create a user.",
        "properties": {
            "id": {**ID, "description": "optional; must equal the id in the path"},
            "name": {"type": "string", "minLength": 1, "maxLength": 1_000, "pattern": "\\S"},
            "email": nullable(STRINGS),
            "phone": nullable(STRINGS),
            "welcomeMessage": nullable(string(10_000)),
            "photoUrl": nullable(string(10_000)),
            "headerPhotoUrl": nullable(string(10_000)),
            "availabilityText": nullable(string(10_000)),
            "role": nullable(string(255)),
            "configuration": {**nullable(string(255)), "description": "the old name of role"},
            "locale": nullable(string(64)),
            "custom": nullable(CUSTOM_IN),
            "pushTokens": nullable(
                {
                    "type": "object",
                    "propertyNames": {"pattern": "^(fcm|apns):", "maxLength": 4096},
                    "additionalProperties": {"oneOf": [{"const": True}, {"type": "null"}]},
                }
            ),
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "name", "role", "custom", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "welcomeMessage": nullable({"type": "string"}),
            "photoUrl": nullable({"type": "string"}),
            "headerPhotoUrl": nullable({"type": "string"}),
            "role": {"type": "string"},
            "email": nullable({"type": "array", "items": {"type": "string"}}),
            "phone": nullable({"type": "array", "items": {"type": "string"}}),
            "custom": CUSTOM,
            "availabilityText": nullable({"type": "string"}),
            "locale": nullable({"type": "string"}),
            "createdAt": TIME,
            "pushTokens": nullable({"type": "object", "additionalProperties": {"const": True}}),
        },
    },
    "ConversationBody": {
        "type": "object",
        "additionalProperties": False,
        "description": "PUT works like PATCH; participants are merged in, never removed.",
        "properties": {
            "id": {**ID, "description": "optional; must equal the id in the path"},
            "subject": nullable(string(10_000)),
            "photoUrl": nullable(string(10_000)),
            "welcomeMessages": nullable({"type": "array", "items": string(10_000), "maxItems": 100}),
            "custom": nullable(CUSTOM_IN),
            "topicId": nullable(string(255)),
            "participants": nullable({"type": "array", "items": ID, "description": "ids of existing users"}),
        },
    },
    "Participant": {
        "type": "object",
        "required": ["access", "notify", "joinedAt", "readUntil"],
        "properties": {
            "access": {"enum": ["ReadWrite", "Read"]},
            "notify": NOTIFY,
            "joinedAt": TIME,
            "readUntil": TIME,
            "isUnread": {"type": "boolean"},
        },
    },
    "Conversation": {
        "type": "object",
        "required": ["id", "custom", "participants", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "subject": nullable({"type": "string"}),
            "photoUrl": nullable({"type": "string"}),
            "welcomeMessages": nullable({"type": "array", "items": {"type": "string"}}),
            "custom": CUSTOM,
            "topicId": nullable({"type": "string"}),
            "lastMessage": nullable(ref("Message")),
            "participants": {"type": "object", "additionalProperties": ref("Participant")},
            "createdAt": TIME,
        },
    },
    "UserConversation": {
        "allOf": [
            ref("Conversation"),
            {
                "type": "object",
                "required": ["joinedAt", "readUntil", "unreadMessageCount", "isUnread", "lastActivityAt"],
                "properties": {
                    "joinedAt": TIME,
                    "readUntil": TIME,
                    "everyoneReadUntil": TIME,
                    "unreadMessageCount": {"type": "integer", "minimum": 0},
                    "isUnread": {"type": "boolean"},
                    "access": {"enum": ["ReadWrite", "Read"]},
                    "notify": NOTIFY,
                    "lastActivityAt": TIME,
                },
            },
        ]
    },
    "ParticipantBody": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "access": nullable({"enum": ["ReadWrite", "Read", "None"]}),
            "notify": nullable(NOTIFY),
        },
        "description": "null or an omitted field means the default (join) or no change (PATCH); "
        'access "None" (PATCH only) removes the participant',
    },
    "TextNode": {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string"},
                    "children": {"type": "array", "items": ref("TextNode")},
                    "text": {"type": "string"},
                },
            },
        ]
    },
    "ContentBlock": {
        "oneOf": [
            {
                "type": "object",
                "required": ["type", "children"],
                "properties": {"type": {"const": "text"}, "children": {"type": "array", "items": ref("TextNode")}},
            },
            {
                "type": "object",
                "required": ["type", "fileToken"],
                "properties": {"type": {"const": "file"}, "fileToken": {"type": "string", "minLength": 1}},
            },
            {
                "type": "object",
                "required": ["type", "latitude", "longitude"],
                "properties": {
                    "type": {"const": "location"},
                    "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                    "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                },
            },
        ]
    },
    "MessageItem": {
        "type": "object",
        "additionalProperties": False,
        "description": "needs text, content, an attachmentToken or a location; content replaces the other three",
        "properties": {
            "type": {"enum": ["UserMessage", "SystemMessage"]},
            "sender": {**ID, "description": "required for a UserMessage sent with app credentials"},
            "text": string(10_000),
            "attachmentToken": {"type": "string", "minLength": 1},
            "location": LOCATION,
            "content": {"type": "array", "items": ref("ContentBlock"), "minItems": 1, "maxItems": 10},
            "custom": nullable(CUSTOM_IN),
            "referencedMessageId": nullable(string(255)),
            "idempotencyKey": {"description": "accepted and ignored"},
        },
    },
    "MessageEdit": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 10_000},
            "content": {"type": "array", "items": ref("ContentBlock"), "minItems": 1, "maxItems": 10},
            "custom": nullable(CUSTOM_IN),
        },
    },
    "ImportItem": {
        "type": "object",
        "additionalProperties": False,
        "required": ["sender", "timestamp"],
        "properties": {
            "sender": {**ID, "description": "a participant"},
            "text": string(10_000),
            "type": {"const": "UserMessage"},
            "timestamp": {"type": "integer", "minimum": 0, "maximum": 253_402_300_799_999},
            "readBy": {"type": "array", "items": ID, "description": "participants who had read it"},
            "attachmentToken": {"type": "string", "minLength": 1},
            "custom": nullable(CUSTOM_IN),
        },
    },
    "FileBlock": {
        "type": "object",
        "required": ["type", "fileToken", "url", "size", "filename"],
        "properties": {
            "type": {"const": "file"},
            "fileToken": {"type": "string"},
            "url": {"type": "string"},
            "size": {"type": "integer", "minimum": 0},
            "filename": {"type": "string"},
            "subtype": {"enum": ["image", "video", "audio", "voice"]},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "duration": {"type": "number"},
        },
    },
    "Message": {
        "type": "object",
        "required": ["id", "conversationId", "type", "senderId", "text", "content", "origin", "createdAt", "readBy"],
        "properties": {
            "id": {"type": "string"},
            "conversationId": {"type": "string"},
            "type": {"enum": ["UserMessage", "SystemMessage"]},
            "senderId": nullable({"type": "string"}),
            "text": {"type": "string"},
            "content": {"type": "array", "items": {"type": "object", "required": ["type"]}},
            "attachment": nullable(
                {"type": "object", "properties": {"url": {"type": "string"}, "size": {"type": "integer"}}}
            ),
            "location": nullable({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}),
            "readBy": {"type": "array", "items": {"type": "string"}},
            "origin": {"enum": ["web", "rest", "import", "email"]},
            "createdAt": TIME,
            "editedAt": nullable(TIME),
            "referencedMessageId": nullable({"type": "string"}),
            "custom": CUSTOM,
            "reactions": {"type": "array", "items": ref("ReactionSummary"), "description": "first-added order"},
        },
    },
    "MessageIds": {
        "type": "array",
        "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "description": "one entry per message, in order",
    },
    "FileUpload": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "filename": string(255, minLength=1),
            "subtype": {"enum": ["", "image", "video", "audio", "voice"]},
            "width": {"type": "string", "pattern": "^[0-9]+$"},
            "height": {"type": "string", "pattern": "^[0-9]+$"},
            "duration": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
        },
    },
    "FileToken": {
        "type": "object",
        "required": ["fileToken", "attachmentToken"],
        "properties": {"fileToken": {"type": "string"}, "attachmentToken": {"type": "string"}},
    },
    "BatchOperation": {
        "type": "array",
        "description": "[sequenceNumber, method, path, payload?, options?]; path is relative to /v1/{appId}; "
        "a GET's payload holds its query parameters",
        "prefixItems": [
            {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            {"enum": ["GET", "PUT", "POST", "PATCH", "DELETE"]},
            {"type": "string", "pattern": "^/"},
            {},
            {"type": "object"},
        ],
        "minItems": 3,
        "maxItems": 5,
    },
    "BatchResult": {
        "type": "object",
        "required": ["sequenceNumber", "status", "body"],
        "properties": {
            "sequenceNumber": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "status": {"type": "integer"},
            "body": {"description": "the operation's own answer"},
        },
    },
    "Health": {
        "type": "object",
        "required": ["ok", "version", "feedProtocol"],
        "properties": {"ok": {"const": True}, "version": {"type": "string"}, "feedProtocol": {"type": "integer"}},
    },
}


def page_of(item: JSON) -> JSON:
    """A list answer: ``{"data": [...]}``."""
    return {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": item}}}
