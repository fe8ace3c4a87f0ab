"""Participant lists and the manual unread flag: ``GET …/participants``, ``POST …/unreadBy/{userId}``.

The participant changes themselves (join, modify, leave, mark read) are in ``api_conversations``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint
from .api_conversations import require_participant
from .errors import not_found
from .instance import Emulator
from .principal import Principal

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


@endpoint
async def list_participants(request: Request, em: Emulator, who: Principal) -> Any:
    """Most recently joined first (ties: user id descending); ``startingAfter`` is a user id."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT) or DEFAULT_LIMIT
    after = q.get("startingAfter") or None
    require_participant(em, who, cid)
    return {"data": em.store.list_participants(who.app_id, cid, limit, after)}


@endpoint
async def get_participant(request: Request, em: Emulator, who: Principal) -> Any:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    require_participant(em, who, cid)
    found = em.store.get_participant(who.app_id, cid, uid)
    if found is None:
        raise not_found(f"participant {uid!r} in conversation {cid!r}")
    return found


@endpoint
async def mark_unread(request: Request, em: Emulator, who: Principal) -> None:
    """The user marks the conversation unread; ``POST …/readBy/{userId}`` clears it."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "mark conversations unread")
    require_participant(em, who, cid)
    em.store.mark_unread(who.app_id, cid, uid)


routes = [
    Route("/conversations/{conversation_id}/participants", list_participants, methods=["GET"]),
    Route("/conversations/{conversation_id}/participants/{user_id}", get_participant, methods=["GET"]),
    Route("/conversations/{conversation_id}/unreadBy/{user_id}", mark_unread, methods=["POST"]),
]
