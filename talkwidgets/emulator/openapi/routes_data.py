"""Descriptions of the routes the Data API needs beyond TalkJS's documented REST API: participant
lists, mark unread, user-view messages, reactions, typing, presence and search."""

from __future__ import annotations

from .operation import FILTER, Operation, Operations, Param, limit, page, starting_after
from .schemas import ref

PARTICIPANTS = "participants"
MESSAGES = "messages"
REACTIONS = "reactions"
PRESENCE = "typing and presence"
SEARCH = "search"

QUERY = Param("query", {"type": "string", "minLength": 1, "maxLength": 1000}, "the words to search for", True)
_REACTION = "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}"

OPERATIONS: Operations = {
    ("GET", "/conversations/{conversation_id}/participants"): Operation(
        "List the participants",
        PARTICIPANTS,
        page("ListedParticipant"),
        "Most recently joined first (ties: user id descending).",
        (limit(50), starting_after("user")),
    ),
    ("GET", "/conversations/{conversation_id}/participants/{user_id}"): Operation(
        "Get one participant", PARTICIPANTS, ref("ListedParticipant")
    ),
    ("POST", "/conversations/{conversation_id}/unreadBy/{user_id}"): Operation(
        "Mark the conversation unread for the user",
        PARTICIPANTS,
        description="isUnread holds, even without unread messages, until the user marks it read.",
    ),
    ("GET", "/users/{user_id}/conversations/{conversation_id}/messages"): Operation(
        "List messages as one participant sees them",
        MESSAGES,
        page("ViewedMessage"),
        "Newest first; currentUserReacted on each reaction, and the replied-to message.",
        (limit(100), starting_after("message")),
    ),
    ("GET", "/users/{user_id}/conversations/{conversation_id}/messages/{message_id}"): Operation(
        "Get a message as one participant sees it", MESSAGES, ref("ViewedMessage")
    ),
    ("GET", _REACTION): Operation(
        "List who reacted with one emoji",
        REACTIONS,
        page("Reactor"),
        "Oldest first.",
        (limit(100), starting_after("user")),
    ),
    ("PUT", _REACTION + "/{user_id}"): Operation(
        "React to a message",
        REACTIONS,
        description="Idempotent. 400 INVALID_EMOJI; 400 TOO_MANY_REACTIONS past 50 distinct emoji.",
    ),
    ("DELETE", _REACTION + "/{user_id}"): Operation("Remove a reaction", REACTIONS, description="Idempotent."),
    ("POST", "/conversations/{conversation_id}/typing/{user_id}"): Operation(
        "Show the user typing for 10 s", PRESENCE, description="A message the user sends there ends it at once."
    ),
    ("GET", "/conversations/{conversation_id}/typing"): Operation(
        "List who is typing", PRESENCE, page("Typist"), "The longest typist first."
    ),
    ("GET", "/users/{user_id}/presence"): Operation(
        "Is the user online", PRESENCE, ref("Presence"), "Online: holding at least one live-feed connection."
    ),
    ("GET", "/users/{user_id}/sessions"): Operation("List the user's live-feed connections", PRESENCE, page("Session")),
    ("GET", "/users/{user_id}/messages/search"): Operation(
        "Search the user's messages",
        SEARCH,
        page("MessageSearchResult"),
        "Every query word a prefix of a word of the text; case-insensitive; punctuation at word edges "
        "ignored. Newest first.",
        (QUERY, limit(50), starting_after("message"), FILTER),
    ),
    ("GET", "/users/{user_id}/conversations/search"): Operation(
        "Search the user's conversations",
        SEARCH,
        page("UserConversation"),
        "Every query word in the subject, or every word in custom.search. Most recently active first.",
        (QUERY, limit(50), starting_after("conversation"), FILTER),
    ),
}
