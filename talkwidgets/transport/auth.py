"""Where bearer tokens come from: a fixed token, a refreshing fetcher, or a secret key."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

from ..model.auth import TokenError, mint_app_token, token_expiry
from ..model.errors import TalkSessionError

TokenFetcher = Callable[[], "str | Awaitable[str]"]

REFRESH_MARGIN = 60.0
"""Fetch a new token this many seconds before the current one expires (or at 80% of a short life)."""


class TokenSource:
    """Holds the current bearer token and renews it before it expires.

    ``secret_key`` mints short app tokens on demand (TalkJS's recommended REST auth).
    ``fetcher`` is the user's refresh hook. A token without ``exp`` never needs renewing.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        fetcher: TokenFetcher | None = None,
        secret_key: str | None = None,
        app_id: str | None = None,
    ) -> None:
        self._token = token
        self._fetcher = fetcher
        self._secret_key = secret_key
        self._app_id = app_id
        self._lock = asyncio.Lock()
        self._issued = time.time()

    @property
    def can_refresh(self) -> bool:
        return self._fetcher is not None or self._secret_key is not None

    @property
    def current(self) -> str | None:
        return self._token

    def set(self, token: str) -> None:
        if not isinstance(token, str) or not token:
            raise ValueError("token must be a non-empty string")
        self._token = token
        self._issued = time.time()

    def set_fetcher(self, fetcher: TokenFetcher | None) -> None:
        self._fetcher = fetcher

    def expires_at(self) -> float | None:
        if self._token is None or self._token == self._secret_key:
            return None
        try:
            return token_expiry(self._token)
        except TokenError:
            return None

    def refresh_due(self) -> float | None:
        """Unix time when the token should be renewed, or None when it never expires."""
        exp = self.expires_at()
        if exp is None:
            return None
        life = max(0.0, exp - self._issued)
        return exp - min(REFRESH_MARGIN, life * 0.2)

    async def get(self) -> str:
        """A token that is valid now, renewing it when due and possible."""
        due = self.refresh_due()
        if self._token is not None and (due is None or time.time() < due):
            return self._token
        if not self.can_refresh:
            exp = self.expires_at()
            if self._token is not None and (exp is None or time.time() < exp):
                return self._token  # expiring soon but nothing can renew it: use it while it lasts
            raise TalkSessionError("the token has expired and no token_fetcher can renew it")
        return await self.refresh()

    async def refresh(self) -> str:
        """Get a new token now (after a 401, or before expiry)."""
        async with self._lock:
            if self._secret_key is not None and self._app_id is not None and self._fetcher is None:
                self.set(mint_app_token(self._app_id, self._secret_key, ttl=300))
                return self._token  # type: ignore[return-value]
            if self._fetcher is None:
                raise TalkSessionError("the server refused the token and no token_fetcher can renew it")
            try:
                result = self._fetcher()
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:  # the fetcher retries transient failures itself (as in TalkJS)
                raise TalkSessionError(f"token_fetcher failed: {type(exc).__name__}: {exc}") from exc
            if not isinstance(result, str) or not result:
                raise TalkSessionError(f"token_fetcher returned {type(result).__name__}, expected a JWT string")
            self.set(result)
            return result
