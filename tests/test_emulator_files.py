"""File uploads: multipart in, tokens out, bytes served back exactly; limits store nothing."""

from __future__ import annotations

import os
import urllib.parse

import httpx
import pytest

from talkwidgets.emulator import EmulatorConfig
from tests.server_support import assert_error, make_conversation, make_users, message_ids, ok

LIMIT = 64 * 1024


@pytest.fixture
def server_config(tmp_path) -> EmulatorConfig:
    return EmulatorConfig(max_upload_bytes=LIMIT, files_dir=str(tmp_path / "files"))


@pytest.fixture
def files_dir(server) -> str:
    return server.embedded.emulator.files_dir


def upload(
    client: httpx.Client, data: bytes, filename: str = "notes.txt", content_type: str = "text/plain", **fields: str
) -> httpx.Response:
    return client.post("/files", files={"file": (filename, data, content_type)}, data=fields)


def send_file(client: httpx.Client, token: str, sender: str = "alice") -> dict:
    (mid,) = message_ids(
        client.post(
            "/conversations/conv/messages", json=[{"sender": sender, "content": [{"type": "file", "fileToken": token}]}]
        )
    )
    return ok(client.get(f"/conversations/conv/messages/{mid}")).json()


@pytest.fixture
def conv(client):
    make_users(client, "alice", "bob")
    make_conversation(client, "conv", "alice", "bob")


def test_upload_send_and_download_exact_bytes(client, conv, http, files_dir):
    data = bytes(range(256)) * 100  # binary, all byte values
    r = ok(upload(client, data, "photo.png", "image/png", subtype="image", width="640", height="480"))
    tokens = r.json()
    assert set(tokens) == {"fileToken", "attachmentToken"} and tokens["fileToken"] == tokens["attachmentToken"]
    assert len(os.listdir(files_dir)) == 1

    msg = send_file(client, tokens["fileToken"])
    (block,) = msg["content"]
    assert block["type"] == "file" and block["fileToken"] == tokens["fileToken"]
    assert block["size"] == len(data) and block["filename"] == "photo.png"
    assert block["subtype"] == "image" and block["width"] == 640 and block["height"] == 480
    assert msg["attachment"] == {"url": block["url"], "size": len(data)}

    got = http.get(block["url"])
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"].startswith("image/png")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]  # served bytes cannot script the origin
    # the file id is the credential: a wrong id is 404
    bad = block["url"].rsplit("/", 2)
    assert_error(http.get(f"{bad[0]}/notAnId/{bad[2]}"), 404)


def test_attachment_token_and_metadata_kinds(client, conv, http, user_client):
    audio = ok(upload(client, b"ID3" + b"\0" * 50, "clip.mp3", "audio/mpeg", subtype="voice", duration="12.5")).json()[
        "attachmentToken"
    ]
    (mid,) = message_ids(
        client.post(
            "/conversations/conv/messages", json=[{"sender": "bob", "text": "listen", "attachmentToken": audio}]
        )
    )
    msg = ok(client.get(f"/conversations/conv/messages/{mid}")).json()
    text_block, file_block = msg["content"]
    assert text_block == {"type": "text", "children": ["listen"]}
    assert file_block["subtype"] == "voice" and file_block["duration"] == 12.5
    assert http.get(file_block["url"]).content == b"ID3" + b"\0" * 50
    # a generic file has no subtype
    plain = ok(upload(client, b"hello")).json()["fileToken"]
    block = send_file(client, plain)["content"][0]
    assert "subtype" not in block and block["filename"] == "notes.txt" and block["size"] == 5
    # a user token may upload too
    video = ok(
        upload(
            user_client("bob"), b"v" * 10, "v.mp4", "video/mp4", subtype="video", width="2", height="3", duration="0"
        )
    ).json()["fileToken"]
    block = send_file(user_client("bob"), video, sender="bob")["content"][0]
    assert (block["width"], block["height"], block["duration"]) == (2, 3, 0)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a/b/c.txt",
        "/abs.txt",
        "..",
        ".",
        "naïve ☃ файл.txt",
        "with space & percent%20.txt",
        "..\\win.txt",
    ],
)
def test_filenames_are_data(client, conv, http, files_dir, name):
    data = f"contents of {name}".encode()
    token = ok(upload(client, data, name)).json()["fileToken"]
    block = send_file(client, token)["content"][0]
    assert block["filename"] == name
    got = http.get(block["url"])
    assert got.status_code == 200 and got.content == data
    disposition = got.headers["content-disposition"]
    assert urllib.parse.unquote(disposition.split("filename*=UTF-8''", 1)[1]) == name
    # the bytes sit inside the files folder under a random name, nowhere else
    stored = os.listdir(files_dir)
    assert len(stored) == 1 and name not in stored
    with open(os.path.join(files_dir, stored[0]), "rb") as f:
        assert f.read() == data


