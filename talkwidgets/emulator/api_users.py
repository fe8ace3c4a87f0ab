"""``/users`` routes: create/update with PATCH semantics, read, list, batch, a user's conversations."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .bodies import check_user_body
from .errors import EmulatorError, ForbiddenError, InvalidError, not_found
from .instance import Emulator
from .principal import Principal, user_as_seen_by
from .store.filters import parse_filter
from .store.rules import require_name_for_new_user

CONVERSATIONS_MAX_LIMIT = 100  # TalkJS's own export example pages with limit=100
DEFAULT_LIMIT = 10


def _may_write_user(em: Emulator, who: Principal, user_id: str) -> None:
    if who.is_app or who.user_id == user_id:
        return
    if em.config.client_sync and not em.store.user_exists(who.app_id, user_id):
        return  # client-side syncing: a user may create other users, not change them
    raise ForbiddenError(f"a token for user {who.user_id!r} cannot change user {user_id!r}")


@endpoint
async def put_user(request: Request, em: Emulator, who: Principal) -> None:
    """Create or update a user; PUT works like PATCH."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    raw = await read_json(request, optional=True)
    body = check_user_body({} if raw is None else raw, user_id)
    _may_write_user(em, who, user_id)
    em.store.put_user(who.app_id, user_id, body)


@endpoint
async def get_user(request: Request, em: Emulator, who: Principal) -> Any:
    """A user. Other users' tokens see the public profile only (no email, phone or push tokens).

    Profiles are app-wide like in TalkJS's Data API (``session.user(id).get()`` works for anyone),
    so a client can show a sender or invitee before sharing a conversation with them."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    user = em.store.get_user(who.app_id, user_id)
    if user is None:
        raise not_found(f"user {user_id!r}")
    return user_as_seen_by(user, who.user_id)


@endpoint
async def list_users(request: Request, em: Emulator, who: Principal) -> Any:
    who.require_app("listing all users")
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=100)
    after = q.get("startingAfter") or None
    online = q.get("isOnline") or None
    if online not in (None, "true", "false"):
        raise InvalidError(f"isOnline must be true or false, got {online!r}")
    only = None if online is None else (em.presence.online_users(who.app_id), online == "true")
    return {"data": em.store.list_users(who.app_id, limit or DEFAULT_LIMIT, after, only)}


@endpoint
async def batch_put_users(request: Request, em: Emulator, who: Principal) -> None:
    """Up to 100 users in one call, all or nothing: one invalid entry and none is applied."""
    who.require_app("batch user updates")
    body = v.expect_object(await read_json(request), "batch body")
    if not body:
        raise InvalidError("batch body must name at least one user")
    if len(body) > em.config.max_batch_users:
        raise InvalidError(f"at most {em.config.max_batch_users} users per batch, got {len(body)}")
    errors: dict[str, str] = {}
    for user_id, user in body.items():
        try:
            v.check_id("userId", user_id)
            body[user_id] = user = check_user_body(user, user_id)
            if not em.store.user_exists(who.app_id, user_id):
                require_name_for_new_user(user_id, user)
        except EmulatorError as exc:
            errors[user_id] = "; ".join(exc.reasons)
    if errors:
        raise InvalidError(*(f"{uid}: {why}" for uid, why in errors.items()), code="BATCH_INVALID")
    with em.store.transaction():
        for user_id, user in body.items():
            em.store.put_user(who.app_id, user_id, user)


@endpoint
async def list_user_conversations(request: Request, em: Emulator, who: Principal) -> Any:
    """A user's conversations, most recent activity first, with the user's own fields added."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    who.require_self(user_id, "list the conversations")
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=CONVERSATIONS_MAX_LIMIT)
    before = v.query_int(q, "lastMessageBefore", lo=0)
    after = v.query_int(q, "lastMessageAfter", lo=0)
    unreads = v.query_bool(q, "unreadsOnly")
    condition = parse_filter(q.get("filter"), user_view=True)
    if not em.store.user_exists(who.app_id, user_id):
        raise not_found(f"user {user_id!r}")
    data = em.store.list_user_conversations(
        who.app_id, user_id, limit or DEFAULT_LIMIT, q.get("startingAfter") or None, unreads, before, after, condition
    )
    return {"data": data}


@endpoint
async def get_user_conversation(request: Request, em: Emulator, who: Principal) -> Any:
    """One conversation as ``user_id`` sees it (unread count, readUntil...); 404 when not a participant."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    who.require_self(user_id, "read the conversations")
    conv = em.store.get_user_conversation(who.app_id, user_id, cid)
    if conv is None:
        raise not_found(f"conversation {cid!r} for user {user_id!r}")
    return conv


routes = [
    Route("/users", list_users, methods=["GET"]),
    Route("/users", batch_put_users, methods=["PUT"]),
    Route("/users/{user_id}", get_user, methods=["GET"]),
    Route("/users/{user_id}", put_user, methods=["PUT"]),
    Route("/users/{user_id}/conversations", list_user_conversations, methods=["GET"]),
    Route("/users/{user_id}/conversations/{conversation_id}", get_user_conversation, methods=["GET"]),
]
