"""A conversation's messages as one participant sees them: ``GET /users/{userId}/conversations/{cid}/messages[/{mid}]``.

The same message JSON as ``GET /conversations/{cid}/messages``, plus ``currentUserReacted`` on
each reaction and ``referencedMessage`` (the replied-to message, one level deep)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint
from .errors import ForbiddenError, not_found
from .instance import Emulator
from .principal import Principal

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def require_viewer(request: Request, em: Emulator, who: Principal) -> tuple[str, str]:
    """The user and conversation of a user-view path: the caller acts as that user (403), the
    conversation exists (404) and the user takes part in it (403)."""
    uid = v.check_id("userId", request.path_params["user_id"])
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    who.require_self(uid, "read the messages")
    if not em.store.is_participant(who.app_id, cid, uid):
        if not em.store.conversation_exists(who.app_id, cid):
            raise not_found(f"conversation {cid!r}")
        raise ForbiddenError(f"user {uid!r} is not a participant of conversation {cid!r}")
    return uid, cid


@endpoint
async def list_user_messages(request: Request, em: Emulator, who: Principal) -> Any:
    """Newest first, like the conversation's message list."""
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT) or DEFAULT_LIMIT
    uid, cid = require_viewer(request, em, who)
    return {"data": em.store.list_user_messages(who.app_id, uid, cid, limit, q.get("startingAfter") or None)}


@endpoint
async def get_user_message(request: Request, em: Emulator, who: Principal) -> Any:
    mid = v.check_id("messageId", request.path_params["message_id"])
    uid, cid = require_viewer(request, em, who)
    found = em.store.get_user_message(who.app_id, uid, cid, mid)
    if found is None:
        raise not_found(f"message {mid!r} in conversation {cid!r}")
    return found


routes = [
    Route("/users/{user_id}/conversations/{conversation_id}/messages", list_user_messages, methods=["GET"]),
    Route("/users/{user_id}/conversations/{conversation_id}/messages/{message_id}", get_user_message, methods=["GET"]),
]
