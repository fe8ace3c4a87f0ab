"""Hostile input against the real emulator over real sockets: each case is a clear 4xx (or a
proper close code), the server stores nothing, answers every connection and logs no traceback.

One regression test per case of issue 9, section 2.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from talkwidgets.emulator import EmulatorConfig
from talkwidgets.emulator._http import error_body
from talkwidgets.emulator.errors import InvalidError
from tests.process_support import free_port
from tests.raw_http_support import feed_handshake, raw_exchange, read_json_answer, status_and_body
from tests.serve_process import TIMEOUT, Proc
from tests.server_support import APP_ID, SECRET_KEY, assert_error, auth, make_conversation, make_users, ok, start_server

DEEP = b"[" * 10_000 + b"]" * 10_000


class LogRecords(logging.Handler):
    """Collects what the server logs at WARNING and above, to prove no traceback was written."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [self.format(r) for r in self.records if r.exc_info or "Traceback" in r.getMessage()]


@pytest.fixture(autouse=True)
def server_log() -> Iterator[LogRecords]:
    """Every test here also asserts that the server logged no exception."""
    handler = LogRecords()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "asyncio", "talkwidgets")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    assert handler.tracebacks() == []


def put_raw(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.put(path, content=body, headers={"Content-Type": "application/json"})


def post_raw(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


# -- JSON bodies ----------------------------------------------------------------------------------


def test_json_nested_ten_thousand_deep_is_a_400_and_stores_nothing(client: httpx.Client) -> None:
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    reason = assert_error(put_raw(client, "/users/deep", DEEP), 400)["reasons"][0]
    assert "nested" in reason
    assert_error(client.get("/users/deep"), 404)
    deep_item = b'[{"sender": "alice", "text": "hi", "custom": {"k": ' + DEEP + b"}}]"
    assert_error(post_raw(client, "/conversations/conv/messages", deep_item), 400)
    deep_user = b'{"name": "Deep", "custom": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}"
    assert_error(put_raw(client, "/users/deep", deep_user), 400)
    assert ok(client.get("/conversations/conv/messages")).json()["data"] == []
    assert_error(client.get("/users/deep"), 404)


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\\udfff"}',
        b'{"name": "ok", "custom": {"\\ud800": "key is a lone surrogate"}}',
        b'{"name": "ok", "\\udfff": 1}',  # an unknown field whose name the 400 quotes
        b'{"name": "\xff\xfe"}',  # raw bytes that are not UTF-8
        b'{"name": "caf\xc3"}',  # a truncated UTF-8 sequence
    ],
)
def test_lone_surrogates_and_invalid_utf8_in_bodies_are_400s(client: httpx.Client, body: bytes) -> None:
    response = put_raw(client, "/users/eve", body)
    assert_error(response, 400)
    response.content.decode("utf-8")  # the 400 itself is valid UTF-8
    assert_error(client.get("/users/eve"), 404)


def test_lone_surrogates_in_ids_are_400s(client: httpx.Client) -> None:
    make_users(client, "alice")
    assert_error(put_raw(client, "/users", b'{"\\udfff": {"name": "Batch"}}'), 400)
    assert_error(put_raw(client, "/conversations/conv", b'{"participants": ["alice", "\\udc00"]}'), 400)
    assert_error(client.get("/conversations/conv"), 404)
    make_conversation(client, "conv", "alice")
    assert_error(post_raw(client, "/conversations/conv/messages", b'[{"sender": "\\udfff", "text": "x"}]'), 400)
    assert ok(client.get("/users")).json()["data"][0]["id"] == "alice"
    assert len(ok(client.get("/users")).json()["data"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/users/%ED%BF%BF",  # the UTF-8 form of a lone surrogate: not valid UTF-8
        "/users/%FF",
        "/users/caf%C3",
        "/conversations/%ED%A0%80/messages",
    ],
)
def test_invalid_utf8_in_path_ids_is_a_400_not_a_replacement_character(client: httpx.Client, path: str) -> None:
    for method in ("GET", "PUT"):
        response = client.request(method, path, json={"name": "Bad id"})
        body = assert_error(response, 400)
        assert "UTF-8" in body["reasons"][0]
    assert ok(client.get("/users")).json()["data"] == []


