"""Choosing the backend: the embedded emulator, a ``talkwidgets serve`` URL, or the TalkJS cloud.

The cloud is used only when the caller names its host explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from ..model.auth import TokenError, mint_user_token
from ..model.errors import InvalidArgumentError
from ..transport.auth import TokenFetcher, TokenSource

LiveMode = Literal["auto", "feed", "poll"]

EMBEDDED_TOKEN_TTL = 3600


@dataclass
class Backend:
    host: str
    kind: Literal["embedded", "server", "cloud"]
    live: Literal["feed", "poll"]
    tokens: TokenSource
    admin: bool
    """True when acting through the secret key or an app token (full REST access)."""
    user_token_minter: Callable[[float], str] | None = None
    """Mints short-lived user tokens (for direct browser uploads) when the secret is at hand."""


def normalize_host(host: str) -> str:
    if not isinstance(host, str) or not host.strip():
        raise InvalidArgumentError("host must be a URL such as 'http://127.0.0.1:8765'")
    host = host.strip().rstrip("/")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgumentError(f"host must be an http(s) URL with a host name, got {host!r}")
    if parts.path not in ("", "/"):
        raise InvalidArgumentError(f"host is the server root without a path (the client adds /v1/APP), got {host!r}")
    return host


def is_cloud(host: str) -> bool:
    name = urlsplit(host).hostname or ""
    return name == "talkjs.com" or name.endswith(".talkjs.com")


def _token_type(token: str) -> str | None:
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False}).get("tokenType")
    except jwt.PyJWTError:
        return None


def resolve_backend(
    app_id: str,
    user_id: str,
    *,
    host: str | None,
    token: str | None,
    token_fetcher: TokenFetcher | None,
    secret_key: str | None,
    live: LiveMode,
) -> Backend:
    """Work out where to connect and how to authenticate; never contacts the cloud unasked."""
    if live not in ("auto", "feed", "poll"):
        raise InvalidArgumentError(f"live must be 'auto', 'feed' or 'poll', got {live!r}")
    if host is None:
        from ..emulator.server import shared_server

        server = shared_server()
        existing = server.emulator.store.app(app_id)
        if secret_key is not None and existing is not None and existing["secret_key"] != secret_key:
            raise InvalidArgumentError(
                f"the embedded app {app_id!r} already has another secret key; "
                "leave secret_key out (it is only needed with host=)"
            )
        secret = server.ensure_app(app_id, secret_key)
        if token is None and token_fetcher is None:

            def token_fetcher() -> str:
                return mint_user_token(app_id, user_id, secret, ttl=EMBEDDED_TOKEN_TTL)

        tokens = TokenSource(token=token, fetcher=token_fetcher)
        return Backend(
            server.base_url,
            "embedded",
            "poll" if live == "poll" else "feed",
            tokens,
            admin=False,
            user_token_minter=lambda ttl: mint_user_token(app_id, user_id, secret, ttl=ttl),
        )

    host = normalize_host(host)
    cloud = is_cloud(host)
    minter: Callable[[float], str] | None = None
    if secret_key is not None:
        if not isinstance(secret_key, str) or not secret_key:
            raise InvalidArgumentError("secret_key must be a non-empty string")
        tokens = TokenSource(secret_key=secret_key, app_id=app_id)
        admin = True
        key = secret_key

        def minter(ttl: float) -> str:
            return mint_user_token(app_id, user_id, key, ttl=ttl)
    elif token is not None or token_fetcher is not None:
        if token is not None and (not isinstance(token, str) or not token):
            raise InvalidArgumentError("token must be a non-empty JWT string")
        tokens = TokenSource(token=token, fetcher=token_fetcher)
        admin = token is not None and _token_type(token) == "app"
    else:
        raise InvalidArgumentError("a host needs credentials: token=, token_fetcher= or secret_key=")
    mode = live if live != "auto" else ("poll" if cloud else "feed")
    return Backend(host, "cloud" if cloud else "server", mode, tokens, admin, minter)


__all__ = ["Backend", "LiveMode", "TokenError", "resolve_backend"]
