"""Descriptions of the emulator's Data API routes (TalkJS documents no REST routes for these):
user views of messages, participants, read marks, reactions, typing, presence and search."""

from __future__ import annotations

from .operation import Operation, Operations, Param, limit, page, starting_after
from .schemas import ref

FILTER = Param(
    "filter",
    {"type": "string"},
    "URL-encoded JSON of a TalkJS ConversationFilter (docs/emulator.md); on GET /conversations only "
    "custom, subject, createdAt, hasMessages and lastActivityAt",
)
SEARCH = Param("query", {"type": "string", "minLength": 1}, "words; each must start a word of the text", required=True)
IS_ONLINE = Param("isOnline", {"type": "boolean"}, "only users with (or without) a live-feed connection")
REACTIONS = "reactions"
PRESENCE = "typing and presence"
SEARCHING = "search"
USER_VIEWS = "user views"

OPERATIONS: Operations = {
    ("GET", "/users/{user_id}/conversations/{conversation_id}/messages"): Operation(
        "List messages as a participant sees them",
        USER_VIEWS,
        page("UserMessage"),
        "Newest first, with currentUserReacted and the referenced message.",
        (limit(100), starting_after("message")),
    ),
    ("GET", "/users/{user_id}/conversations/{conversation_id}/messages/{message_id}"): Operation(
        "Get a message as a participant sees it", USER_VIEWS, ref("UserMessage")
    ),
    ("GET", "/conversations/{conversation_id}/participants"): Operation(
        "List participants",
        "participants",
        page("ParticipantRow"),
        "Most recently joined first.",
        (limit(50), starting_after("user")),
    ),
    ("GET", "/conversations/{conversation_id}/participants/{user_id}"): Operation(
        "Get one participant", "participants", ref("ParticipantRow")
    ),
    ("POST", "/conversations/{conversation_id}/unreadBy/{user_id}"): Operation(
        "Mark the conversation unread for the user", "participants", description="Cleared by mark read."
    ),
    ("PUT", "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}/{user_id}"): Operation(
        "Add a reaction", REACTIONS, description="Idempotent; at most 50 distinct emoji per message."
    ),
    ("DELETE", "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}/{user_id}"): Operation(
        "Remove a reaction", REACTIONS, description="Idempotent."
    ),
    ("GET", "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}"): Operation(
        "List who reacted with an emoji",
        REACTIONS,
        page("ReactionUser"),
        "Oldest first.",
        (limit(100), starting_after("user")),
    ),
    ("POST", "/conversations/{conversation_id}/typing/{user_id}"): Operation(
        "Mark the user typing for 10 s", PRESENCE, description="Ephemeral: reaches live feeds, never stored."
    ),
    ("GET", "/conversations/{conversation_id}/typing"): Operation(
        "List who is typing", PRESENCE, page("Typing"), "Longest typist first."
    ),
    ("GET", "/users/{user_id}/presence"): Operation("Is the user online", PRESENCE, ref("Presence")),
    ("GET", "/users/{user_id}/sessions"): Operation("List the user's live-feed connections", PRESENCE, page("Session")),
    ("GET", "/users/{user_id}/messages/search"): Operation(
        "Search the user's messages",
        SEARCHING,
        page("MessageHit"),
        "Newest first, in the conversations the user takes part in.",
        (SEARCH, limit(50), starting_after("message"), FILTER),
    ),
    ("GET", "/users/{user_id}/conversations/search"): Operation(
        "Search the user's conversations by subject or custom.search",
        SEARCHING,
        page("UserConversation"),
        "Most recently active first.",
        (SEARCH, limit(50), starting_after("conversation"), FILTER),
    ),
}
