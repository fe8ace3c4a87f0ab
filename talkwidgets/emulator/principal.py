"""Who is calling, once authenticated: the app itself or one of its users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ForbiddenError

PRIVATE_USER_FIELDS = ("email", "phone", "pushTokens")
"""What only the user themselves and app credentials see of a user (``GET /users/{id}``)."""


def user_as_seen_by(user: dict[str, Any], token_user_id: str | None) -> dict[str, Any]:
    """``user`` (REST JSON) as a caller reads it: a user token sees other users' public profile only
    (no email, phone or push tokens); app credentials (``token_user_id`` None) see everything.
    Returns ``user`` itself when nothing is hidden, else a copy."""
    if token_user_id is None or token_user_id == user.get("id"):
        return user
    return public_profile(user)


def public_profile(user: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``user`` (REST JSON) without what only the user and app credentials read."""
    return {**user, **dict.fromkeys(PRIVATE_USER_FIELDS)}


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
            raise ForbiddenError(f"{what} needs the secret key or an app token, not a user token")

    def require_self(self, user_id: str, what: str) -> None:
        if self.user_id is not None and self.user_id != user_id:
            raise ForbiddenError(f"a token for user {self.user_id!r} cannot {what} of user {user_id!r}")
