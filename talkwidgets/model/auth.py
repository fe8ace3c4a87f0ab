"""TalkJS auth tokens and webhook signatures (pure functions, no I/O).

TalkJS uses HS256 JWTs signed with the app's secret key: app tokens
(``tokenType: "app"``, ``iss`` = app id) for full REST access and user tokens
(``tokenType: "user"``, ``iss`` = app id, ``sub`` = user id) for one user's view.
Webhooks carry an uppercase hex HMAC-SHA256 over ``timestamp + "." + body``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import jwt

__all__ = [
    "TokenClaims",
    "TokenError",
    "generate_secret_key",
    "mint_app_token",
    "mint_user_token",
    "decode_token",
    "token_expiry",
    "sign_webhook",
    "verify_webhook",
]

TokenType = Literal["app", "user", "secret"]


class TokenError(ValueError):
    """A bearer token that is malformed, mis-issued, expired or badly signed."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """Who a verified bearer token speaks for."""

    kind: TokenType
    app_id: str
    user_id: str | None = None
    expires_at: int | None = None
    """Unix seconds, or ``None`` for a token without ``exp``."""


def generate_secret_key(live: bool = False) -> str:
    """A fresh secret key in TalkJS's ``sk_test_…``/``sk_live_…`` form."""
    return ("sk_live_" if live else "sk_test_") + secrets.token_urlsafe(24)


def _require_str(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _expiry(ttl: float | None) -> dict[str, int]:
    if ttl is None:
        return {}
    if not isinstance(ttl, (int, float)) or ttl <= 0:
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")
    return {"exp": int(time.time() + ttl)}


def mint_app_token(app_id: str, secret_key: str, ttl: float | None = 30) -> str:
    """An app JWT for the REST API (TalkJS recommends a short life)."""
    _require_str("app_id", app_id)
    _require_str("secret_key", secret_key)
    claims = {"tokenType": "app", "iss": app_id, **_expiry(ttl)}
    return jwt.encode(claims, secret_key, algorithm="HS256")


def mint_user_token(app_id: str, user_id: str, secret_key: str, ttl: float | None = 86400) -> str:
    """A user JWT: what a backend hands to a client acting as ``user_id``."""
    _require_str("app_id", app_id)
    _require_str("user_id", user_id)
    _require_str("secret_key", secret_key)
    claims = {"tokenType": "user", "iss": app_id, "sub": user_id, **_expiry(ttl)}
    return jwt.encode(claims, secret_key, algorithm="HS256")


def token_expiry(token: str) -> int | None:
    """The ``exp`` claim (Unix seconds) of a JWT, read without verifying it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenError(f"not a JWT: {exc}") from None
    exp = claims.get("exp")
    return int(exp) if isinstance(exp, (int, float)) else None


NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")


def _require_numeric_dates(claims: dict[str, object]) -> None:
    """RFC 7519 times are NumericDates: JSON numbers of seconds. PyJWT checks their values but
    reads them with ``int()``, so ``"exp": "9999999999"`` would pass; a string is refused here."""
    for name in NUMERIC_DATE_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise TokenError(f"{name} must be a NumericDate (a number of seconds), not {type(value).__name__}")


def decode_token(token: str, app_id: str, secret_key: str, *, leeway: float = 0) -> TokenClaims:
    """Verify a bearer token for ``app_id``: the raw secret key, an app JWT or a user JWT."""
    if not token:
        raise TokenError("empty bearer token")
    if hmac.compare_digest(token.encode(), secret_key.encode()):
        return TokenClaims(kind="secret", app_id=app_id)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenError("bearer token is neither the secret key nor a JWT") from None
    if header.get("alg") != "HS256":
        raise TokenError(f"unsupported JWT algorithm {header.get('alg')!r}; TalkJS tokens use HS256")
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=["HS256"],
            issuer=app_id,
            leeway=leeway,
            options={"require": ["iss"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token has expired") from None
    except jwt.InvalidIssuerError:
        raise TokenError(f"token was issued for another app (iss must be {app_id!r})") from None
    except jwt.InvalidSignatureError:
        raise TokenError("token signature does not match the app's secret key") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from None
    _require_numeric_dates(claims)
    token_type = claims.get("tokenType")
    exp = claims.get("exp")
    expires_at = int(exp) if isinstance(exp, (int, float)) else None
    if token_type == "app":
        return TokenClaims(kind="app", app_id=app_id, expires_at=expires_at)
    if token_type == "user":
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise TokenError("user token needs a non-empty 'sub' claim (the user id)")
        return TokenClaims(kind="user", app_id=app_id, user_id=sub, expires_at=expires_at)
    raise TokenError(f"tokenType must be 'app' or 'user', got {token_type!r}")


def sign_webhook(secret_key: str, timestamp: str, body: bytes) -> str:
    """``X-TalkJS-Signature`` for a webhook body: uppercase hex HMAC-SHA256."""
    payload = timestamp.encode() + b"." + body
    return hmac.new(secret_key.encode(), payload, hashlib.sha256).hexdigest().upper()


def verify_webhook(secret_key: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of a received webhook's signature (case-insensitive hex)."""
    expected = sign_webhook(secret_key, timestamp, body)
    return hmac.compare_digest(expected, signature.strip().upper())
