"""``POST /files`` streams the file part into its final file while the body arrives: these tests
catch the ``.part`` file mid-upload, then cut, overrun or spoil the request and check that nothing
stays behind, over the real server and raw sockets."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from talkwidgets.emulator import EmulatorConfig
from tests.raw_http_support import read_json_answer, status_and_body
from tests.serve_process import TIMEOUT
from tests.server_support import APP_ID, SECRET_KEY, Server, assert_error, ok

LIMIT = 1024 * 1024
BOUNDARY = "streamb0undary"
FILE_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
    "Content-Type: application/octet-stream\r\n\r\n"
).encode()


@pytest.fixture
def server_config(tmp_path: Path) -> EmulatorConfig:
    return EmulatorConfig(max_upload_bytes=LIMIT, files_dir=str(tmp_path / "files"))


def files_in(server: Server) -> list[str]:
    return sorted(os.listdir(server.embedded.emulator.files_dir))


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def request_head(length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST /v1/{APP_ID}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET_KEY}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()


def field(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def post_form(server: Server, body: bytes) -> httpx.Response:
    with httpx.Client(timeout=TIMEOUT) as http:
        return http.post(
            f"{server.api}/files",
            content=body,
            headers={
                "Authorization": f"Bearer {server.secret_key}",
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )


def a_part_file_appears(server: Server) -> Callable[[], bool]:
    return lambda: any(name.endswith(".part") for name in files_in(server))


def test_an_upload_cut_off_mid_body_leaves_no_file(server: Server) -> None:
    body_length = len(FILE_HEAD) + LIMIT // 2 + 100
    with socket.create_connection(("127.0.0.1", server.embedded.port), timeout=TIMEOUT) as sock:
        sock.sendall(request_head(body_length) + FILE_HEAD + b"\1" * (LIMIT // 4))
        # the bytes are on their way into the file that would keep them
        wait_until(a_part_file_appears(server), "the upload's .part file exists")
    # the client went away with a quarter of the file unsent
    wait_until(lambda: files_in(server) == [], "the .part file is gone")
    # and the server takes the next upload as usual
    with httpx.Client(base_url=server.api, headers={"Authorization": f"Bearer {server.secret_key}"}) as client:
        ok(client.post("/files", files={"file": ("a.txt", b"after")}))
    assert len(files_in(server)) == 1 and not files_in(server)[0].endswith(".part")


def test_a_streamed_upload_over_the_limit_leaves_no_part_file(server: Server) -> None:
    def chunk(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data)

    with socket.create_connection(("127.0.0.1", server.embedded.port), timeout=TIMEOUT) as sock:
        # no Content-Length: only the count of the streamed bytes can stop it
        sock.sendall(request_head(None) + chunk(FILE_HEAD + b"\2" * (LIMIT // 2)))
        wait_until(a_part_file_appears(server), "the upload's .part file exists")
        sock.sendall(chunk(b"\2" * LIMIT))  # past the limit; the body never ends
        answer = read_json_answer(sock)
    status, body = status_and_body(answer)
    assert status == 413 and body["errorCode"] == "PAYLOAD_TOO_LARGE"
    assert files_in(server) == []


def test_a_file_part_followed_by_an_unknown_field_is_refused_and_stores_nothing(server: Server) -> None:
    body = FILE_HEAD + b"\3" * 1000 + b"\r\n" + field("colour", "red") + f"--{BOUNDARY}--\r\n".encode()
    error = assert_error(post_form(server, body), 400)
    assert error["reasons"] == ["unknown form field(s): colour"]
    assert files_in(server) == []


@pytest.mark.parametrize(
    ("after_the_file", "reason"),
    [
        (
            FILE_HEAD.replace(b'"big.bin"', b'"second.bin"') + b"more\r\n",
            "malformed multipart body: Too many files. Maximum number of files is 1.",
        ),
        (b"".join(field("subtype", "") for _ in range(11)), "malformed multipart body: Too many fields. Maximum"),
        (field("subtype", "sticker"), "subtype must be one of"),
        (field("filename", "a\nb"), ""),
    ],
)
def test_a_form_spoiled_after_the_file_part_stores_nothing(server: Server, after_the_file: bytes, reason: str) -> None:
    body = FILE_HEAD + b"\4" * 1000 + b"\r\n" + after_the_file + f"--{BOUNDARY}--\r\n".encode()
    error = assert_error(post_form(server, body), 400)
    assert error["reasons"][0].startswith(reason), error
    assert files_in(server) == []


def test_a_body_that_ends_inside_the_file_part_stores_nothing(server: Server) -> None:
    # a complete HTTP body whose multipart never closes the file part: the file is not whole
    error = assert_error(post_form(server, FILE_HEAD + b"\5" * 5000), 400)
    assert error["reasons"] == ["the form needs a 'file' part carrying the bytes"]
    assert files_in(server) == []


def test_the_streamed_file_is_stored_whole_and_private(server: Server) -> None:
    data = os.urandom(LIMIT)
    body = (
        field("subtype", "")
        + FILE_HEAD
        + data
        + b"\r\n"
        + field("filename", "kept.bin")
        + f"--{BOUNDARY}--\r\n".encode()
    )
    ok(post_form(server, body))
    [name] = files_in(server)
    path = Path(server.embedded.emulator.files_dir, name)
    assert path.read_bytes() == data and path.stat().st_mode & 0o777 == 0o600
