"""Request bodies of users and messages, checked and normalised, shared by the routes and seeds.

Every failure is an :class:`InvalidError` (or :class:`ForbiddenError` for what the caller may
not send) naming the bad value."""

from __future__ import annotations

import math
from typing import Any

from ..model.markup import parse_markup
from ..model.wire import text_node_to_wire
from . import validate as v
from .errors import ForbiddenError, InvalidError
from .principal import Principal
from .store import USER_FIELDS

LEGACY_ROLE_FIELD = "configuration"
"""The old name of ``role``, still sent by TalkJS's own PHP example."""


def check_user_body(raw: Any, user_id: str | None = None) -> dict[str, Any]:
    """Validate a user PUT body (all fields optional; ``null`` resets). ``user_id``: the id in the
    path (or batch key), which an ``id`` field may repeat."""
    body = dict(v.expect_object(raw, "user"))
    if user_id is not None:
        v.take_path_id(body, user_id, "user id")
    if LEGACY_ROLE_FIELD in body:
        legacy = body.pop(LEGACY_ROLE_FIELD)
        if "role" in body and body["role"] != legacy:
            raise InvalidError("role and its old name configuration differ; send role only")
        body["role"] = legacy
    v.reject_unknown(body, USER_FIELDS, "user")
    if "name" in body and (not isinstance(body["name"], str) or not body["name"].strip()):
        raise InvalidError("name must be a non-empty string")
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
            raise InvalidError("pushTokens must be an object or null")
        for key, value in tokens.items():
            if not (key.startswith("fcm:") or key.startswith("apns:")) or len(key) > 4096:
                raise InvalidError(f"pushTokens key {key[:40]!r} must look like 'fcm:<id>' or 'apns:<id>'")
            if value not in (True, None):
                raise InvalidError("pushTokens values must be true (register) or null (unregister)")
    return body


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
        raise InvalidError("text nodes are nested too deeply")
    if not isinstance(children, list):
        raise InvalidError("a text block's children must be an array")
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
                raise InvalidError(f"text node {node['type']!r} needs 'children' or 'text'")
        else:
            raise InvalidError("a text node is a string or an object with a 'type'")
    return "".join(out)


def _location(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and len(value) == 2:
        lat, lon = value
    elif isinstance(value, dict):
        lat, lon = value.get("latitude"), value.get("longitude")
    else:
        raise InvalidError("location must be [latitude, longitude]")
    for name, num, lim in (("latitude", lat, 90), ("longitude", lon, 180)):
        # compare before converting: an integer too big for a float must be a 400, not an OverflowError
        if isinstance(num, bool) or not isinstance(num, (int, float)) or not -lim <= num <= lim or math.isnan(num):
            raise InvalidError(f"{name} must be a number between -{lim} and {lim}")
    return {"type": "location", "latitude": float(lat), "longitude": float(lon)}


def check_content(blocks: Any, max_text: int) -> tuple[list[dict[str, Any]], str]:
    """Validate send-side content blocks; returns them normalised and their plain text."""
    if not isinstance(blocks, list) or not blocks:
        raise InvalidError("content must be a non-empty array of blocks")
    if len(blocks) > MAX_BLOCKS:
        raise InvalidError(f"at most {MAX_BLOCKS} content blocks per message")
    out, texts = [], []
    for block in blocks:
        if not isinstance(block, dict):
            raise InvalidError("each content block must be an object")
        kind = block.get("type")
        if kind == "text":
            texts.append(_check_nodes(block.get("children")))
            out.append({"type": "text", "children": block["children"]})
        elif kind == "file":
            token = block.get("fileToken")
            if not isinstance(token, str) or not token:
                raise InvalidError("a file block needs a fileToken string")
            out.append({"type": "file", "fileToken": token})
        elif kind == "location":
            out.append(_location(block))
        else:
            raise InvalidError(f"unknown content block type {kind!r}; use text, file or location")
    text = "\n".join(t for t in texts if t)
    if len(text) > max_text:
        raise InvalidError(f"message text is longer than {max_text} characters")
    return out, text


def markup_block(text: str, who: Principal) -> dict[str, Any]:
    """The text block of a message sent or edited as ``text``: TalkJS markup parsed into text nodes.

    App credentials get the full syntax, ``<URL|label>`` links and action links/buttons
    included; a user token the user subset, where those stay plain text (as the Data API does)."""
    nodes = parse_markup(text, formatted_links=who.is_app, actions=who.is_app)
    return {"type": "text", "children": [text_node_to_wire(n) for n in nodes]}


def check_message(item: Any, who: Principal, max_text: int) -> dict[str, Any]:
    """One message to send, normalised to ``{type, sender, text, content, custom, referencedMessageId}``."""
    item = v.expect_object(item, "message")
    v.reject_unknown(item, MESSAGE_FIELDS, "message")
    kind = item.get("type", "UserMessage")
    if kind not in ("UserMessage", "SystemMessage"):
        raise InvalidError("type must be UserMessage or SystemMessage")
    sender = item.get("sender")
    if kind == "SystemMessage":
        who.require_app("sending system messages")
        if sender is not None:
            raise InvalidError("a SystemMessage has no sender")
    else:
        if sender is None:
            if who.user_id is None:
                raise InvalidError("a UserMessage needs a sender")
            sender = who.user_id
        v.check_id("sender", sender)
        if who.user_id is not None and sender != who.user_id:
            raise ForbiddenError(f"a token for user {who.user_id!r} can only send as {who.user_id!r}")
    v.opt_custom(item)
    v.opt_str(item, "referencedMessageId", v.MAX_ID)
    if "content" in item:
        if any(k in item for k in ("text", "attachmentToken", "location")):
            raise InvalidError("send either content or text/attachmentToken/location, not both")
        content, text = check_content(item["content"], max_text)
    else:
        content, text = [], ""
        if "text" in item:
            if not isinstance(item["text"], str):
                raise InvalidError("text must be a string")
            if len(item["text"]) > max_text:
                raise InvalidError(f"text is longer than {max_text} characters")
            text = item["text"]
            if text:
                content.append(markup_block(text, who))
        if item.get("attachmentToken") is not None:
            if not isinstance(item["attachmentToken"], str) or not item["attachmentToken"]:
                raise InvalidError("attachmentToken must be a non-empty string")
            content.append({"type": "file", "fileToken": item["attachmentToken"]})
        if item.get("location") is not None:
            content.append(_location(item["location"]))
        if not content:
            raise InvalidError("a message needs text, content, an attachmentToken or a location")
    return {
        "type": kind,
        "sender": sender,
        "text": text,
        "content": content,
        "custom": item.get("custom"),
        "referencedMessageId": item.get("referencedMessageId"),
    }
