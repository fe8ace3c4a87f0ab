"""``/users`` routes: create/update with PATCH semantics, read, list, batch, a user's conversations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .auth import Principal
from .errors import ApiError, bad_request, forbidden, not_found
from .store import USER_FIELDS

if TYPE_CHECKING:
    from .app import Emulator

CONVERSATIONS_MAX_LIMIT = 30
DEFAULT_LIMIT = 10


def check_user_body(body: Any) -> dict[str, Any]:
    """Validate a user PUT body (all fields optional; ``null`` resets)."""
    body = v.expect_object(body, "user")
    v.reject_unknown(body, USER_FIELDS, "user")
    if "name" in body and (not isinstance(body["name"], str) or not body["name"].strip()):
        raise bad_request("name must be a non-empty string")
    v.opt_str(body, "name")
    for key in ("welcomeMessage", "photoUrl", "headerPhotoUrl", "availabilityText"):
        v.opt_str(body, key, 10_000)
    v.opt_str(body, "role", v.MAX_ID)
    v.opt_str(body, "locale", 64)
    v.opt_str_list(body, "email")
    v.opt_str_list(body, "phone")
    v.opt_custom(body)
    tokens = body.get("pushTokens")
    if tokens is not None:
        if not isinstance(tokens, dict):
            raise bad_request("pushTokens must be an object or null")
        for key, value in tokens.items():
            if not (key.startswith("fcm:") or key.startswith("apns:")) or len(key) > 4096:
                raise bad_request(f"pushTokens key {key[:40]!r} must look like 'fcm:<id>' or 'apns:<id>'")
            if value not in (True, None):
                raise bad_request("pushTokens values must be true (register) or null (unregister)")
    return body


def _may_write_user(em: Emulator, who: Principal, user_id: str) -> None:
    if who.is_app or who.user_id == user_id:
        return
    if em.config.client_sync and not em.store.user_exists(who.app_id, user_id):
        return  # client-side syncing: a user may create other users, not change them
    raise forbidden(f"a token for user {who.user_id!r} cannot change user {user_id!r}")


@endpoint
async def put_user(request: Request, em: Emulator, who: Principal) -> None:
    """Create or update a user; PUT works like PATCH."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    body = check_user_body(await read_json(request))
    _may_write_user(em, who, user_id)
    em.store.put_user(who.app_id, user_id, body)


PRIVATE_USER_FIELDS = ("email", "phone", "pushTokens")


@endpoint
async def get_user(request: Request, em: Emulator, who: Principal) -> Any:
    """A user. Other users' tokens see the public profile only (no email, phone or push tokens).

    Profiles are app-wide like in TalkJS's Data API (``session.user(id).get()`` works for anyone),
    so a client can show a sender or invitee before sharing a conversation with them."""
    user_id = v.check_id("userId", request.path_params["user_id"])
    user = em.store.get_user(who.app_id, user_id)
    if user is None:
        raise not_found(f"user {user_id!r}")
    if who.user_id is not None and who.user_id != user_id:
        for key in PRIVATE_USER_FIELDS:
            user[key] = None
    return user


@endpoint
async def list_users(request: Request, em: Emulator, who: Principal) -> Any:
    who.require_app("listing all users")
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=100)
    after = q.get("startingAfter") or None
    return {"data": em.store.list_users(who.app_id, limit or DEFAULT_LIMIT, after)}


@endpoint
async def batch_put_users(request: Request, em: Emulator, who: Principal) -> None:
    """Up to 100 users in one call, all or nothing: one invalid entry and none is applied."""
    who.require_app("batch user updates")
    body = v.expect_object(await read_json(request), "batch body")
    if not body:
        raise bad_request("batch body must name at least one user")
    if len(body) > em.config.max_batch_users:
        raise bad_request(f"at most {em.config.max_batch_users} users per batch, got {len(body)}")
    errors: dict[str, str] = {}
    for user_id, user in body.items():
        try:
            v.check_id("userId", user_id)
            check_user_body(user)
            if not em.store.user_exists(who.app_id, user_id) and not user.get("name"):
                raise bad_request(f"user {user_id!r} does not exist yet, so 'name' is required")
        except ApiError as exc:
            errors[user_id] = "; ".join(exc.reasons)
    if errors:
        err = bad_request(*(f"{uid}: {why}" for uid, why in errors.items()))
        err.error_code = "BATCH_INVALID"
        raise err
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
    if not em.store.user_exists(who.app_id, user_id):
        raise not_found(f"user {user_id!r}")
    data = em.store.list_user_conversations(
        who.app_id, user_id, limit or DEFAULT_LIMIT, q.get("startingAfter") or None, unreads, before, after
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
