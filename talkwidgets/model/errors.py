"""The exception hierarchy shared by every layer.

``TalkError`` is the single base so callers can catch everything from this
library at once. Request failures keep the HTTP status and TalkJS's
``{"errorCode": ..., "reasons": [...]}`` body so that nothing the server said
is lost on the way up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "TalkError",
    "InvalidArgumentError",
    "TalkSessionError",
    "TalkRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitError",
    "TalkConnectionError",
    "SubscriptionTerminatedError",
    "error_from_response",
]


class TalkError(Exception):
    """Base class of every error raised by talkwidgets."""


class InvalidArgumentError(TalkError, ValueError):
    """A bad argument, raised synchronously (JS throws here instead of rejecting)."""


class TalkSessionError(TalkError):
    """A fatal session error: invalid app, or a bad/expired token that could not be refreshed."""


class TalkRequestError(TalkError):
    """The server refused one operation (the JS promise rejection).

    ``status`` is the HTTP status, ``error_code`` and ``reasons`` come from the
    TalkJS error body when it had one.
    """

    status: int
    error_code: str | None
    reasons: tuple[str, ...]

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int,
        error_code: str | None = None,
        reasons: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.reasons = tuple(reasons)
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"HTTP {self.status}"
        if self.error_code:
            head += f" {self.error_code}"
        details = list(self.reasons)
        if self.message and self.message not in details:
            details.insert(0, self.message)
        return f"{head}: {'; '.join(details)}" if details else head

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments need help to survive pickling
        # (e.g. when errors cross a process boundary in tests).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[TalkRequestError], message: str | None, state: dict[str, Any]) -> TalkRequestError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, str(err))
    return err


class AuthenticationError(TalkRequestError):
    """HTTP 401: missing or invalid credentials."""


class PermissionDeniedError(TalkRequestError):
    """HTTP 403: authenticated, but not allowed (e.g. client-side syncing disabled)."""


class NotFoundError(TalkRequestError):
    """HTTP 404: the app, user, conversation or message does not exist."""


class PayloadTooLargeError(TalkRequestError):
    """HTTP 413: typically an upload over the size limit."""


class RateLimitError(TalkRequestError):
    """HTTP 429. ``retry_after`` (seconds) comes from the Retry-After header when known."""

    retry_after: float | None

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int = 429,
        error_code: str | None = None,
        reasons: tuple[str, ...] | list[str] = (),
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        TalkRequestError.__init__(self, message, status=status, error_code=error_code, reasons=reasons)


class TalkConnectionError(TalkError):
    """The server could not be reached (DNS, refused connection, timeout, dropped socket)."""


class SubscriptionTerminatedError(TalkError):
    """Raised by ``await sub.connected`` when the subscription ended before it connected.

    ``state`` is the terminal ``UnsubscribedState`` or ``ErrorState``.
    """

    def __init__(self, state: Any, message: str | None = None) -> None:
        self.state = state
        kind = getattr(state, "type", "terminated")
        super().__init__(message or f"subscription ended before it connected (state: {kind})")


_BY_STATUS: dict[int, type[TalkRequestError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}

_TEXT_LIMIT = 500


def error_from_response(
    status: int,
    body: Any,
    text: str = "",
    *,
    retry_after: float | None = None,
) -> TalkRequestError:
    """Build the right ``TalkRequestError`` subclass for a failed HTTP response.

    ``body`` is the parsed JSON (or ``None``); TalkJS bodies look like
    ``{"errorCode": "...", "reasons": ["..."]}``. Other shapes fall back to
    ``message``/``error`` keys, then to the (truncated) response text.
    ``retry_after`` is only used for 429 responses.
    """
    error_code: str | None = None
    reasons: tuple[str, ...] = ()
    message: str | None = None
    if isinstance(body, Mapping):
        code = body.get("errorCode")
        if isinstance(code, str) and code:
            error_code = code
        raw = body.get("reasons")
        if isinstance(raw, str):
            reasons = (raw,)
        elif isinstance(raw, (list, tuple)):
            reasons = tuple(str(r) for r in raw)
        for key in ("message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value and value != error_code:
                message = value
                break
    elif isinstance(body, str) and body:
        message = body
    if message is None and not reasons and text:
        stripped = text.strip()
        message = stripped[:_TEXT_LIMIT] + ("…" if len(stripped) > _TEXT_LIMIT else "") or None
    cls = _BY_STATUS.get(status, TalkRequestError)
    if cls is RateLimitError:
        return RateLimitError(message, status=status, error_code=error_code, reasons=reasons, retry_after=retry_after)
    return cls(message, status=status, error_code=error_code, reasons=reasons)
