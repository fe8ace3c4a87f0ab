"""The backend's real upload limit: published by the emulator, read by the session, applied by
FileDrop before any byte moves (max_size above it is lowered, with a notice), sizes in words.

Real emulators over real sockets; the browser's side of the comm is a recorder (the browser tier,
test_file_drop_limit_browser.py, runs the real front end).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from talkwidgets import FileDrop, UploadLimit, get_talk_session
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig, shared_server
from talkwidgets.session._limits import CLOUD_REASON
from talkwidgets.widgets._upload_rules import format_bytes, too_large
from tests.session_support import Admin, new_app_id, wait_until
from tests.widget_support import from_browser

MiB = 1024 * 1024


@pytest.fixture
def small_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=3 * MiB + 17)) as server:
        yield server


class _NotAnEmulator(BaseHTTPRequestHandler):
    """A TalkJS-compatible REST server that is not a talkwidgets emulator: no health route."""

    def do_GET(self) -> None:
        body = json.dumps({"errorCode": "NOT_FOUND", "reasons": ["no such route"]}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def foreign_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _NotAnEmulator)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def test_health_publishes_the_upload_limit(small_server: EmbeddedServer) -> None:
    health = httpx.get(f"{small_server.base_url}/_emulator/health", timeout=10).json()
    assert health["limits"] == {"maxUploadBytes": 3 * MiB + 17}


async def test_the_session_reads_the_limit_of_its_backend(small_server: EmbeddedServer, foreign_server: str) -> None:
    embedded = await get_talk_session(app_id=new_app_id(), user_id="alice")
    limit = await embedded.upload_limit()
    assert limit == UploadLimit(shared_server().emulator.config.max_upload_bytes, "the limit of the embedded emulator")
    assert limit.max_bytes == 25 * MiB  # the documented default

    secret = small_server.ensure_app("limits")
    served = await get_talk_session("limits", "alice", secret_key=secret, host=small_server.base_url)
    assert (await served.upload_limit()).max_bytes == 3 * MiB + 17
    assert small_server.base_url in (await served.upload_limit()).reason

    elsewhere = await get_talk_session("limits", "alice", secret_key="sk_test_x", host=foreign_server)
    unknown = await elsewhere.upload_limit()
    assert unknown.max_bytes is None and "does not publish" in unknown.reason

    # The cloud documents no limit: none is made up, and nothing is asked (no network in tests).
    cloud = await get_talk_session("tw-cloud-app", "alice", secret_key="sk_test_x", host="https://api.talkjs.com")
    assert await cloud.upload_limit() == UploadLimit(None, CLOUD_REASON)
    for session in (served, elsewhere, cloud):
        await session.aclose()


def test_sizes_are_words_for_people() -> None:
    assert [format_bytes(n) for n in (351, 1024, 1536, 5188, 25 * MiB, 1288490189, 100 * MiB)] == [
        "351 B",
        "1 KiB",
        "1.5 KiB",
        "5.1 KiB",
        "25 MiB",
        "1.2 GiB",
        "100 MiB",
    ]
    assert too_large(30 * MiB, 25 * MiB) == "too large: 30 MiB, the limit is 25 MiB"
    # rounded sizes that read the same fall back to exact bytes
    assert too_large(25 * MiB + 1, 25 * MiB) == "too large: 26,214,401 bytes, the limit is 26,214,400 bytes (25 MiB)"


class Browser:
    """Records what the widget sends to the front end."""

    def __init__(self, widget: FileDrop) -> None:
        self.widget = widget
        self.inbox: list[dict[str, Any]] = []
        widget.comm.send = self._receive  # type: ignore[method-assign]

    def _receive(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        if data and data.get("method") == "custom":
            self.inbox.append(json.loads(json.dumps(data["content"])))

    def post(self, content: dict[str, Any]) -> None:
        from_browser(self.widget, content)


def _begin(fid: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"op": "begin", "id": fid, "name": f"{fid}.bin", "size": size, "type": "", "kind": "file", **extra}


async def test_file_drop_takes_the_backend_limit_and_refuses_above_it(small_server: EmbeddedServer) -> None:
    secret = small_server.ensure_app("fdlimit")
    session = await get_talk_session("fdlimit", "alice", secret_key=secret, host=small_server.base_url)
    admin = Admin(small_server.base_url, "fdlimit", secret)
    await admin.user("alice")
    widget = FileDrop(session)
    browser = Browser(widget)
    await wait_until(lambda: widget.backend_max_size, what="the backend's limit")
    assert widget.backend_max_size == 3 * MiB + 17 and widget.size_limit == 3 * MiB + 17
    assert small_server.base_url in widget.limit_note
    assert widget.get_state()["backend_max_size"] == 3 * MiB + 17  # synced: the browser shows and applies it

    browser.post(_begin("big", 3 * MiB + 18))  # one byte over: refused at once, nothing spooled
    assert browser.inbox[-1]["op"] == "rejected" and "the limit is" in browser.inbox[-1]["reason"]
    assert "big" not in widget._transfers and small_server.emulator.store.file_paths() == []
    [upload] = widget.uploads
    assert (upload.status, upload.path, upload.error) == ("error", "none", browser.inbox[-1]["reason"])
    browser.post(_begin("fits", 3 * MiB + 17))
    assert browser.inbox[-1]["op"] == "ready"
    widget.close()
    await admin.aclose()
    await session.aclose()


async def test_max_size_above_the_backend_limit_is_lowered_with_a_notice(small_server: EmbeddedServer) -> None:
    secret = small_server.ensure_app("fdclamp")
    session = await get_talk_session("fdclamp", "alice", secret_key=secret, host=small_server.base_url)
    widget = FileDrop(session, max_size=100 * MiB)
    assert widget.max_size == 100 * MiB  # the limit is not known yet
    await wait_until(lambda: widget.max_size == 3 * MiB + 17, what="max_size lowered to the backend's limit")
    [notice] = widget.output.outputs
    assert (
        notice["name"] == "stderr"
        and "max_size 100 MiB is more than the backend takes; it is now 3 MiB" in (notice["text"])
    )
    widget.max_size = 2 * MiB  # below: kept as given, no new notice
    assert widget.max_size == 2 * MiB and widget.size_limit == 2 * MiB and len(widget.output.outputs) == 1
    widget.max_size = 10 * MiB  # above again, now that the limit is known: lowered at once
    assert widget.max_size == 3 * MiB + 17 and "max_size 10 MiB" in widget.output.outputs[-1]["text"]
    widget.close()
    await session.aclose()


async def test_uploads_follow_the_order_the_rows_show(small_server: EmbeddedServer) -> None:
    """The browser reads each file's metadata before ``begin``, so begins arrive in any order; each
    carries when and in which position it was added, and ``uploads`` (like ``rows``) follows that."""
    secret = small_server.ensure_app("fdorder")
    session = await get_talk_session("fdorder", "alice", secret_key=secret, host=small_server.base_url)
    widget = FileDrop(session, direct=False)
    browser = Browser(widget)
    await wait_until(lambda: widget.backend_max_size, what="the backend's limit")
    added = 1_765_000_000_000
    browser.post(_begin("third", 10, added=added, n=3))
    browser.post(_begin("first", 10, added=added, n=1))
    browser.post(
        {
            "op": "refused",
            "id": "second",
            "name": "huge.mov",
            "size": 9 * MiB,
            "type": "video/quicktime",
            "kind": "video",
            "reason": "too large: 9 MiB, the limit is 3 MiB",
            "added": added,
            "n": 2,
        }
    )
    browser.post(_begin("later", 10, added=added + 5, n=0))  # a reloaded page counts from 0 again
    browser.post(_begin("unordered", 10))  # no position given: last, in arrival order
    assert [u.id for u in widget.uploads] == ["first", "second", "third", "later", "unordered"]
    assert [r["id"] for r in widget.rows] == ["first", "second", "third", "later", "unordered"]
    second = widget.uploads[1]
    assert (second.status, second.path, second.size, second.kind) == ("error", "none", 9 * MiB, "video")
    assert second.error == "too large: 9 MiB, the limit is 3 MiB"
    assert [m for m in browser.inbox if m["id"] == "second"] == []  # nothing to answer: no bytes will come
    widget.close()
    await session.aclose()
