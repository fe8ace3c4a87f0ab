"""``POST /import/conversations/{id}/messages``: history from another chat system (TalkJS's import API).

Items are TalkJS's import messages: ``sender``, ``text``, ``timestamp`` (Unix ms, the original
time), ``readBy`` (who had read it), ``type`` (``"UserMessage"`` only), and optionally
``attachmentToken`` and ``custom``. At most 10 per request, all or nothing; the answer is one
``{"id"}`` per message, in order, like a normal send.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import validate as v
from ._http import endpoint, read_json
from .bodies import check_message
from .errors import InvalidError
from .instance import Emulator
from .principal import Principal

IMPORT_FIELDS = ("text", "sender", "type", "timestamp", "readBy", "attachmentToken", "custom")
MAX_TIMESTAMP = 253_402_300_799_999
"""The last millisecond of the year 9999: later times are typos, not history."""


def check_import_item(raw: Any, who: Principal, max_text: int) -> tuple[dict[str, Any], int, list[str]]:
    """One import item: the message to store, its timestamp and its readers."""
    item = dict(v.expect_object(raw, "imported message"))
    v.reject_unknown(item, IMPORT_FIELDS, "imported message")
    if item.get("type", "UserMessage") != "UserMessage":
        raise InvalidError("only UserMessages can be imported (TalkJS imports no system messages)")
    if "sender" not in item:
        raise InvalidError("an imported message needs a sender")
    timestamp = item.pop("timestamp", None)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise InvalidError("an imported message needs a timestamp: its original time in Unix milliseconds")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidError(f"timestamp must be between 0 and {MAX_TIMESTAMP} (Unix milliseconds), got {timestamp}")
    readers = item.pop("readBy", None)
    if readers is None:
        readers = []
    if not isinstance(readers, list):
        raise InvalidError("readBy must be an array of user ids")
    readers = [v.check_id("readBy entry", uid) for uid in readers]
    return check_message(item, who, max_text), timestamp, readers


@endpoint
async def import_messages(request: Request, em: Emulator, who: Principal) -> Any:
    """Import up to 10 messages with their original times; no webhooks, no live events."""
    who.require_app("importing messages")
    cid = v.check_id("conversationId", request.path_params["conversation_id"])
    body = await read_json(request)
    if not isinstance(body, list) or not body:
        raise InvalidError("the body must be a non-empty array of messages")
    if len(body) > em.config.max_messages_per_post:
        raise InvalidError(f"at most {em.config.max_messages_per_post} messages per request, got {len(body)}")
    checked = [check_import_item(item, who, em.config.max_text_length) for item in body]
    ids = em.store.import_messages(
        who.app_id, cid, [c[0] for c in checked], [c[1] for c in checked], [c[2] for c in checked]
    )
    return JSONResponse([{"id": mid} for mid in ids])


routes = [Route("/import/conversations/{conversation_id}/messages", import_messages, methods=["POST"])]
