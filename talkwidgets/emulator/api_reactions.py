"""Reactions to messages: ``PUT``/``DELETE …/messages/{mid}/reactions/{emoji}/{userId}`` and the
list of who reacted with one emoji. An emulator extension (TalkJS documents no REST route)."""

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
from .reaction_emoji import normalise_reaction

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def _target(request: Request, em: Emulator, who: Principal) -> tuple[str, str, str]:
    """Conversation, message and normalised emoji of the path, once the caller may see them."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    mid = v.check_id("messageId", request.path_params["message_id"])
    emoji = normalise_reaction(request.path_params["emoji"])
    require_participant(em, who, cid)
    if em.store.get_message(who.app_id, cid, mid) is None:
        raise not_found(f"message {mid!r} in conversation {cid!r}")
    return cid, mid, emoji


@endpoint
async def add_reaction(request: Request, em: Emulator, who: Principal) -> None:
    """Idempotent; the user must be a participant (any access)."""
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "add reactions")
    cid, mid, emoji = _target(request, em, who)
    em.store.add_reaction(who.app_id, cid, mid, emoji, uid)


@endpoint
async def remove_reaction(request: Request, em: Emulator, who: Principal) -> None:
    """Idempotent, like adding."""
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "remove reactions")
    cid, mid, emoji = _target(request, em, who)
    em.store.remove_reaction(who.app_id, cid, mid, emoji, uid)


@endpoint
async def list_reactions(request: Request, em: Emulator, who: Principal) -> Any:
    """Who reacted with one emoji, oldest first; ``startingAfter`` is a user id."""
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT) or DEFAULT_LIMIT
    _, mid, emoji = _target(request, em, who)
    return {"data": em.store.list_reactions(who.app_id, mid, emoji, limit, q.get("startingAfter") or None)}


_BASE = "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}"
routes = [
    Route(_BASE, list_reactions, methods=["GET"]),
    Route(_BASE + "/{user_id}", add_reaction, methods=["PUT"]),
    Route(_BASE + "/{user_id}", remove_reaction, methods=["DELETE"]),
]
