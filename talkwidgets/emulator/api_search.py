"""Search: ``GET /users/{userId}/messages/search`` and ``GET /users/{userId}/conversations/search``.

Emulator extensions (TalkJS documents no REST search) with TalkJS's matching rules
(:mod:`.store.search_words`), over SQLite FTS5. These routes are mounted before the user routes:
``/users/{id}/conversations/search`` would otherwise read a conversation named ``search``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint
from .errors import InvalidError, not_found
from .instance import Emulator
from .principal import Principal
from .store.filters import Condition, parse_filter
from .store.search_words import match_expression

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_QUERY = 1_000


def _search_request(request: Request, em: Emulator, who: Principal) -> tuple[str, str, int, Condition | None]:
    """The user, the match expression, the page size and the filter of a search request."""
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "search the messages and conversations")
    q = request.query_params
    query = q.get("query") or ""
    if not query.strip():
        raise InvalidError("query must be a non-empty string")
    if len(query) > MAX_QUERY:
        raise InvalidError(f"query is longer than {MAX_QUERY} characters")
    match = match_expression(query)
    if match is None:
        raise InvalidError(f"query {query[:40]!r} has no words to search for (only punctuation)")
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT) or DEFAULT_LIMIT
    condition = parse_filter(q.get("filter"), user_view=True)
    if not em.store.user_exists(who.app_id, uid):
        raise not_found(f"user {uid!r}")
    return uid, match, limit, condition


@endpoint
async def search_messages(request: Request, em: Emulator, who: Principal) -> Any:
    """Matching messages of the user's conversations, newest first, each with its conversation."""
    uid, match, limit, condition = _search_request(request, em, who)
    after = request.query_params.get("startingAfter") or None
    return {"data": em.store.search_messages(who.app_id, uid, match, limit, after, condition)}


@endpoint
async def search_conversations(request: Request, em: Emulator, who: Principal) -> Any:
    """The user's conversations matching on subject or on ``custom.search``, most recently active first."""
    uid, match, limit, condition = _search_request(request, em, who)
    after = request.query_params.get("startingAfter") or None
    return {"data": em.store.search_conversations(who.app_id, uid, match, limit, after, condition)}


routes = [
    Route("/users/{user_id}/messages/search", search_messages, methods=["GET"]),
    Route("/users/{user_id}/conversations/search", search_conversations, methods=["GET"]),
]
