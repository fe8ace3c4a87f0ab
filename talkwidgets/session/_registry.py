"""``get_talk_session``: one shared session per app, user and host.

The registry holds sessions weakly: a session nobody references and with no live subscription is
garbage-collected, and a later call makes a new one. A session that hit an unrecoverable error,
that was closed with ``aclose()``, or that belongs to another event loop, is replaced.
"""

from __future__ import annotations

import asyncio
import weakref

from ..model.errors import InvalidArgumentError
from ..transport.auth import TokenFetcher
from ._backend import LiveMode, normalize_host, resolve_backend
from ._session import TalkSession

_sessions: weakref.WeakValueDictionary[tuple[str, str, str | None], TalkSession] = weakref.WeakValueDictionary()


async def get_talk_session(
    app_id: str,
    user_id: str,
    token: str | None = None,
    *,
    token_fetcher: TokenFetcher | None = None,
    host: str | None = None,
    secret_key: str | None = None,
    live: LiveMode = "auto",
    poll_interval: float = 5.0,
) -> TalkSession:
    """The session for ``user_id`` in ``app_id``; the same object on every call while it lives.

    With no ``host``, an emulator embedded in this process serves the app (created on demand)
    and user tokens are minted automatically. With ``host``, pass a user ``token`` (and
    ``token_fetcher`` to refresh it) or the app's ``secret_key``. The TalkJS cloud is used only
    when ``host`` names it. ``token``/``token_fetcher`` are ignored when the session exists.
    """
    for name, value in (("app_id", app_id), ("user_id", user_id)):
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(f"{name} must be a non-empty string, got {value!r}")
    if token_fetcher is not None and not callable(token_fetcher):
        raise InvalidArgumentError("token_fetcher must be callable")
    if isinstance(poll_interval, bool) or not isinstance(poll_interval, (int, float)) or poll_interval <= 0:
        raise InvalidArgumentError("poll_interval must be a positive number of seconds")
    key = (app_id, user_id, normalize_host(host) if host is not None else None)
    loop = asyncio.get_running_loop()
    session = _sessions.get(key)
    if session is not None and not session.errored and not session.closed and session.loop is loop:
        return session
    backend = resolve_backend(
        app_id, user_id, host=key[2], token=token, token_fetcher=token_fetcher, secret_key=secret_key, live=live
    )
    session = TalkSession(app_id, user_id, backend, poll_interval=poll_interval)
    _sessions[key] = session
    return session
