"""``/conversations/{id}/messages`` routes: send (≤10 at once), list, read, edit, delete."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .api_conversations import require_participant
from .auth import Principal
from .errors import bad_request, forbidden, not_found

if TYPE_CHECKING:
    from .app import Emulator

MESSAGE_FIELDS = (
    "text",
    "sender",
    "type",
    "custom",
    "referencedMessageId",
    "attachmentToken",
    "location",
    "content",
    "idempotencyKey",
)
MAX_BLOCKS = 10
MAX_NODE_DEPTH = 20


def _check_nodes(children: Any, depth: int = 0) -> str:
    """Validate text nodes and return their plain text."""
    if depth > MAX_NODE_DEPTH:
        raise bad_request("text nodes are nested too deeply")
    if not isinstance(children, list):
        raise bad_request("a text block's children must be an array")
    out = []
    for node in children:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict) and isinstance(node.get("type"), str):
            if "children" in node:
                out.append(_check_nodes(node["children"], depth + 1))
            elif isinstance(node.get("text"), str):
                out.append(node["text"])
            else:
                raise bad_request(f"text node {node['type']!r} needs 'children' or 'text'")
        else:
            raise bad_request("a text node is a string or an object with a 'type'")
    return "".join(out)


def _location(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and len(value) == 2:
        lat, lon = value
    elif isinstance(value, dict):
        lat, lon = value.get("latitude"), value.get("longitude")
    else:
        raise bad_request("location must be [latitude, longitude]")
    for name, num, lim in (("latitude", lat, 90), ("longitude", lon, 180)):
        if isinstance(num, bool) or not isinstance(num, (int, float)) or not math.isfinite(num) or abs(num) > lim:
            raise bad_request(f"{name} must be a number between -{lim} and {lim}")
    return {"type": "location", "latitude": float(lat), "longitude": float(lon)}


def check_content(blocks: Any, max_text: int) -> tuple[list[dict[str, Any]], str]:
    """Validate send-side content blocks; returns them normalised and their plain text."""
    if not isinstance(blocks, list) or not blocks:
        raise bad_request("content must be a non-empty array of blocks")
    if len(blocks) > MAX_BLOCKS:
        raise bad_request(f"at most {MAX_BLOCKS} content blocks per message")
    out, texts = [], []
    for block in blocks:
        if not isinstance(block, dict):
            raise bad_request("each content block must be an object")
        kind = block.get("type")
        if kind == "text":
            texts.append(_check_nodes(block.get("children")))
            out.append({"type": "text", "children": block["children"]})
        elif kind == "file":
            token = block.get("fileToken")
            if not isinstance(token, str) or not token:
                raise bad_request("a file block needs a fileToken string")
            out.append({"type": "file", "fileToken": token})
        elif kind == "location":
            out.append(_location(block))
        else:
            raise bad_request(f"unknown content block type {kind!r}; use text, file or location")
    text = "\n".join(t for t in texts if t)
    if len(text) > max_text:
        raise bad_request(f"message text is longer than {max_text} characters")
    return out, text


def check_message(item: Any, who: Principal, max_text: int) -> dict[str, Any]:
    """One message to send, normalised to ``{type, sender, text, content, custom, referencedMessageId}``."""
    item = v.expect_object(item, "message")
    v.reject_unknown(item, MESSAGE_FIELDS, "message")
    kind = item.get("type", "UserMessage")
    if kind not in ("UserMessage", "SystemMessage"):
        raise bad_request("type must be UserMessage or SystemMessage")
    sender = item.get("sender")
    if kind == "SystemMessage":
        who.require_app("sending system messages")
        if sender is not None:
            raise bad_request("a SystemMessage has no sender")
    else:
        if sender is None:
            if who.user_id is None:
                raise bad_request("a UserMessage needs a sender")
            sender = who.user_id
        v.check_id("sender", sender)
        if who.user_id is not None and sender != who.user_id:
            raise forbidden(f"a token for user {who.user_id!r} can only send as {who.user_id!r}")
    v.opt_custom(item)
    v.opt_str(item, "referencedMessageId", v.MAX_ID)
    if "content" in item:
        if any(k in item for k in ("text", "attachmentToken", "location")):
            raise bad_request("send either content or text/attachmentToken/location, not both")
        content, text = check_content(item["content"], max_text)
    else:
        content, text = [], ""
        if "text" in item:
            if not isinstance(item["text"], str):
                raise bad_request("text must be a string")
            if len(item["text"]) > max_text:
                raise bad_request(f"text is longer than {max_text} characters")
            text = item["text"]
            if text:
                content.append({"type": "text", "children": [text]})
        if item.get("attachmentToken") is not None:
            if not isinstance(item["attachmentToken"], str) or not item["attachmentToken"]:
                raise bad_request("attachmentToken must be a non-empty string")
            content.append({"type": "file", "fileToken": item["attachmentToken"]})
        if item.get("location") is not None:
            content.append(_location(item["location"]))
        if not content:
            raise bad_request("a message needs text, content, an attachmentToken or a location")
    return {
        "type": kind,
        "sender": sender,
        "text": text,
        "content": content,
        "custom": item.get("custom"),
        "referencedMessageId": item.get("referencedMessageId"),
    }


@endpoint
async def send_messages(request: Request, em: Emulator, who: Principal) -> Any:
    """Send an array of at most 10 messages, stored in order, all or nothing."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    body = await read_json(request)
    if not isinstance(body, list) or not body:
        raise bad_request("the body must be a non-empty array of messages")
    if len(body) > em.config.max_messages_per_post:
        raise bad_request(f"at most {em.config.max_messages_per_post} messages per request, got {len(body)}")
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
        raise forbidden(f"user {who.user_id!r} can only {what} their own messages")


@endpoint
async def edit_message(request: Request, em: Emulator, who: Principal) -> None:
    """Edit text, content or custom (PUT and PATCH both patch)."""
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    mid = v.check_id("messageId", request.path_params["message_id"])
    body = v.expect_object(await read_json(request), "message edit")
    v.reject_unknown(body, ("text", "content", "custom"), "message edit")
    if not body:
        raise bad_request("nothing to edit: give text, content or custom")
    patch: dict[str, Any] = {}
    if "content" in body:
        if "text" in body:
            raise bad_request("edit either content or text, not both")
        patch["content"], patch["text"] = check_content(body["content"], em.config.max_text_length)
    elif "text" in body:
        if not isinstance(body["text"], str) or not body["text"]:
            raise bad_request("text must be a non-empty string")
        if len(body["text"]) > em.config.max_text_length:
            raise bad_request(f"text is longer than {em.config.max_text_length} characters")
        patch["text"] = body["text"]
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
