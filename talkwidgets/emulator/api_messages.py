"""``/conversations/{id}/messages`` routes: send (≤10 at once), list, read, edit, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .api_conversations import require_participant
from .bodies import check_content, check_message, markup_block
from .errors import ForbiddenError, InvalidError, not_found
from .instance import Emulator
from .principal import Principal


@endpoint
async def send_messages(request: Request, em: Emulator, who: Principal) -> Any:
    """Send an array of at most 10 messages, stored in order, all or nothing."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    body = await read_json(request)
    if not isinstance(body, list) or not body:
        raise InvalidError("the body must be a non-empty array of messages")
    if len(body) > em.config.max_messages_per_post:
        raise InvalidError(f"at most {em.config.max_messages_per_post} messages per request, got {len(body)}")
    items = [check_message(item, who, em.config.max_text_length) for item in body]
    require_participant(em, who, cid, write=True)
    ids = em.store.send_messages(who.app_id, cid, items, origin="web" if who.user_id else "rest")
    return JSONResponse([{"id": mid} for mid in ids])  # TalkJS answers one {"id"} per message, in order


@endpoint
async def list_messages(request: Request, em: Emulator, who: Principal) -> Any:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    require_participant(em, who, cid)
    q = request.query_params
    limit = v.query_int(q, "limit", default=10, lo=1, hi=100)
    return {"data": em.store.list_messages(who.app_id, cid, limit or 10, q.get("startingAfter") or None)}


@endpoint
async def get_message(request: Request, em: Emulator, who: Principal) -> Any:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    mid = v.check_id("messageId", request.path_params["message_id"])
    require_participant(em, who, cid)
    msg = em.store.get_message(who.app_id, cid, mid)
    if msg is None:
        raise not_found(f"message {mid!r} in conversation {cid!r}")
    return msg


def _own_message(em: Emulator, who: Principal, cid: str, mid: str, what: str) -> None:
    require_participant(em, who, cid, write=True)
    msg = em.store.get_message(who.app_id, cid, mid)
    if msg is None:
        raise not_found(f"message {mid!r} in conversation {cid!r}")
    if who.user_id is not None and msg["senderId"] != who.user_id:
        raise ForbiddenError(f"user {who.user_id!r} can only {what} their own messages")


@endpoint
async def edit_message(request: Request, em: Emulator, who: Principal) -> None:
    """Edit text, content or custom (PUT and PATCH both patch)."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    mid = v.check_id("messageId", request.path_params["message_id"])
    body = v.expect_object(await read_json(request), "message edit")
    v.reject_unknown(body, ("text", "content", "custom"), "message edit")
    if not body:
        raise InvalidError("nothing to edit: give text, content or custom")
    patch: dict[str, Any] = {}
    if "content" in body:
        if "text" in body:
            raise InvalidError("edit either content or text, not both")
        patch["content"], patch["text"] = check_content(body["content"], em.config.max_text_length)
    elif "text" in body:
        if not isinstance(body["text"], str) or not body["text"]:
            raise InvalidError("text must be a non-empty string")
        if len(body["text"]) > em.config.max_text_length:
            raise InvalidError(f"text is longer than {em.config.max_text_length} characters")
        patch["text"] = body["text"]
        patch["textBlock"] = markup_block(body["text"], who)
    if "custom" in body:
        v.opt_custom(body)
        patch["custom"] = body["custom"]
    _own_message(em, who, cid, mid, "edit")
    em.store.edit_message(who.app_id, cid, mid, patch)


@endpoint
async def delete_message(request: Request, em: Emulator, who: Principal) -> None:
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    mid = v.check_id("messageId", request.path_params["message_id"])
    _own_message(em, who, cid, mid, "delete")
    em.store.delete_message(who.app_id, cid, mid)


routes = [
    Route("/conversations/{conversation_id}/messages", send_messages, methods=["POST"]),
    Route("/conversations/{conversation_id}/messages", list_messages, methods=["GET"]),
    Route("/conversations/{conversation_id}/messages/{message_id}", get_message, methods=["GET"]),
    Route("/conversations/{conversation_id}/messages/{message_id}", edit_message, methods=["PUT", "PATCH"]),
    Route("/conversations/{conversation_id}/messages/{message_id}", delete_message, methods=["DELETE"]),
]
