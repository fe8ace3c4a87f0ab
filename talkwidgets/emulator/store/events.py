"""What a committed change publishes: live-feed events (persisted) and webhooks (sent after commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

JSON = dict[str, Any]


@dataclass(slots=True)
class FeedEvent:
    """A persisted live-feed event; ``audience`` is None for app-wide-only (admin) events."""

    app_id: str
    seq: int
    type: str
    conversation_id: str | None
    audience: list[str] | None
    ts: int
    data: JSON
    encoded: bytes | None = field(default=None, repr=False, compare=False)
    """The frame as UTF-8 JSON, filled by :meth:`payload` on first use."""

    def payload(self) -> bytes:
        """The frame as UTF-8 JSON, encoded once however many connections send it."""
        if self.encoded is None:
            self.encoded = orjson.dumps(self.frame())
        return self.encoded

    def frame(self) -> JSON:
        return {
            "op": "event",
            "seq": self.seq,
            "type": self.type,
            "ts": self.ts,
            "conversationId": self.conversation_id,
            "data": self.data,
        }

    def visible_to(self, user_id: str | None) -> bool:
        return user_id is None or (self.audience is not None and user_id in self.audience)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook to deliver once its transaction has committed."""

    app_id: str
    type: str
    data: JSON


@dataclass(slots=True)
class Changes:
    """What one transaction emitted: feed events (persisted) and webhooks (to send after commit)."""

    events: list[FeedEvent] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
