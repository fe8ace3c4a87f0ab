"""What a committed change publishes: live-feed events (persisted) and webhooks (sent after commit)."""

from __future__ import annotations

from collections.abc import Callable
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
    views: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    """Other encodings of the frame, by view (:meth:`payload_as`)."""

    def payload(self) -> bytes:
        """The frame as UTF-8 JSON, encoded once however many connections send it."""
        if self.encoded is None:
            self.encoded = orjson.dumps(self.frame())
        return self.encoded

    def payload_as(self, view: str, data: Callable[[JSON], JSON]) -> bytes:
        """The frame with its data as one kind of reader sees it (``data`` makes that view from the
        stored data), encoded once per ``view`` name however many connections send it."""
        found = self.views.get(view)
        if found is None:
            found = self.views[view] = orjson.dumps({**self.frame(), "data": data(self.data)})
        return found

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