@pytest.mark.parametrize("query", ["startingAfter=%ED%BF%BF", "limit=%FF", "startingAfter=caf%C3"])
def test_invalid_utf8_in_query_strings_is_a_400(client: httpx.Client, query: str) -> None:
    body = assert_error(client.get(f"/users?{query}"), 400)
    assert "query string" in body["reasons"][0]


def test_the_400_renders_even_when_its_reason_quotes_a_lone_surrogate() -> None:
    body = error_body(InvalidError("unknown field(s) \udfff"))
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")  # what the response writes
    assert "\\udfff" in json.loads(encoded)["reasons"][0]


def test_integers_over_4300_digits_are_400s(client: httpx.Client) -> None:
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    huge = b"1" + b"0" * 5_000
    body = assert_error(put_raw(client, "/users/bob", b'{"name": "Bob", "custom": {"n": ' + huge + b"}}"), 400)
    assert "4,300 digits" in body["reasons"][0]
    assert_error(client.get("/users/bob"), 404)
    item = b'[{"sender": "alice", "location": [' + huge + b", 0]}]"
    assert_error(post_raw(client, "/conversations/conv/messages", item), 400)
    assert ok(client.get("/conversations/conv/messages")).json()["data"] == []


@pytest.mark.parametrize(
    "location",
    [
        b"[" + str(10**400).encode() + b", 0]",  # an integer too big for a float
        b"[0, -" + str(10**309).encode() + b"]",
        b'{"latitude": 1e400, "longitude": 0}',  # a float literal that overflows to infinity
        b"[NaN, 0]",
        b"[Infinity, 0]",
        b"[" + str(2**63).encode() + b", 0]",  # fits a float, but not SQLite's 64-bit integers
    ],
)
def test_numbers_no_float_or_sqlite_can_hold_in_a_location_are_400s(client: httpx.Client, location: bytes) -> None:
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    item = b'[{"sender": "alice", "text": "where?", "location": ' + location + b"}]"
    assert_error(post_raw(client, "/conversations/conv/messages", item), 400)
    assert ok(client.get("/conversations/conv/messages")).json()["data"] == []


# -- bodies are limited while they stream ---------------------------------------------------------


