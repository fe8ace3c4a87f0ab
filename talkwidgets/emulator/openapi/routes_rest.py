"""Descriptions of TalkJS's documented REST routes as the emulator serves them."""

from __future__ import annotations

from .operation import (
    FILTER,
    LAST_MESSAGE_AFTER,
    LAST_MESSAGE_BEFORE,
    MULTIPART,
    Operation,
    Operations,
    Param,
    limit,
    page,
    starting_after,
)
from .schemas import ref

USERS = "users"
CONVERSATIONS = "conversations"
PARTICIPANTS = "participants"
MESSAGES = "messages"
FILES = "files"

OPERATIONS: Operations = {
    ("GET", "/users"): Operation(
        "List users",
        USERS,
        page("User"),
        "App credentials only; ordered by id.",
        (limit(100), starting_after("user"), Param("isOnline", {"type": "boolean"}, "only users (not) online")),
    ),
    ("PUT", "/users"): Operation(
        "Create or update up to 100 users",
        USERS,
        description="All or nothing: one invalid entry and none is applied (400 BATCH_INVALID).",
        body={"type": "object", "minProperties": 1, "maxProperties": 100, "additionalProperties": ref("UserBody")},
    ),
    ("GET", "/users/{user_id}"): Operation(
        "Get a user", USERS, ref("User"), "Other users' tokens see no email, phone or push tokens."
    ),
    ("PUT", "/users/{user_id}"): Operation("Create or update a user", USERS, body=ref("UserBody"), body_required=False),
    ("GET", "/users/{user_id}/conversations"): Operation(
        "List a user's conversations",
        CONVERSATIONS,
        page("UserConversation"),
        "Most recent activity first, with the user's own read state.",
        (
            limit(100),
            starting_after("conversation"),
            Param("unreadsOnly", {"type": "boolean"}, "only conversations with unread messages"),
            LAST_MESSAGE_BEFORE,
            LAST_MESSAGE_AFTER,
            FILTER,
        ),
    ),
    ("GET", "/users/{user_id}/conversations/{conversation_id}"): Operation(
        "Get a conversation as one participant sees it", CONVERSATIONS, ref("UserConversation")
    ),
    ("GET", "/conversations"): Operation(
        "List all conversations",
        CONVERSATIONS,
        page("Conversation"),
        "App credentials only; last message time (else creation) newest first.",
        (limit(100), starting_after("conversation"), LAST_MESSAGE_BEFORE, LAST_MESSAGE_AFTER, FILTER),
    ),
    ("GET", "/conversations/{conversation_id}"): Operation("Get a conversation", CONVERSATIONS, ref("Conversation")),
    ("PUT", "/conversations/{conversation_id}"): Operation(
        "Create or update a conversation", CONVERSATIONS, body=ref("ConversationBody"), body_required=False
    ),
    ("DELETE", "/conversations/{conversation_id}"): Operation(
        "Delete a conversation with its messages", CONVERSATIONS, description="Cannot be undone; app credentials only."
    ),
    ("PUT", "/conversations/{conversation_id}/participants/{user_id}"): Operation(
        "Join (or overwrite the settings)", PARTICIPANTS, body=ref("ParticipantBody"), body_required=False
    ),
    ("PATCH", "/conversations/{conversation_id}/participants/{user_id}"): Operation(
        "Change participation settings", PARTICIPANTS, body=ref("ParticipantBody"), body_required=False
    ),
    ("DELETE", "/conversations/{conversation_id}/participants/{user_id}"): Operation(
        "Leave", PARTICIPANTS, description="Idempotent with app credentials."
    ),
    ("POST", "/conversations/{conversation_id}/readBy/{user_id}"): Operation(
        "Mark the conversation read by the user", PARTICIPANTS
    ),
    ("POST", "/conversations/{conversation_id}/messages"): Operation(
        "Send up to 10 messages",
        MESSAGES,
        ref("MessageIds"),
        "Stored in order, all or nothing.",
        body={"type": "array", "items": ref("MessageItem"), "minItems": 1, "maxItems": 10},
    ),
    ("GET", "/conversations/{conversation_id}/messages"): Operation(
        "List messages", MESSAGES, page("Message"), "Newest first.", (limit(100), starting_after("message"))
    ),
    ("GET", "/conversations/{conversation_id}/messages/{message_id}"): Operation(
        "Get a message", MESSAGES, ref("Message")
    ),
    ("PUT", "/conversations/{conversation_id}/messages/{message_id}"): Operation(
        "Edit a message", MESSAGES, body=ref("MessageEdit")
    ),
    ("PATCH", "/conversations/{conversation_id}/messages/{message_id}"): Operation(
        "Edit a message (same as PUT)", MESSAGES, body=ref("MessageEdit")
    ),
    ("DELETE", "/conversations/{conversation_id}/messages/{message_id}"): Operation("Delete a message", MESSAGES),
    ("POST", "/files"): Operation(
        "Upload a file",
        FILES,
        ref("FileToken"),
        "App credentials or a user token; send the token as a file block or attachmentToken.",
        body=ref("FileUpload"),
        body_type=MULTIPART,
    ),
    ("GET", "/files/{file_id}/{filename:path}"): Operation(
        "Download an uploaded file",
        FILES,
        {"type": "string", "contentMediaType": "application/octet-stream"},
        "No credentials: the random file id is the credential, like TalkJS's file URLs.",
        authenticated=False,
        answer_type="application/octet-stream",
    ),
}
