"""Typing indicators and online status: ``POST …/typing/{userId}``, ``GET …/typing``,
``GET /users/{userId}/presence`` and ``/sessions``. Emulator extensions: TalkJS documents no
REST routes for them. ``GET /users?isOnline=`` is in ``api_users``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint
from .api_conversations import require_participant
from .errors import ForbiddenError, not_found
from .instance import Emulator
from .principal import Principal


@endpoint
async def mark_typing(request: Request, em: Emulator, who: Principal) -> None:
    """The user types for the next 10 s (again: extends it); needs ``ReadWrite`` access."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "mark typing")
    require_participant(em, who, cid, write=True)
    access = em.store.participant_access(who.app_id, cid, uid)
    if access is None:
        raise ForbiddenError(f"user {uid!r} is not a participant of conversation {cid!r}")
    if access != "ReadWrite":
        raise ForbiddenError(f"user {uid!r} has read-only access to conversation {cid!r}")
    em.typing.mark(who.app_id, cid, uid)


@endpoint
async def list_typing(request: Request, em: Emulator, who: Principal) -> Any:
    """Who types now, the longest typist first."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    require_participant(em, who, cid)
    return {"data": em.typing.current(who.app_id, cid)}


def _existing_user(request: Request, em: Emulator, who: Principal) -> str:
    uid = v.check_id("userId", request.path_params["user_id"])
    if not em.store.user_exists(who.app_id, uid):
        raise not_found(f"user {uid!r}")
    return uid


@endpoint
async def get_presence(request: Request, em: Emulator, who: Principal) -> Any:
    """Anyone of the app may ask (as anyone may read a user's profile)."""
    uid = _existing_user(request, em, who)
    return {"isOnline": em.presence.is_online(who.app_id, uid)}


@endpoint
async def list_sessions(request: Request, em: Emulator, who: Principal) -> Any:
    """The user's live-feed connections; only the user themselves (or the app) may list them."""
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "list the sessions")
    _existing_user(request, em, who)
    return {"data": em.presence.sessions(who.app_id, uid)}


routes = [
    Route("/conversations/{conversation_id}/typing", list_typing, methods=["GET"]),
    Route("/conversations/{conversation_id}/typing/{user_id}", mark_typing, methods=["POST"]),
    Route("/users/{user_id}/presence", get_presence, methods=["GET"]),
    Route("/users/{user_id}/sessions", list_sessions, methods=["GET"]),
]