def test_a_chunked_json_body_is_refused_once_it_passes_the_limit_not_after_it_ends(server) -> None:
    """No Content-Length: the server must count while reading. The body here never ends, so the
    413 can only come from the streaming check."""
    head = (
        f"PUT /v1/{APP_ID}/users/chunky HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET_KEY}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b'{"name": "' + b"x" * (64 * 1024)
    with socket.create_connection(("127.0.0.1", server.embedded.port), timeout=TIMEOUT) as sock:
        sock.sendall(head)
        for _ in range(18):  # 1.1 MiB, one byte over the limit is enough; the last chunk is never sent
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            chunk = b"x" * (64 * 1024)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            assert data, f"connection closed without an answer: {answer!r}"
            answer += data
    status, body = status_and_body(answer)
    assert status == 413 and body["errorCode"] == "PAYLOAD_TOO_LARGE"
    with httpx.Client(base_url=server.api, headers=auth(server.secret_key)) as c:
        assert_error(c.get("/users/chunky"), 404)


def test_a_chunked_upload_is_refused_once_it_passes_the_file_limit() -> None:
    srv = start_server(EmulatorConfig(max_upload_bytes=100_000))
    try:
        boundary = "b0undary"
        head = (
            f"POST /v1/{APP_ID}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET_KEY}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        part = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + b"\0" * 300_000
        with socket.create_connection(("127.0.0.1", srv.embedded.port), timeout=TIMEOUT) as sock:
            sock.sendall(head + b"%x\r\n%s\r\n" % (len(part), part))  # the body never ends
            answer = read_json_answer(sock)
        status, body = status_and_body(answer)
        assert status == 413 and body["errorCode"] == "PAYLOAD_TOO_LARGE"
        assert os.listdir(srv.embedded.emulator.files_dir) == []
    finally:
        srv.embedded.stop()


# -- connections ----------------------------------------------------------------------------------


@pytest.mark.parametrize("server_config", [EmulatorConfig(header_timeout=0.5)], indirect=True)
def test_a_connection_that_never_finishes_its_request_head_is_timed_out(server) -> None:
    port = server.embedded.port
    answer = raw_exchange(port, b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    status, body = status_and_body(answer)
    assert status == 408 and "did not arrive" in body["reasons"][0]
    assert raw_exchange(port, b"") == b""  # a silent connection is closed too (no answer owed)
    # a keep-alive connection that starts a second request and stalls is timed out as well
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 1")
        second = b""
        while data := sock.recv(65536):
            second += data
        assert second.startswith(b"HTTP/1.1 408")


def test_feed_handshakes_with_an_oversized_request_line_or_header_are_answered(server) -> None:
    port = server.embedded.port
    status, body = status_and_body(raw_exchange(port, feed_handshake(port, "&pad=" + "a" * 9_000)))
    assert status == 414 and "request line" in body["reasons"][0]
    status, body = status_and_body(raw_exchange(port, feed_handshake(port, extra_header=f"X-Pad: {'a' * 9_000}\r\n")))
    assert status == 431 and "header" in body["reasons"][0]
    # just under the limit still works
    ok_answer = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    with ok_answer:
        ok_answer.sendall(feed_handshake(port, extra_header=f"X-Pad: {'a' * 8_000}\r\n"))
        assert ok_answer.recv(65536).startswith(b"HTTP/1.1 101")


def feed_url(server) -> str:
    return f"ws://127.0.0.1:{server.embedded.port}/v1/{server.app_id}/feed?token={server.secret_key}"


@pytest.mark.parametrize(
    ("frame", "code", "words"),
    [
        (b"\x00\x01binary", 1003, "binary"),
        (DEEP.decode(), 1007, "nested"),
        ('{"op": "ping", "x": "\\udfff"}', 1007, "surrogate"),
        ("not json", 1007, "malformed JSON"),
        ('["op", "ping"]', 1007, "JSON object"),
    ],
)
async def test_bad_feed_frames_close_with_a_code_and_a_reason(
    server, frame: str | bytes, code: int, words: str
) -> None:
    async with connect(feed_url(server), open_timeout=TIMEOUT) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["op"] == "hello"
        await ws.send(frame)
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert ws.close_code == code
        assert words in (ws.close_reason or "")


async def test_a_feed_survives_unknown_ops_and_answers_pings(server) -> None:
    async with connect(feed_url(server), open_timeout=TIMEOUT) as ws:
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        await ws.send('{"op": "from-a-newer-client"}')
        await ws.send('{"op": "ping"}')
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) == {"op": "pong"}


async def test_feed_handshake_with_invalid_utf8_in_the_query_is_refused(server) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as info:
        async with connect(feed_url(server) + "&userId=%ED%BF%BF", open_timeout=TIMEOUT):
            pass
    assert info.value.response.status_code == 400


# -- files, permissions, logs ---------------------------------------------------------------------


def upload(client: httpx.Client, **headers: str) -> str:
    token = ok(client.post("/files", files={"file": ("a.txt", b"hello")}, headers=headers)).json()["fileToken"]
    make_users(client, "alice")
    make_conversation(client, "conv", "alice")
    ok(client.post("/conversations/conv/messages", json=[{"sender": "alice", "attachmentToken": token}]))
    return str(ok(client.get("/conversations/conv/messages")).json()["data"][0]["attachment"]["url"])


def test_file_urls_come_from_the_server_not_the_host_header(server, client: httpx.Client) -> None:
    url = upload(client, Host="evil.example")
    assert url.startswith(f"{server.base_url}/v1/{APP_ID}/files/"), url
    assert "evil" not in url
    assert httpx.get(url).content == b"hello"


@pytest.mark.parametrize("server_config", [EmulatorConfig(public_url="https://chat.example.org/")], indirect=True)
def test_file_urls_use_the_configured_public_url(client: httpx.Client) -> None:
    assert upload(client, Host="evil.example").startswith(f"https://chat.example.org/v1/{APP_ID}/files/")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_shm_and_uploads_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, under which files would be world-readable
    try:
        db = tmp_path / "chat.sqlite3"
        srv = start_server(EmulatorConfig(db_path=str(db)))
        try:
            with httpx.Client(base_url=srv.api, headers=auth(srv.secret_key)) as client:
                upload(client)
            files_dir = Path(srv.embedded.emulator.files_dir)
            stored = list(files_dir.iterdir())
            assert len(stored) == 1
            assert mode(db) == 0o600
            assert mode(Path(f"{db}-wal")) == 0o600 and mode(Path(f"{db}-shm")) == 0o600
            assert mode(files_dir) == 0o700 and mode(stored[0]) == 0o600
        finally:
            srv.embedded.stop()
        # a database made before (world-readable) is tightened when opened again
        os.chmod(db, 0o644)
        srv = start_server(EmulatorConfig(db_path=str(db)))
        srv.embedded.stop()
        assert mode(db) == 0o600
    finally:
        os.umask(old_umask)


def test_access_log_lines_never_carry_token_values() -> None:
    proc = Proc("--secret-key", SECRET_KEY, "--app-id", APP_ID, "--log-level", "info")
    try:
        proc.banner()
        proc.wait_healthy()
        user_token = jwt.encode({"tokenType": "user", "iss": APP_ID, "sub": "alice"}, SECRET_KEY, algorithm="HS256")

        async def open_feed() -> None:
            url = f"ws://127.0.0.1:{proc.port}/v1/{APP_ID}/feed?userId=alice&token={user_token}"
            async with connect(url, open_timeout=TIMEOUT) as ws:
                await asyncio.wait_for(ws.recv(), TIMEOUT)

        asyncio.run(open_feed())
        httpx.get(f"{proc.base_url}/v1/{APP_ID}/users?token={SECRET_KEY}&limit=1", timeout=TIMEOUT)
        proc.popen.send_signal(signal.SIGINT)
        assert proc.popen.wait(TIMEOUT) == 0
        output = "\n".join(proc.read_until("Finished server process"))
    finally:
        proc.kill()
    assert "token=[redacted]" in output and "/feed?userId=alice&token=[redacted]" in output, output
    assert user_token not in output and SECRET_KEY not in output.replace(f"secret key: {SECRET_KEY}", "")


def test_serve_refuses_an_empty_host() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "talkwidgets", "serve", "--host=", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert "--host is empty" in done.stderr


def test_serve_warns_on_a_host_other_machines_can_reach() -> None:
    proc = Proc("--host", "0.0.0.0")  # bound briefly; only loopback traffic is sent
    try:
        proc.banner()
        assert any("warning: --host 0.0.0.0" in line and "other machines" in line for line in proc.output)
        proc.wait_healthy()
        proc.popen.send_signal(signal.SIGINT)
        assert proc.popen.wait(TIMEOUT) == 0
    finally:
        proc.kill()
    quiet = Proc("--host", "127.0.0.1")
    try:
        quiet.banner()
        assert not any("warning" in line for line in quiet.output)
    finally:
        quiet.kill()


# -- tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_token_times_given_as_strings_are_refused(server, http: httpx.Client, claim: str) -> None:
    claims = {"tokenType": "app", "iss": APP_ID, claim: "1000000000" if claim != "exp" else "99999999999"}
    token = jwt.encode(claims, SECRET_KEY, algorithm="HS256")
    body = assert_error(http.get(f"{server.api}/users", headers=auth(token)), 401)
    assert "NumericDate" in body["reasons"][0]
    numeric = {**claims, claim: int(claims[claim])}
    ok(http.get(f"{server.api}/users", headers=auth(jwt.encode(numeric, SECRET_KEY, algorithm="HS256"))))


def test_a_feed_with_a_string_exp_is_refused(server) -> None:
    from websockets.exceptions import InvalidStatus

    token = jwt.encode({"tokenType": "app", "iss": APP_ID, "exp": "99999999999"}, SECRET_KEY, algorithm="HS256")

    async def attempt() -> int:
        with pytest.raises(InvalidStatus) as info:
            url = f"ws://127.0.0.1:{server.embedded.port}/v1/{APP_ID}/feed?token={urllib.parse.quote(token)}"
            async with connect(url, open_timeout=TIMEOUT):
                pass
        return info.value.response.status_code

    assert asyncio.run(attempt()) == 401
