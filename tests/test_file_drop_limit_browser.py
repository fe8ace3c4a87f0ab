"""The upload limit in real Chromium on the built bundle, against a real FileDrop, session and
emulator: the limit the drop zone shows is the server's, and a larger file never leaves the
browser (no begin, no chunk, no request to ``/files``: only a ``refused`` note without bytes).

The page, the kernel thread and the comm bridge are those of test_file_drop_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser_support import page  # noqa: F401 - fixture
from playwright.sync_api import expect
from session_support import Admin
from test_file_drop_browser import Kernel, Setup, _mount, browser, kernel  # noqa: F401 - fixtures

from talkwidgets import get_talk_session
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.widgets._upload_rules import format_bytes

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
LIMIT = 5 * MiB + 123  # not a round number: the widget must use the server's, not a guess


@pytest.fixture()
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=LIMIT)) as srv:
        yield srv


@pytest.fixture()
def mount(kernel: Kernel, page: Any, server: EmbeddedServer) -> Iterator[Any]:  # noqa: F811
    made: list[tuple[Setup, Any]] = []

    def factory(**traits: Any) -> Setup:
        secret = server.ensure_app("limits")

        async def start() -> tuple[Any, Admin]:
            admin = Admin(server.base_url, "limits", secret)
            await admin.user("alice")
            return await get_talk_session("limits", "alice", secret_key=secret, host=server.base_url), admin

        session, admin = kernel.run(start())
        fd = _mount(kernel, page, session, admin, **traits)
        made.append((fd, session))
        return fd

    yield factory
    for fd, session in made:
        fd.bridge.close()
        kernel.call(fd.widget.close)
        kernel.run(fd.admin.aclose())
        kernel.run(session.aclose())


def _requests_to(page: Any, base_url: str) -> list[str]:  # noqa: F811
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if request.url.startswith(base_url) else None)
    return seen


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "chunked"])
def test_the_limit_shown_is_the_servers_and_a_larger_file_never_leaves_the_browser(
    mount: Any, server: EmbeddedServer, direct: bool
) -> None:
    published = httpx.get(f"{server.base_url}/_emulator/health", timeout=10).json()["limits"]["maxUploadBytes"]
    assert published == LIMIT
    fd = mount(direct=direct)
    hint = fd.page.locator(".tw-fd-zone-hint")
    expect(hint).to_have_text(f"Any file · up to {format_bytes(published)}")  # "5 MiB"
    expect(hint).to_have_attribute("title", f"the limit of the server at {server.base_url}")
    assert fd.kernel.call(lambda: fd.widget.backend_max_size) == published
    requests = _requests_to(fd.page, server.base_url)

    fd.drop("too-big.bin", "application/octet-stream", published + 1)
    expect(fd.row().locator(".tw-fd-status")).to_have_text("Not sent")
    expect(fd.row().locator(".tw-fd-error")).to_have_text(
        f"too large: {published + 1:,} bytes, the limit is {published:,} bytes (5 MiB)"
    )
    [upload] = fd.finished()
    assert (upload.status, upload.path, upload.size) == ("error", "none", published + 1)
    assert fd.sent_ops() == ["refused"]  # no begin, no direct_begin, no chunk
    assert [m["op"] for m in fd.bridge.received] == ["refused"]
    assert requests == [] and server.emulator.store.file_paths() == []

    # A file of exactly the limit goes through: the limit is the server's, not a lower guess.
    fd.drop("just-fits.bin", "application/octet-stream", published)
    expect(fd.row(1).locator(".tw-fd-status")).to_have_text("Done", timeout=30_000)
    uploads = fd.finished(2)
    assert uploads[1].status == "done" and uploads[1].path == ("direct" if direct else "chunked")
    assert len(server.emulator.store.file_paths()) == 1


def test_max_size_above_the_servers_limit_shows_the_servers(mount: Any, server: EmbeddedServer) -> None:
    fd = mount(max_size=100 * MiB, direct=False)
    expect(fd.page.locator(".tw-fd-zone-hint")).to_have_text("Any file · up to 5 MiB")
    assert fd.kernel.call(lambda: fd.widget.max_size) == LIMIT
    notices = fd.kernel.call(lambda: [o["text"] for o in fd.widget.output.outputs])
    assert notices == [
        f"FileDrop: max_size 100 MiB is more than the backend takes; it is now 5 MiB "
        f"(the limit of the server at {server.base_url}).\n"
    ]
    fd.drop("big.bin", "application/octet-stream", 6 * MiB)
    expect(fd.row().locator(".tw-fd-error")).to_have_text("too large: 6 MiB, the limit is 5 MiB")
    assert fd.sent_ops() == ["refused"]
