"""``/conversations`` routes: conversations, participants and read state."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .errors import ForbiddenError, InvalidError, not_found
from .instance import Emulator
from .principal import Principal
from .store import CONVERSATION_FIELDS
from .store.filters import parse_filter

DEFAULT_LIMIT = 10
MAX_LIMIT = 100  # TalkJS's own export example pages with limit=100


def require_participant(em: Emulator, who: Principal, cid: str, *, write: bool = False) -> None:
    """User tokens reach only conversations they take part in (403 otherwise; 404 if none).

    ``write``: the change needs ``ReadWrite`` access (read-only participants only read, and leave)."""
    if who.user_id is None:
        if not em.store.conversation_exists(who.app_id, cid):
            raise not_found(f"conversation {cid!r}")
        return
    if not em.store.is_participant(who.app_id, cid, who.user_id):
        if not em.store.conversation_exists(who.app_id, cid):
            raise not_found(f"conversation {cid!r}")
        raise ForbiddenError(f"user {who.user_id!r} is not a participant of conversation {cid!r}")
    if write and em.store.participant_access(who.app_id, cid, who.user_id) != "ReadWrite":
        raise ForbiddenError(f"user {who.user_id!r} has read-only access to conversation {cid!r}")


@endpoint
async def put_conversation(request: Request, em: Emulator, who: Principal) -> None:
    """Create or update; ``participants`` are merged in (use the participant routes to remove)."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    raw = await read_json(request, optional=True)
    body = dict(v.expect_object({} if raw is None else raw, "conversation"))
    v.take_path_id(body, cid, "conversation id")
    v.reject_unknown(body, (*CONVERSATION_FIELDS, "participants"), "conversation")
    v.opt_str(body, "subject", 10_000)
    v.opt_str(body, "photoUrl", 10_000)
    v.opt_str(body, "topicId", v.MAX_ID)
    v.opt_str_list(body, "welcomeMessages", 100, 10_000)
    v.opt_custom(body)
    participants = body.pop("participants", None) or []
    if not isinstance(participants, list):
        raise InvalidError("participants must be an array of user ids")
    participants = [v.check_id("participant id", p) for p in participants]
    if who.user_id is not None:
        exists = em.store.conversation_exists(who.app_id, cid)
        if exists:
            require_participant(em, who, cid, write=True)
            newcomers = [p for p in participants if not em.store.is_participant(who.app_id, cid, p)]
            if newcomers and not em.config.client_sync:
                raise ForbiddenError("adding participants needs the secret key or an app token on this app")
        elif not em.config.client_sync:
            raise ForbiddenError("creating conversations needs the secret key or an app token on this app")
        elif who.user_id not in participants:
            raise ForbiddenError(
                "a user token may only create a conversation it takes part in; add yourself to participants"
            )
    em.store.put_conversation(who.app_id, cid, body, participants, em.config.max_participants)


@endpoint
async def get_conversation(request: Request, em: Emulator, who: Principal) -> Any:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    require_participant(em, who, cid)
    conv = em.store.get_conversation(who.app_id, cid)
    if conv is None:
        raise not_found(f"conversation {cid!r}")
    return conv


@endpoint
async def list_conversations(request: Request, em: Emulator, who: Principal) -> Any:
    who.require_app("listing all conversations")
    q = request.query_params
    limit = v.query_int(q, "limit", default=DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT)
    before = v.query_int(q, "lastMessageBefore", lo=0)
    after = v.query_int(q, "lastMessageAfter", lo=0)
    condition = parse_filter(q.get("filter"), user_view=False)
    return {
        "data": em.store.list_conversations(
            who.app_id, limit or DEFAULT_LIMIT, q.get("startingAfter") or None, before, after, condition
        )
    }


@endpoint
async def delete_conversation(request: Request, em: Emulator, who: Principal) -> None:
    """Deletes the conversation, its messages and participations; cannot be undone."""
    who.require_app("deleting a conversation")
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    em.store.delete_conversation(who.app_id, cid)


async def _participant_body(request: Request, *, allow_none_access: bool) -> dict[str, Any]:
    raw = await read_json(request, optional=True)
    body = v.expect_object({} if raw is None else raw, "participant")
    v.reject_unknown(body, ("access", "notify"), "participant")
    out: dict[str, Any] = {}
    # null reads as "not given" (a PHP client sends "access": null for the default)
    if body.get("access") is not None:
        out["access"] = v.access_value(body["access"], allow_none=allow_none_access)
    if body.get("notify") is not None:
        out["notify"] = v.notify_value(body["notify"])
    return out


def _may_manage(em: Emulator, who: Principal, uid: str, what: str) -> None:
    """Participants may manage others' participation only with client-side syncing on."""
    if who.user_id is not None and who.user_id != uid and not em.config.client_sync:
        who.require_self(uid, what)


@endpoint
async def join(request: Request, em: Emulator, who: Principal) -> None:
    """Join (or overwrite settings): defaults ``access: ReadWrite``, ``notify: true``."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    body = await _participant_body(request, allow_none_access=False)
    if who.user_id is not None:
        require_participant(em, who, cid, write=True)
        if uid != who.user_id and not em.config.client_sync:
            raise ForbiddenError("adding participants needs the secret key or an app token on this app")
    em.store.join(
        who.app_id, cid, uid, body.get("access", "ReadWrite"), body.get("notify", True), em.config.max_participants
    )


@endpoint
async def modify(request: Request, em: Emulator, who: Principal) -> None:
    """Change only the given settings; ``access: "None"`` removes the participant."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    body = await _participant_body(request, allow_none_access=True)
    _may_manage(em, who, uid, "change the participation")
    require_participant(em, who, cid, write=True)
    em.store.modify_participant(who.app_id, cid, uid, body)


@endpoint
async def leave(request: Request, em: Emulator, who: Principal) -> None:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    _may_manage(em, who, uid, "remove the participation")
    if who.user_id is not None:
        require_participant(em, who, cid, write=uid != who.user_id)  # anyone may leave
    em.store.leave(who.app_id, cid, uid)


@endpoint
async def mark_read(request: Request, em: Emulator, who: Principal) -> None:
    """Mark the whole conversation read by ``user_id``."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    uid = v.check_id("userId", request.path_params["user_id"])
    who.require_self(uid, "mark conversations read")
    require_participant(em, who, cid)
    em.store.mark_read(who.app_id, cid, uid)


routes = [
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations/{conversation_id}", get_conversation, methods=["GET"]),
    Route("/conversations/{conversation_id}", put_conversation, methods=["PUT"]),
    Route("/conversations/{conversation_id}", delete_conversation, methods=["DELETE"]),
    Route("/conversations/{conversation_id}/participants/{user_id}", join, methods=["PUT"]),
    Route("/conversations/{conversation_id}/participants/{user_id}", modify, methods=["PATCH"]),
    Route("/conversations/{conversation_id}/participants/{user_id}", leave, methods=["DELETE"]),
    Route("/conversations/{conversation_id}/readBy/{user_id}", mark_read, methods=["POST"]),
]
