"""What the emulator's server logs may say: no credentials, and no false alarms.

uvicorn logs every request line with its query string, and the live feed accepts its token as
``?token=`` (browsers cannot set headers on a WebSocket), so without a filter every feed
connection would write a usable credential into the access log.
"""

from __future__ import annotations

import logging
import re

SECRET_QUERY = re.compile(r"(?i)([?&](?:token|access_token)=)[^&\s\"']*")
REDACTED = r"\1[redacted]"
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """``text`` with the values of ``token=`` query parameters replaced by ``[redacted]``."""
    return SECRET_QUERY.sub(REDACTED, text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message and arguments so no ``?token=`` value reaches a log handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(a) if isinstance(a, str) else a for k, a in record.args.items()}
        return True


class DenialIsNotAnError(logging.Filter):
    """The live feed refuses bad credentials with an HTTP answer before the WebSocket upgrade
    (401/403/404 with a JSON reason). uvicorn's sansio WebSocket protocol does not count that
    answer as a finished handshake and logs an error for each refusal; drop that one record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def install_log_filters() -> None:
    """Attach the filters to uvicorn's loggers (once; call after ``uvicorn.Config``, which
    configures logging)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    error_logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DenialIsNotAnError) for f in error_logger.filters):
        error_logger.addFilter(DenialIsNotAnError())
