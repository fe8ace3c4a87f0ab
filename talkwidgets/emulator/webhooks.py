"""Webhook delivery, signed as TalkJS signs them, with one retry after a failure."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.auth import sign_webhook
from .clock import now_ms
from .store import Store

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("talkwidgets.emulator.webhooks")


@dataclass(slots=True)
class Delivery:
    """One attempt, kept for inspection (newest last)."""

    event_id: str
    type: str
    url: str
    attempt: int
    status: int | None
    error: str | None


class WebhookSender:
    """Posts ``{id, createdAt, type, data}`` with ``X-TalkJS-Timestamp``/``X-TalkJS-Signature``."""

    def __init__(self, store: Store, timeout: float = 5.0, retry_delay: float = 1.0) -> None:
        self.store = store
        self.timeout = timeout
        self.retry_delay = retry_delay
        self.deliveries: list[Delivery] = []
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, app_id: str, type_: str, data: dict[str, Any]) -> None:
        """Schedule delivery if the app has a webhook URL (call on the server's loop)."""
        app = self.store.app(app_id)
        if app is None or not app["webhook_url"]:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(app["webhook_url"], app["secret_key"], type_, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, secret_key: str, type_: str, data: dict[str, Any]) -> None:
        import httpx  # on first delivery: a server without a webhook URL never loads the HTTP client

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        event_id = "evt_" + secrets.token_urlsafe(12)
        body = json.dumps(
            {"id": event_id, "createdAt": now_ms(), "type": type_, "data": data}, separators=(",", ":")
        ).encode()
        for attempt in (1, 2):
            timestamp = str(now_ms())
            headers = {
                "Content-Type": "application/json",
                "X-TalkJS-Timestamp": timestamp,
                "X-TalkJS-Signature": sign_webhook(secret_key, timestamp, body),
            }
            status, error = None, None
            try:
                response = await self._client.post(url, content=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.deliveries.append(Delivery(event_id, type_, url, attempt, status, error))
            del self.deliveries[:-1000]
            if status is not None and 200 <= status < 300:
                return
            log.warning("webhook %s to %s failed (attempt %d): %s", type_, url, attempt, error or status)
            if attempt == 1:
                await asyncio.sleep(self.retry_delay)

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.timeout * 2 + self.retry_delay)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
