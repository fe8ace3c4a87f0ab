"""How one route is described: :class:`Operation`, and helpers for its parameters and answers.

Each ``routes_*.py`` module maps ``(method, route path)`` to an :class:`Operation`, with the route
path written exactly as the route declares it (``"/users/{user_id}"``). Documenting a new route is
one entry there; ``tests/test_emulator_openapi.py`` fails while a served route has no entry or an
entry names no served route."""

from __future__ import annotations

from dataclasses import dataclass, field

from .schemas import JSON, ref

JSON_TYPE = "application/json"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: JSON
    description: str = ""
    required: bool = False

    def to_json(self) -> JSON:
        out: JSON = {"name": self.name, "in": "query", "required": self.required, "schema": self.schema}
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Operation:
    """One method on one route: what it does, what it takes and what it answers."""

    summary: str
    tag: str
    answer: JSON = field(default_factory=lambda: ref("Empty"))
    description: str = ""
    query: tuple[Param, ...] = ()
    body: JSON | None = None
    body_type: str = JSON_TYPE
    body_required: bool = True
    authenticated: bool = True
    answer_type: str = JSON_TYPE

    def to_json(self, operation_id: str, path_params: list[JSON]) -> JSON:
        out: JSON = {"operationId": operation_id, "summary": self.summary, "tags": [self.tag]}
        if self.description:
            out["description"] = self.description
        params = path_params + [p.to_json() for p in self.query]
        if params:
            out["parameters"] = params
        if self.body is not None:
            out["requestBody"] = {"required": self.body_required, "content": {self.body_type: {"schema": self.body}}}
        out["responses"] = {
            "200": {"description": "success", "content": {self.answer_type: {"schema": self.answer}}},
            "4XX": {"description": "refused; the reasons say why", "content": {JSON_TYPE: {"schema": ref("Error")}}},
        }
        if not self.authenticated:
            out["security"] = []
        return out


def limit(maximum: int) -> Param:
    return Param("limit", {"type": "integer", "minimum": 1, "maximum": maximum, "default": 10}, "page size")


def starting_after(what: str) -> Param:
    return Param("startingAfter", {"type": "string"}, f"the {what} id of the previous page's last item")


LAST_MESSAGE_BEFORE = Param(
    "lastMessageBefore", {"type": "integer", "minimum": 0}, "only conversations whose last message is older (ms)"
)
LAST_MESSAGE_AFTER = Param(
    "lastMessageAfter", {"type": "integer", "minimum": 0}, "only conversations whose last message is newer (ms)"
)
FILTER = Param(
    "filter",
    {"type": "string", "contentMediaType": "application/json"},
    'a TalkJS ConversationFilter as JSON: {"subject": ["==", "Plans"], ...} or ["any", [...]] '
    "(docs/emulator.md, Conversation filters)",
)
PATH_PARAMS: dict[str, tuple[str, str, str | None]] = {
    "user_id": ("userId", "a user id (URL-encoded)", "alice"),
    "conversation_id": ("conversationId", "a conversation id (URL-encoded)", "planning"),
    "message_id": ("messageId", "a message id", None),
    "file_id": ("fileId", "the random id in a file URL", None),
    "filename": ("filename", "the file's name (cosmetic)", "photo.png"),
    "app_id": ("appId", "the app id", "demo"),
    "emoji": ("emoji", "a Unicode emoji or a custom :name: emoji (URL-encoded)", ":party:"),
}
"""Route parameter names: their names in the document (TalkJS's camelCase), meaning and an example."""


def page(item: str) -> JSON:
    return {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": ref(item)}}}


Operations = dict[tuple[str, str], Operation]
"""``(method, route path) -> Operation``."""
