"""The REST client: TalkJS's documented API over httpx, errors mapped to typed exceptions."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from ..model.errors import TalkConnectionError, error_from_response
from .auth import TokenSource

RETRY_STATUSES = {429, 502, 503, 504}
"""Answers that say nothing happened; a POST is never repeated after its bytes may have arrived."""
MAX_ATTEMPTS = 4


def path(*parts: str) -> str:
    """Join path segments, quoting each (ids may hold any character)."""
    return "/" + "/".join(quote(p, safe="") for p in parts)


class RestClient:
    """Calls ``{host}/v1/{app_id}/...`` with a bearer token, retrying what is safe to retry."""

    def __init__(self, host: str, app_id: str, tokens: TokenSource, *, timeout: float = 30.0) -> None:
        self.host = host.rstrip("/")
        self.app_id = app_id
        self.tokens = tokens
        self.base_url = f"{self.host}/v1/{quote(app_id, safe='')}"
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers={"User-Agent": "talkwidgets"})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> Any:
        """Send one request; answers the decoded JSON body. Raises ``TalkRequestError`` subclasses.

        ``content`` (bytes or an async iterator of them) is sent as the body with ``headers``; like
        ``files``, such a body may be readable only once, so the request is never repeated."""
        once = files is not None or content is not None
        refreshed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            token = await self.tokens.get()
            try:
                response = await self._client.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    files=files,
                    data=data,
                    content=content,
                    headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as exc:
                unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if not retry or attempt == MAX_ATTEMPTS or once or (method == "POST" and not unsent):
                    raise TalkConnectionError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(self._backoff(attempt))
                continue
            if response.status_code == 401 and not refreshed and self.tokens.can_refresh and not once:
                refreshed = True
                await self.tokens.refresh()
                continue
            if response.status_code in RETRY_STATUSES and retry and attempt < MAX_ATTEMPTS and not once:
                await asyncio.sleep(self._retry_after(response) or self._backoff(attempt))
                continue
            return self._decode(method, url, response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def emulator_health(self) -> Any:
        """``GET {host}/_emulator/health`` without credentials: what a talkwidgets emulator says about
        itself (version, limits). Raises ``TalkRequestError`` elsewhere (the TalkJS cloud has no such
        route) and ``TalkConnectionError`` when the host cannot be reached."""
        url = f"{self.host}/_emulator/health"
        try:
            response = await self._client.get(url)
        except httpx.TransportError as exc:
            raise TalkConnectionError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
        return self._decode("GET", url, response)

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(5.0, 0.1 * 2.0**attempt) * (0.5 + random.random() / 2)

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        value = response.headers.get("retry-after")
        try:
            return min(30.0, float(value)) if value else None
        except ValueError:
            return None

    @staticmethod
    def _decode(method: str, url: str, response: httpx.Response) -> Any:
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if response.is_success:
            return body if body is not None else {}
        retry_after = RestClient._retry_after(response) if response.status_code == 429 else None
        raise error_from_response(response.status_code, body, response.text, retry_after=retry_after)


__all__ = ["RestClient", "path"]
