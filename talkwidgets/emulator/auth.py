"""Who is calling: the secret key, an app JWT or a user JWT, checked as TalkJS documents."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from ..model.auth import TokenError, decode_token
from .errors import NotFoundError, UnauthorizedError
from .principal import Principal
from .store import Store


def bearer_token(conn: HTTPConnection, *, allow_query: bool = False) -> str | None:
    header = conn.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("Authorization header must be 'Bearer <token>'")
        return token.strip()
    if allow_query:
        return conn.query_params.get("token") or None
    return None


def authenticate(conn: HTTPConnection, store: Store, app_id: str, *, allow_query: bool = False) -> Principal:
    """Check the bearer token of a request for ``app_id``; an unknown app comes first (404), then 401s."""
    app = store.app(app_id)
    if app is None:
        raise NotFoundError(f"no app with id {app_id!r} on this server", code="APP_NOT_FOUND")
    token = bearer_token(conn, allow_query=allow_query)
    if token is None:
        raise UnauthorizedError("missing 'Authorization: Bearer <token>' header")
    try:
        claims = decode_token(token, app_id, app["secret_key"])
    except TokenError as exc:
        raise UnauthorizedError(str(exc)) from None
    return Principal(app_id=app_id, kind=claims.kind, user_id=claims.user_id, expires_at=claims.expires_at)