@pytest.mark.parametrize("name", ["bad\x00name.txt", "tab\tname.txt", "new\nline.txt", "bell\x07.txt", "del\x7f"])
def test_control_characters_in_filename_are_refused(client, conv, files_dir, name):
    # the filename goes in the form field 'filename' (a multipart header cannot carry a raw NUL/newline)
    r = client.post("/files", files={"file": ("ok.txt", b"data", "text/plain")}, data={"filename": name})
    assert_error(r, 400)
    assert os.listdir(files_dir) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"subtype": "pdf"},
        {"subtype": "image", "width": "0"},
        {"subtype": "image", "height": "-3"},
        {"subtype": "image", "width": "wide"},
        {"subtype": "audio", "duration": "-1"},
        {"subtype": "audio", "duration": "nan"},
        {"subtype": "audio", "duration": "inf"},
        {"subtype": "audio", "width": "10"},
        {"duration": "3"},
        {"subtype": "image", "duration": "1"},
        {"colour": "red"},
    ],
)
def test_bad_metadata_is_refused(client, conv, files_dir, fields):
    assert_error(upload(client, b"data", "f.bin", "application/octet-stream", **fields), 400)
    assert os.listdir(files_dir) == []


def test_upload_over_the_limit_stores_nothing(client, conv, files_dir, http, server):
    before = sorted(os.listdir(files_dir))
    body = assert_error(upload(client, b"x" * (LIMIT + 1)), 413)
    assert body["errorCode"] == "PAYLOAD_TOO_LARGE"
    assert sorted(os.listdir(files_dir)) == before
    # well over the limit, so the Content-Length check refuses it before reading
    assert_error(upload(client, b"x" * (LIMIT * 4)), 413)
    assert sorted(os.listdir(files_dir)) == before

    # streamed without Content-Length (chunked): the counting stream refuses it too
    def chunks():
        boundary_start = (
            b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        yield boundary_start
        for _ in range(8):
            yield b"y" * (LIMIT // 2)
        yield b"\r\n--BOUNDARY--\r\n"

    r = http.post(
        f"{server.api}/files",
        content=chunks(),
        headers={
            "Authorization": f"Bearer {server.secret_key}",
            "Content-Type": "multipart/form-data; boundary=BOUNDARY",
        },
    )
    assert_error(r, 413)
    assert sorted(os.listdir(files_dir)) == before

    # exactly at the limit is fine
    token = ok(upload(client, b"z" * LIMIT)).json()["fileToken"]
    assert len(os.listdir(files_dir)) == len(before) + 1
    assert http.get(send_file(client, token)["content"][0]["url"]).content == b"z" * LIMIT


def test_upload_needs_multipart_with_a_file(client, conv, files_dir, http, server):
    assert_error(client.post("/files", json={"file": "abc"}), 400)
    assert_error(client.post("/files", data={"subtype": "image"}), 400)
    r = http.post(
        f"{server.api}/files",
        content=b"--X\r\ngarbage",
        headers={"Authorization": f"Bearer {server.secret_key}", "Content-Type": "multipart/form-data; boundary=X"},
    )
    assert_error(r, 400)
    assert_error(http.post(f"{server.api}/files", files={"file": ("a.txt", b"a")}), 401)
    assert os.listdir(files_dir) == []


def test_unknown_file_token_is_refused_and_tokens_are_per_app(client, conv, server, http):
    r = client.post(
        "/conversations/conv/messages",
        json=[{"sender": "alice", "content": [{"type": "file", "fileToken": "ft_made_up"}]}],
    )
    assert_error(r, 400)
    token = ok(upload(client, b"mine")).json()["fileToken"]
    other_key = server.embedded.ensure_app("other")
    other = httpx.Client(base_url=f"{server.base_url}/v1/other", headers={"Authorization": f"Bearer {other_key}"})
    with other:
        make_users(other, "alice")
        make_conversation(other, "conv", "alice")
        r = other.post(
            "/conversations/conv/messages",
            json=[{"sender": "alice", "content": [{"type": "file", "fileToken": token}]}],
        )
        assert_error(r, 400)
    assert ok(client.get("/conversations/conv/messages")).json()["data"] == []


def test_reset_removes_stored_files(client, conv, files_dir, server, http):
    token = ok(upload(client, b"to be forgotten")).json()["fileToken"]
    url = send_file(client, token)["content"][0]["url"]
    assert len(os.listdir(files_dir)) == 1
    ok(
        http.post(
            f"{server.base_url}/_emulator/apps/{server.app_id}/reset",
            headers={"Authorization": f"Bearer {server.secret_key}"},
        )
    )
    assert os.listdir(files_dir) == []
    assert_error(http.get(url), 404)
