"""Session tests: an admin REST client on the shared embedded emulator, the ``world`` fixture, bounded waits.

Registered as a pytest plugin in ``conftest.py``; test modules import the helpers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from talkwidgets.emulator import shared_server
from talkwidgets.session._registry import _sessions as open_sessions


def new_app_id() -> str:
    return "test-" + uuid.uuid4().hex[:12]


class Admin:
    """REST with the app's secret key: how another backend (or another person) changes data."""

    def __init__(self, base_url: str, app_id: str, secret: str) -> None:
        self.app_id = app_id
        self.secret = secret
        self.base_url = base_url
        self.http = httpx.AsyncClient(
            base_url=f"{base_url}/v1/{app_id}", headers={"Authorization": f"Bearer {secret}"}, timeout=30
        )

    @classmethod
    def embedded(cls, app_id: str) -> Admin:
        server = shared_server()
        return cls(server.base_url, app_id, server.ensure_app(app_id))

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, url, **kwargs)
        assert response.is_success, f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    async def user(self, user_id: str, name: str | None = None) -> None:
        await self.call("PUT", f"/users/{user_id}", json={"name": name or user_id.title()})

    async def conversation(self, cid: str, *participants: str, **attrs: Any) -> None:
        await self.call("PUT", f"/conversations/{cid}", json={"participants": list(participants), **attrs})

    async def send(self, cid: str, sender: str, text: str) -> str:
        answer = await self.call("POST", f"/conversations/{cid}/messages", json=[{"sender": sender, "text": text}])
        return answer[0]["id"]

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def world() -> AsyncIterator[tuple[str, Admin]]:
    """A fresh app on the shared embedded emulator with users alice, bob and carol, and an admin client."""
    app_id = new_app_id()
    admin = Admin.embedded(app_id)
    for uid in ("alice", "bob", "carol"):
        await admin.user(uid)
    yield app_id, admin
    await admin.aclose()
    # close the sessions the test opened on this app while their loop still runs, so their
    # connections end here instead of as unclosed sockets when a later test collects them
    for key, session in list(open_sessions.items()):
        if key[0] == app_id and not session.closed:
            await session.aclose()


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until truthy; bounded so a broken feature fails instead of hanging."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def ids(sub: Any) -> list[str]:
    return [c.id for c in sub.state.latest_snapshot]
