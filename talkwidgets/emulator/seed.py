"""Load users, conversations and messages from a JSON seed file, without firing webhooks.

Format::

    {"users": {"alice": {"name": "Alice"}, ...},
     "conversations": {"c1": {"subject": "Hi", "participants": ["alice", "bob"]}, ...},
     "messages": {"c1": [{"sender": "alice", "text": "hello", "createdAt": 1764288000000}, ...]}}

``createdAt`` (Unix ms) is optional and lets a seed show a realistic history. Loading a seed
again (``talkwidgets serve --db chat.sqlite3 --seed demo.json`` twice) changes nothing: users and
conversations are updated in place, and a conversation's messages are loaded only while it has none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import validate as v
from .bodies import check_message, check_user_body
from .errors import EmulatorError, InvalidError
from .json_input import parse_json
from .principal import Principal
from .store import CONVERSATION_FIELDS, Store


def load_seed(
    store: Store, app_id: str, seed: dict[str, Any] | str | Path, *, max_text: int = 10_000
) -> dict[str, int]:
    """Apply a seed in one transaction (all or nothing); returns how many of each were loaded."""
    if not isinstance(seed, dict):
        try:
            seed = parse_json(Path(seed).read_bytes(), "seed file")
        except OSError as exc:
            raise ValueError(f"cannot read seed file: {exc}") from None
        except InvalidError as exc:
            raise ValueError(f"cannot read seed file: {'; '.join(exc.reasons)}") from None
    if not isinstance(seed, dict):
        raise ValueError("a seed file holds a JSON object with users, conversations and messages")
    unknown = set(seed) - {"users", "conversations", "messages"}
    if unknown:
        raise ValueError(f"unknown seed section(s): {', '.join(sorted(unknown))}")
    admin = Principal(app_id=app_id, kind="secret")
    counts = {"users": 0, "conversations": 0, "messages": 0}  # messages: only those newly stored
    try:
        with store.transaction():
            for uid, body in (seed.get("users") or {}).items():
                store.put_user(app_id, v.check_id("userId", uid), check_user_body(body, uid), fire_webhooks=False)
                counts["users"] += 1
            for cid, body in (seed.get("conversations") or {}).items():
                body = dict(v.expect_object(body, f"conversation {cid}"))
                participants = body.pop("participants", [])
                v.take_path_id(body, cid, "conversation id")
                v.reject_unknown(body, CONVERSATION_FIELDS, f"conversation {cid}")
                store.put_conversation(
                    app_id,
                    v.check_id("conversationId", cid),
                    body,
                    [v.check_id("participant", p) for p in participants],
                    10_000,
                )
                counts["conversations"] += 1
            for cid, items in (seed.get("messages") or {}).items():
                if not isinstance(items, list):
                    raise InvalidError(f"messages of {cid} must be an array")
                if store.conversation_exists(app_id, cid) and store.list_messages(app_id, cid, 1, None):
                    continue  # seeded before: a second load must not duplicate the history
                stamps = [item.pop("createdAt", None) if isinstance(item, dict) else None for item in items]
                checked = [check_message(item, admin, max_text) for item in items]
                for i in range(0, len(checked), 10):
                    store.send_messages(
                        app_id,
                        cid,
                        checked[i : i + 10],
                        origin="import",
                        fire_webhooks=False,
                        created_at=stamps[i : i + 10],
                    )
                counts["messages"] += len(checked)
    except EmulatorError as exc:
        raise ValueError(f"invalid seed: {'; '.join(exc.reasons)}") from None
    return counts
