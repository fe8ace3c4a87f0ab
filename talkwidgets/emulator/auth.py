"""Who is calling: the secret key, an app JWT or a user JWT, checked as TalkJS documents."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from ..model.auth import TokenError, decode_token
from .errors import ApiError, forbidden, unauthorized
from .store import Store


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``user_id`` is set only for user tokens."""

    app_id: str
    kind: str
    user_id: str | None = None
    expires_at: int | None = None

    @property
    def is_app(self) -> bool:
        return self.user_id is None

    def require_app(self, what: str) -> None:
        if not self.is_app:
            raise forbidden(f"{what} needs the secret key or an app token, not a user token")

    def require_self(self, user_id: str, what: str) -> None:
        if self.user_id is not None and self.user_id != user_id:
            raise forbidden(f"a token for user {self.user_id!r} cannot {what} of user {user_id!r}")


def bearer_token(conn: HTTPConnection, *, allow_query: bool = False) -> str | None:
    header = conn.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization header must be 'Bearer <token>'")
        return token.strip()
    if allow_query:
        return conn.query_params.get("token") or None
    return None


def authenticate(conn: HTTPConnection, store: Store, app_id: str, *, allow_query: bool = False) -> Principal:
    """Check the bearer token of a request for ``app_id``; raise 401/404 otherwise."""
    app = store.app(app_id)
    if app is None:
        raise ApiError(404, "APP_NOT_FOUND", f"no app with id {app_id!r} on this server")
    token = bearer_token(conn, allow_query=allow_query)
    if token is None:
        raise unauthorized("missing 'Authorization: Bearer <token>' header")
    try:
        claims = decode_token(token, app_id, app["secret_key"])
    except TokenError as exc:
        raise unauthorized(str(exc)) from None
    return Principal(app_id=app_id, kind=claims.kind, user_id=claims.user_id, expires_at=claims.expires_at)
