"""Where bearer tokens come from: a fixed token, a refreshing fetcher, or a secret key."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import weakref
from collections.abc import Awaitable, Callable

from ..model.auth import TokenError, mint_app_token, token_expiry
from ..model.errors import TalkSessionError

log = logging.getLogger("talkwidgets.auth")

TokenFetcher = Callable[[], "str | Awaitable[str]"]

REFRESH_MARGIN = 60.0
"""Fetch a new token this many seconds before the current one expires (or at 80% of a short life)."""

APP_TOKEN_TTL = 300
"""Lifetime of the app tokens minted from a secret key."""


class TokenSource:
    """Holds the current bearer token and renews it before it expires.

    ``secret_key`` mints short app tokens on demand (TalkJS's recommended REST auth).
    ``fetcher`` is the user's refresh hook. A token without ``exp`` never needs renewing.

    Renewal happens on two paths: ``get()`` renews a token whose refresh is due before handing it
    out, and a timer calls ``get()`` when the refresh falls due, so that a token is replaced before
    it expires even while nothing uses it (an upload, which is never retried after a 401, must
    not be the first to find an expired token). The timer holds the source only weakly: a
    dropped session's source is collected and its timer ends.
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
        self._renewal: asyncio.Task[None] | None = None
        self._closed = False
        self._schedule_renewal()

    @property
    def can_refresh(self) -> bool:
        return self._fetcher is not None or self._secret_key is not None

    @property
    def current(self) -> str | None:
        return self._token

    @property
    def fetcher(self) -> TokenFetcher | None:
        """The refresh hook, if any."""
        return self._fetcher

    def set(self, token: str) -> None:
        if not isinstance(token, str) or not token:
            raise ValueError("token must be a non-empty string")
        self._token = token
        self._issued = time.time()
        self._schedule_renewal()

    def set_fetcher(self, fetcher: TokenFetcher | None) -> None:
        self._fetcher = fetcher
        self._schedule_renewal()

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

    def _fresh(self) -> bool:
        due = self.refresh_due()
        return self._token is not None and (due is None or time.time() < due)

    async def get(self) -> str:
        """A token that is valid now, renewing it when due and possible."""
        if self._fresh():
            return self._token  # type: ignore[return-value]
        if not self.can_refresh:
            exp = self.expires_at()
            if self._token is not None and (exp is None or time.time() < exp):
                return self._token  # expiring soon but nothing can renew it: use it while it lasts
            raise TalkSessionError("the token has expired and no token_fetcher can renew it")
        async with self._lock:
            if self._fresh():  # renewed by a concurrent caller while we waited
                return self._token  # type: ignore[return-value]
            return await self._renew()

    async def refresh(self) -> str:
        """Get a new token now (after a 401)."""
        async with self._lock:
            return await self._renew()

    async def _renew(self) -> str:
        """Mint or fetch a new token; the caller holds the lock."""
        if self._secret_key is not None and self._app_id is not None and self._fetcher is None:
            token = mint_app_token(self._app_id, self._secret_key, ttl=APP_TOKEN_TTL)
            self.set(token)
            return token
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

    def _schedule_renewal(self) -> None:
        """(Re)arm the timer for the current token's refresh time, when it has one and can be renewed."""
        current = asyncio.current_task() if _loop_running() else None
        if self._renewal is not None and self._renewal is not current:
            self._renewal.cancel()
        self._renewal = None
        due = self.refresh_due()
        if self._closed or due is None or due <= time.time() or not self.can_refresh or not _loop_running():
            return  # nothing to renew, or already due: the next get() renews it
        self._renewal = asyncio.get_running_loop().create_task(
            _renew_when_due(weakref.ref(self), due), name="talkwidgets-token-renewal"
        )

    def close(self) -> None:
        """Stop the renewal timer (the session is closing)."""
        self._closed = True
        if self._renewal is not None:
            self._renewal.cancel()
            self._renewal = None


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _renew_when_due(source_ref: weakref.ref[TokenSource], due: float) -> None:
    """Sleep until ``due``, then let the source renew its token if it still exists."""
    await asyncio.sleep(max(0.0, due - time.time()))
    source = source_ref()
    if source is None:
        return
    try:
        await source.get()
    except TalkSessionError as exc:  # the next request retries the renewal and reports the failure
        log.warning("renewing the token before it expires failed: %s", exc)
