"""Running the emulator: embedded in a background thread, or in the foreground for the CLI."""

from __future__ import annotations

import asyncio
import atexit
import socket
import threading
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import EmulatorConfig
from .instance import Emulator
from .logs import install_log_filters
from .protocol import guarded_protocol

MAX_FEED_FRAME = 1024 * 1024
"""Largest client frame on the live feed (clients send small control frames); larger ones close with 1009."""


def uvicorn_config(app: Starlette, emulator: Emulator, **options: Any) -> uvicorn.Config:
    """uvicorn settings shared by the embedded and the foreground server."""
    return uvicorn.Config(
        app,
        http=guarded_protocol(emulator.config.header_timeout),
        ws="websockets-sansio",
        ws_max_size=MAX_FEED_FRAME,
        timeout_graceful_shutdown=2,
        **options,
    )


def is_wildcard(host: str) -> bool:
    """Whether binding ``host`` listens on every interface (``0.0.0.0``, ``::``)."""
    return host in ("0.0.0.0", "::", "")


def http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (it skips proto 0);
    # without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class EmbeddedServer:
    """An emulator serving on 127.0.0.1 from a daemon thread of this process.

    Clients still reach it only over HTTP and WebSocket, exactly as they reach the cloud.
    """

    def __init__(self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = Emulator(config)
        self.app = create_app(self.emulator)
        self.host = host
        self._sock = _bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        if self.emulator.public_url is None and not is_wildcard(host):
            self.emulator.public_url = self.base_url
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return http_url(self.host, self.port)

    def start(self, timeout: float = 10.0) -> EmbeddedServer:
        if self._thread is not None:
            return self
        config = uvicorn_config(self.app, self.emulator, log_level="warning", lifespan="on", ws_ping_interval=20)
        self._server = uvicorn.Server(config)
        install_log_filters()  # after uvicorn.Config, which configures logging
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)

            async def main() -> None:
                assert self._server is not None
                task = asyncio.ensure_future(self._server.serve(sockets=[self._sock]))
                while not self._server.started and not task.done():
                    await asyncio.sleep(0.01)
                started.set()
                await task

            try:
                loop.run_until_complete(main())
            except BaseException as exc:
                failure.append(exc)
                started.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=f"talkwidgets-emulator:{self.port}", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or failure or not self._server.started:
            raise RuntimeError(f"the embedded emulator did not start: {failure[0] if failure else 'timeout'}")
        return self

    def ensure_app(self, app_id: str, secret_key: str | None = None, webhook_url: str | None = None) -> str:
        """Create ``app_id`` on demand and return its secret key."""
        if not isinstance(app_id, str) or not app_id or "/" in app_id:
            raise ValueError(f"app_id must be a non-empty string without '/', got {app_id!r}")
        return self.emulator.store.ensure_app(app_id, secret_key, webhook_url)

    def reset(self, app_id: str) -> None:
        self.emulator.reset(app_id)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._thread = None
        self._sock.close()
        self.emulator.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


_shared: EmbeddedServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> EmbeddedServer:
    """The process-wide embedded emulator that sessions use by default (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EmbeddedServer().start()
            atexit.register(_shared.stop)
        return _shared


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 8765, *, log_level: str = "warning") -> None:
    """Run in the foreground until Ctrl-C (the ``talkwidgets serve`` command)."""
    try:
        if emulator.public_url is None and not is_wildcard(host):
            emulator.public_url = http_url(host, port)
        config = uvicorn_config(create_app(emulator), emulator, host=host, port=port, log_level=log_level)
        install_log_filters()
        uvicorn.Server(config).run()
    finally:
        emulator.close()
