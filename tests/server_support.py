"""A real emulator per test on a free loopback port, HTTP clients for it, and REST helpers.

Registered as a pytest plugin in ``conftest.py`` (fixtures ``server_config``, ``server``, ``client``,
``http``, ``user_client``); test modules import the helpers (``ok``, ``assert_error``, ``send``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.model.auth import mint_user_token

APP_ID = "testapp"
SECRET_KEY = "sk_test_" + "conftest0123456789" * 4


@dataclass
class Server:
    """A started :class:`EmbeddedServer` with one app on it."""

    embedded: EmbeddedServer
    app_id: str
    secret_key: str

    @property
    def base_url(self) -> str:
        return self.embedded.base_url

    @property
    def api(self) -> str:
        """The REST prefix of the app, e.g. ``http://127.0.0.1:1234/v1/testapp``."""
        return f"{self.base_url}/v1/{self.app_id}"

    def user_token(self, user_id: str, ttl: float | None = 3600) -> str:
        return mint_user_token(self.app_id, user_id, self.secret_key, ttl=ttl)


def start_server(config: EmulatorConfig | None = None) -> Server:
    embedded = EmbeddedServer(config).start()
    key = embedded.ensure_app(APP_ID, SECRET_KEY)
    return Server(embedded, APP_ID, key)


@pytest.fixture
def server_config(request: pytest.FixtureRequest) -> EmulatorConfig | None:
    """The server's config: override in a module, or ``@pytest.mark.parametrize("server_config",
    [EmulatorConfig(...)], indirect=True)``."""
    return getattr(request, "param", None)


@pytest.fixture
def server(server_config: EmulatorConfig | None) -> Iterator[Server]:
    srv = start_server(server_config)
    try:
        yield srv
    finally:
        srv.embedded.stop()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """Talks to ``server.api`` with the secret key."""
    with httpx.Client(base_url=server.api, headers=auth(server.secret_key), timeout=10) as c:
        yield c


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client without credentials (absolute URLs)."""
    with httpx.Client(timeout=10) as c:
        yield c


@pytest.fixture
def user_client(server: Server) -> Iterator[Callable[..., httpx.Client]]:
    """``user_client("alice")``: an httpx client for ``server.api`` acting as that user."""
    clients: list[httpx.Client] = []

    def make(user_id: str, ttl: float | None = 3600) -> httpx.Client:
        c = httpx.Client(base_url=server.api, headers=auth(server.user_token(user_id, ttl)), timeout=10)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def ok(response: httpx.Response) -> httpx.Response:
    """Assert a 2xx answer, showing the body when it is not."""
    assert response.is_success, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}"
    )
    return response


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert a TalkJS-style error body with the given status."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    assert isinstance(body.get("errorCode"), str) and body["errorCode"], body
    assert isinstance(body.get("reasons"), list) and body["reasons"], body
    return body


def make_users(client: httpx.Client, *ids: str) -> None:
    for uid in ids:
        ok(client.put(f"/users/{uid}", json={"name": uid.capitalize()}))


def make_conversation(client: httpx.Client, cid: str, *participants: str, **fields: Any) -> None:
    ok(client.put(f"/conversations/{cid}", json={"participants": list(participants), **fields}))


def send(client: httpx.Client, cid: str, *texts: str, sender: str | None = None) -> list[str]:
    body = [{"text": t, **({"sender": sender} if sender else {})} for t in texts]
    return message_ids(client.post(f"/conversations/{cid}/messages", json=body))


def message_ids(response: httpx.Response) -> list[str]:
    """The ids a successful send answers: TalkJS's ``[{"id": ...}, ...]``, in order."""
    body = ok(response).json()
    assert isinstance(body, list) and all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in body), body
    return [m["id"] for m in body]
