"""The emulator's refusals as domain errors: a stable error code and readable reasons.

Storage, rules and validation raise these without knowing about HTTP; the HTTP layer
(``_http.py``) picks the status code for each kind and answers TalkJS's ``{"errorCode", "reasons"}``.
"""

from __future__ import annotations

from typing import ClassVar


class EmulatorError(Exception):
    """A request the emulator refuses. ``code`` overrides the kind's default error code."""

    default_code: ClassVar[str] = "ERROR"

    def __init__(self, *reasons: str, code: str | None = None) -> None:
        self.error_code = code or self.default_code
        self.reasons = list(reasons) or [self.error_code]
        super().__init__(f"{self.error_code}: {'; '.join(self.reasons)}")


class InvalidError(EmulatorError):
    """The input is malformed, out of range or refers to something it may not (HTTP 400)."""

    default_code = "BAD_REQUEST"


class UnauthorizedError(EmulatorError):
    """Credentials are missing, malformed, expired or wrongly signed (HTTP 401)."""

    default_code = "UNAUTHORIZED"


class ForbiddenError(EmulatorError):
    """The caller is known but may not do this (HTTP 403)."""

    default_code = "FORBIDDEN"


class NotFoundError(EmulatorError):
    """The app, user, conversation, message, participant or file does not exist (HTTP 404)."""

    default_code = "NOT_FOUND"


class TooLargeError(EmulatorError):
    """A body or an upload is over its size limit (HTTP 413)."""

    default_code = "PAYLOAD_TOO_LARGE"


def not_found(what: str) -> NotFoundError:
    """``not_found("conversation 'c1'")``: the usual phrasing of a missing thing."""
    return NotFoundError(f"{what} does not exist")
