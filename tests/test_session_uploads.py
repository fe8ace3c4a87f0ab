"""Uploads through TalkSession against the real embedded emulator: every data form, every metadata
class, the blocks that come back (by ``get`` and live), the bytes served, and every way to get it wrong.

The media files are committed fixtures (see ``tests/fixtures/media/README.md``); nothing here needs ffmpeg.
"""

from __future__ import annotations

import array
import io
import math
from pathlib import Path
from typing import Any

import httpx
import pytest

from talkwidgets import (
    AudioBlock,
    AudioFileMetadata,
    ConversationListSubscription,
    GenericFileBlock,
    GenericFileMetadata,
    ImageBlock,
    ImageFileMetadata,
    InvalidArgumentError,
    PayloadTooLargeError,
    SendFileBlock,
    TalkSession,
    UploadStream,
    VideoBlock,
    VideoFileMetadata,
    VoiceBlock,
    VoiceRecordingFileMetadata,
    get_talk_session,
)
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from tests.session_support import new_app_id, wait_until

MEDIA = Path(__file__).resolve().parent / "fixtures" / "media"
DURATION_TOLERANCE = 0.05
"""Probed durations of compressed audio differ slightly between MediaInfo versions."""

# file -> (metadata class, width, height, duration) as probed (see the README in fixtures/media)
EXPECTED: dict[str, tuple[type, int | None, int | None, float | None]] = {
    "image.png": (ImageFileMetadata, 64, 48, None),
    "image.jpg": (ImageFileMetadata, 80, 60, None),
    "anim.gif": (ImageFileMetadata, 32, 24, None),
    "image.webp": (ImageFileMetadata, 40, 30, None),
    "clip.mp4": (VideoFileMetadata, 64, 48, 1.5),
    "clip.webm": (VideoFileMetadata, 64, 48, 1.5),
    "tone.mp3": (AudioFileMetadata, None, None, 2.664),
    "tone.ogg": (AudioFileMetadata, None, None, 2.007),
    "tone.wav": (AudioFileMetadata, None, None, 1.25),
    "document.pdf": (GenericFileMetadata, None, None, None),
    "photo.mp3": (ImageFileMetadata, 64, 48, None),  # PNG bytes, lying extension
    "notes.txt": (AudioFileMetadata, None, None, 2.664),  # MP3 bytes, lying extension
}
AUDIO_FILES = [name for name, (cls, *_) in EXPECTED.items() if cls is AudioFileMetadata]

BLOCK_FOR = {
    GenericFileMetadata: GenericFileBlock,
    ImageFileMetadata: ImageBlock,
    VideoFileMetadata: VideoBlock,
    AudioFileMetadata: AudioBlock,
    VoiceRecordingFileMetadata: VoiceBlock,
}

# method -> (fixture file, metadata to pass, expected block class, subtype)
KINDS: dict[str, tuple[str, Any, type, str | None]] = {
    "upload_file": ("document.pdf", GenericFileMetadata("report.pdf"), GenericFileBlock, None),
    "upload_image": ("image.png", ImageFileMetadata("cat.png", width=64, height=48), ImageBlock, "image"),
    "upload_video": ("clip.mp4", VideoFileMetadata("clip.mp4", width=64, height=48, duration=1.5), VideoBlock, "video"),
    "upload_audio": ("tone.mp3", AudioFileMetadata("song.mp3", duration=2.664), AudioBlock, "audio"),
    "upload_voice": ("tone.ogg", VoiceRecordingFileMetadata("memo.ogg", duration=2.007), VoiceBlock, "voice"),
}
FORMS = ["bytes", "bytearray", "memoryview", "file", "str_path", "Path"]


def _data(form: str, path: Path, stack: list[Any]) -> Any:
    raw = path.read_bytes()
    if form == "bytes":
        return raw
    if form == "bytearray":
        return bytearray(raw)
    if form == "memoryview":
        return memoryview(raw)
    if form == "file":
        fh = path.open("rb")
        stack.append(fh)
        return fh
    if form == "str_path":
        return str(path)
    return path


def _metadata_fields(meta: Any) -> dict[str, Any]:
    return {name: getattr(meta, name) for name in ("filename", "width", "height", "duration") if hasattr(meta, name)}


def _block_fields(block: Any, like: Any) -> dict[str, Any]:
    return {name: getattr(block, name) for name in _metadata_fields(like)}


class Chat:
    """Alice in a conversation, with a live conversation list running."""

    def __init__(self, session: TalkSession, sub: ConversationListSubscription, http: httpx.AsyncClient) -> None:
        self.session = session
        self.sub = sub
        self.http = http
        self.conv = session.conversation("uploads")

    async def send_and_receive(self, token: str) -> tuple[Any, Any]:
        """Send the token; answer the file block read back by ``get`` and the one seen live."""
        ref = await self.conv.send(content=[SendFileBlock(file_token=token)])
        message = await ref.get()
        assert message is not None and message.sender.id == "alice" and len(message.content) == 1

        def live_last() -> Any:
            snaps = self.sub.state.latest_snapshot if self.sub.state.type == "active" else ()
            last = snaps[0].last_message if snaps else None
            return last if last is not None and last.id == ref.id else None

        live = await wait_until(live_last, what="the file message in the live conversation list")
        assert len(live.content) == 1
        return message.content[0], live.content[0]


@pytest.fixture
async def chat():
    session = await get_talk_session(app_id=new_app_id(), user_id="alice")
    await session.current_user.create_if_not_exists(name="Alice")
    await session.conversation("uploads").create_if_not_exists(subject="Files")
    sub = session.subscribe_conversations()
    await sub.connected
    async with httpx.AsyncClient(timeout=30) as http:
        yield Chat(session, sub, http)
    sub.unsubscribe()
    await session.aclose()


# --------------------------------------------------------------------------- every method × every data form


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method", list(KINDS))
async def test_upload_send_receive_download(chat: Chat, method: str, form: str) -> None:
    fixture, metadata, block_cls, subtype = KINDS[method]
    path = MEDIA / fixture
    raw = path.read_bytes()
    opened: list[Any] = []
    try:
        token = await getattr(chat.session, method)(_data(form, path, opened), metadata)
    finally:
        for fh in opened:
            assert not fh.closed, "a borrowed file object is left open for its owner"
            fh.close()
    assert isinstance(token, str) and token

    for block in await chat.send_and_receive(token):
        assert type(block) is block_cls
        assert block.type == "file" and block.subtype == subtype
        assert block.file_token == token
        assert block.size == len(raw)
        assert _block_fields(block, metadata) == _metadata_fields(metadata)
        response = await chat.http.get(block.url)
        assert response.status_code == 200 and response.content == raw


async def test_metadata_left_out_stays_out(chat: Chat) -> None:
    raw = (MEDIA / "clip.webm").read_bytes()
    token = await chat.session.upload_video(raw, VideoFileMetadata("clip.webm"))
    by_get, live = await chat.send_and_receive(token)
    for block in (by_get, live):
        assert isinstance(block, VideoBlock)
        assert (block.width, block.height, block.duration) == (None, None, None)
        assert block.size == len(raw) and block.filename == "clip.webm"


async def test_a_received_file_block_can_be_sent_again(chat: Chat) -> None:
    token = await chat.session.upload_image(MEDIA / "anim.gif", ImageFileMetadata("anim.gif", width=32, height=24))
    first, _ = await chat.send_and_receive(token)
    ref = await chat.conv.send(content=[first])  # a received block re-sends without re-uploading
    again = (await ref.get()).content[0]
    assert again == first


async def test_other_buffer_shapes(chat: Chat) -> None:
    """Buffers of wider items upload their raw bytes; non-contiguous views are copied first."""
    numbers = array.array("h", range(300))
    token = await chat.session.upload_file(memoryview(numbers), GenericFileMetadata("numbers.bin"))
    block, _ = await chat.send_and_receive(token)
    assert block.size == len(numbers.tobytes())
    assert (await chat.http.get(block.url)).content == numbers.tobytes()

    raw = bytes(range(256)) * 4
    strided = memoryview(raw)[::2]
    token = await chat.session.upload_file(strided, GenericFileMetadata("strided.bin"))
    block, _ = await chat.send_and_receive(token)
    assert (await chat.http.get(block.url)).content == raw[::2]

    token = await chat.session.upload_file(io.BytesIO(b"in memory"), GenericFileMetadata("memory.txt"))
    block, _ = await chat.send_and_receive(token)
    assert (await chat.http.get(block.url)).content == b"in memory"


# --------------------------------------------------------------------------- wrong metadata, wrong data


async def test_wrong_metadata_class_is_a_type_error(chat: Chat) -> None:
    s = chat.session
    raw = (MEDIA / "image.png").read_bytes()
    wrong = [
        (s.upload_image, VideoFileMetadata("x.mp4")),
        (s.upload_audio, VoiceRecordingFileMetadata("x.ogg")),
        (s.upload_voice, AudioFileMetadata("x.mp3")),
        (s.upload_video, ImageFileMetadata("x.png")),
        (s.upload_file, ImageFileMetadata("x.png")),  # even a "more specific" class is refused
        (s.upload_image, GenericFileMetadata("x.png")),
        (s.upload_file, {"filename": "x.png"}),
        (s.upload_file, "x.png"),
        (s.upload_audio, None),
    ]
    for method, metadata in wrong:
        with pytest.raises(TypeError, match=type(metadata).__name__):
            await method(raw, metadata)


@pytest.mark.parametrize(
    "build, error",
    [
        (lambda: GenericFileMetadata(""), InvalidArgumentError),
        (lambda: ImageFileMetadata("", width=1), InvalidArgumentError),
        (lambda: GenericFileMetadata("a\x00b"), InvalidArgumentError),
        (lambda: GenericFileMetadata(None), TypeError),
        (lambda: GenericFileMetadata(b"x.png"), TypeError),
        (lambda: ImageFileMetadata("x.png", width=0), InvalidArgumentError),
        (lambda: ImageFileMetadata("x.png", height=-3), InvalidArgumentError),
        (lambda: ImageFileMetadata("x.png", width=1.5), TypeError),
        (lambda: ImageFileMetadata("x.png", width=True), TypeError),
        (lambda: ImageFileMetadata("x.png", width="64"), TypeError),
        (lambda: VideoFileMetadata("x.mp4", width=0), InvalidArgumentError),
        (lambda: VideoFileMetadata("x.mp4", duration=-1), InvalidArgumentError),
        (lambda: VideoFileMetadata("x.mp4", duration=math.nan), InvalidArgumentError),
        (lambda: AudioFileMetadata("x.mp3", duration=-0.5), InvalidArgumentError),
        (lambda: AudioFileMetadata("x.mp3", duration=math.inf), InvalidArgumentError),
        (lambda: VoiceRecordingFileMetadata("x.ogg", duration=math.nan), InvalidArgumentError),
        (lambda: VoiceRecordingFileMetadata("x.ogg", duration="2"), TypeError),
        (lambda: AudioFileMetadata("x.mp3", 2.0), TypeError),  # only filename is positional
    ],
)
def test_metadata_validation_on_construction(build: Any, error: type) -> None:
    with pytest.raises(error):
        build()


def test_metadata_values_that_are_fine() -> None:
    assert ImageFileMetadata("x.png", width=1, height=1).width == 1
    assert VideoFileMetadata("x.mp4", duration=0).duration == 0.0
    assert isinstance(AudioFileMetadata("x.mp3", duration=3).duration, float)
    assert VoiceRecordingFileMetadata("x.ogg").duration is None
    assert issubclass(InvalidArgumentError, ValueError)


async def test_wrong_data_gives_clear_errors(chat: Chat, tmp_path: Path) -> None:
    s = chat.session
    meta = GenericFileMetadata("x.bin")
    with pytest.raises(TypeError, match="bytes-like, a binary file object or a path"):
        await s.upload_file(123, meta)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes-like"):
        await s.upload_file(None, meta)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes-like"):
        await s.upload_file([1, 2, 3], meta)  # type: ignore[arg-type]
    text_file = tmp_path / "t.txt"
    text_file.write_text("hello")
    with text_file.open("r") as fh, pytest.raises(TypeError, match="binary mode"):
        await s.upload_file(fh, meta)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary mode"):
        await s.upload_file(io.StringIO("hello"), meta)  # type: ignore[arg-type]
    # a str is a path: text that is not one says so
    with pytest.raises(InvalidArgumentError, match="no such file.*text.encode"):
        await s.upload_file("hello, this is text not a path", meta)
    with pytest.raises(InvalidArgumentError, match="no such file"):
        await s.upload_file(tmp_path / "missing.pdf", meta)
    with pytest.raises(InvalidArgumentError, match="no such file"):
        await s.upload_file(str(tmp_path), meta)  # a directory is not a file
    with pytest.raises(InvalidArgumentError, match="no such file"):
        await s.upload_path(tmp_path / "missing.png")
    assert not s.errored, "argument errors never end the session"


async def test_empty_file_uploads(chat: Chat) -> None:
    token = await chat.session.upload_file(b"", GenericFileMetadata("empty.txt"))
    block, live = await chat.send_and_receive(token)
    assert block.size == 0 and live.size == 0
    assert (await chat.http.get(block.url)).content == b""


# --------------------------------------------------------------------------- streams


async def _pieces(*parts: bytes) -> Any:
    for part in parts:
        yield memoryview(part)


async def test_an_upload_stream_is_sent_as_it_arrives(chat: Chat) -> None:
    """``UploadStream``: bytes from an async iterable (memoryviews too), with the filename encoded as
    for any other upload; a stream shorter or longer than its size fails and stores nothing."""
    name = 'odd "name".bin'
    parts = [bytes([i]) * (100_000 + i) for i in range(5)]
    data = b"".join(parts)
    token = await chat.session.upload_file(UploadStream(len(data), _pieces(*parts)), GenericFileMetadata(name))
    block, _live = await chat.send_and_receive(token)
    assert block.filename == name and block.size == len(data)
    assert (await chat.http.get(block.url)).content == data

    with EmbeddedServer() as server:
        secret = server.ensure_app("streams")
        session = await get_talk_session("streams", "alice", secret_key=secret, host=server.base_url)
        try:
            with pytest.raises(InvalidArgumentError, match="ended after 3 of its 5 bytes"):
                await session.upload_file(UploadStream(5, _pieces(b"abc")), GenericFileMetadata("short.bin"))
            with pytest.raises(InvalidArgumentError, match="more than its size of 2 bytes"):
                await session.upload_file(UploadStream(2, _pieces(b"abc")), GenericFileMetadata("long.bin"))
            assert server.emulator.store.file_paths() == []
            assert not session.errored
            token = await session.upload_file(UploadStream(0, _pieces()), GenericFileMetadata("empty.bin"))
            assert token and len(server.emulator.store.file_paths()) == 1
        finally:
            await session.aclose()
    with pytest.raises(InvalidArgumentError, match="size must be"):
        UploadStream(-1, _pieces())
    with pytest.raises(TypeError, match="async iterable"):
        UploadStream(3, [b"abc"])  # type: ignore[arg-type]


async def test_an_upload_stream_of_large_chunks_arrives_exactly(chat: Chat) -> None:
    """Chunks larger than what goes to the connection at once (FileDrop's 4 MiB) are sent as views
    into them: every shape a chunk may have (bytes, bytearray, a memoryview of 4-byte items, a
    non-contiguous view) arrives byte for byte, in order."""
    mib = 1024 * 1024
    words = array.array("I", range(mib // 2))  # 2 MiB of 4-byte items
    strided = memoryview(bytes(range(256)) * (3 * mib // 256))[::2]  # 1.5 MiB, not contiguous
    chunks: list[Any] = [bytes([1]) * (4 * mib + 3), bytearray(b"\2" * (3 * mib)), memoryview(words), strided]
    data = b"".join(bytes(chunk) for chunk in chunks)

    async def stream() -> Any:
        for chunk in chunks:
            yield chunk

    token = await chat.session.upload_file(UploadStream(len(data), stream()), GenericFileMetadata("big.bin"))
    block, _live = await chat.send_and_receive(token)
    assert block.size == len(data)
    assert (await chat.http.get(block.url)).content == data


# --------------------------------------------------------------------------- the server's limit


async def test_upload_over_the_limit_is_payload_too_large() -> None:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=1000)) as server:
        secret = server.ensure_app("small")
        session = await get_talk_session("small", "alice", secret_key=secret, host=server.base_url)
        try:
            await session.current_user.create_if_not_exists(name="Alice")
            await session.conversation("c").create_if_not_exists()
            ok = await session.upload_file(b"x" * 1000, GenericFileMetadata("fits.bin"))  # exactly the limit
            ref = await session.conversation("c").send(content=[SendFileBlock(file_token=ok)])
            assert (await ref.get()).content[0].size == 1000
            for data in (b"x" * 1001, (MEDIA / "tone.wav"), bytes(300_000), bytes(5_000_000)):
                with pytest.raises(PayloadTooLargeError) as info:
                    await session.upload_file(data, GenericFileMetadata("big.bin"))
                assert info.value.status == 413
            with pytest.raises(PayloadTooLargeError):
                await session.upload_path(MEDIA / "clip.webm")
            assert not session.errored, "a refused upload is not a session error"
            assert (await session.conversation("c").get()) is not None
        finally:
            await session.aclose()


# --------------------------------------------------------------------------- upload_path


@pytest.mark.parametrize("name", list(EXPECTED))
async def test_upload_path_detects_kind_from_content(chat: Chat, name: str) -> None:
    cls, width, height, duration = EXPECTED[name]
    path = MEDIA / name
    token, meta = await chat.session.upload_path(path)
    assert type(meta) is cls, f"{name}: {meta!r}"
    assert meta.filename == name
    assert getattr(meta, "width", None) == width and getattr(meta, "height", None) == height
    if duration is None:
        assert getattr(meta, "duration", None) is None
    else:
        assert meta.duration == pytest.approx(duration, abs=DURATION_TOLERANCE)

    block, live = await chat.send_and_receive(token)
    for received in (block, live):
        assert type(received) is BLOCK_FOR[cls]
        assert received.filename == name and received.size == path.stat().st_size
        assert _block_fields(received, meta) == _metadata_fields(meta)
    assert (await chat.http.get(block.url)).content == path.read_bytes()


async def test_upload_path_accepts_str_paths(chat: Chat) -> None:
    token, meta = await chat.session.upload_path(str(MEDIA / "image.jpg"))
    assert meta == ImageFileMetadata("image.jpg", width=80, height=60)
    block, _ = await chat.send_and_receive(token)
    assert isinstance(block, ImageBlock)


@pytest.mark.parametrize("name", AUDIO_FILES)
async def test_upload_path_voice(chat: Chat, name: str) -> None:
    token, meta = await chat.session.upload_path(MEDIA / name, voice=True)
    assert type(meta) is VoiceRecordingFileMetadata
    assert meta.duration == pytest.approx(EXPECTED[name][3], abs=DURATION_TOLERANCE)
    block, live = await chat.send_and_receive(token)
    assert type(block) is VoiceBlock and type(live) is VoiceBlock
    assert block.subtype == "voice" and block.duration == meta.duration


@pytest.mark.parametrize("name", ["image.png", "clip.mp4", "document.pdf", "photo.mp3"])
async def test_upload_path_voice_leaves_non_audio_alone(chat: Chat, name: str) -> None:
    _, meta = await chat.session.upload_path(MEDIA / name, voice=True)
    assert type(meta) is EXPECTED[name][0]


# --------------------------------------------------------------------------- polling (the cloud's live mode)


async def test_a_file_message_arrives_by_polling_too() -> None:
    """``live="poll"`` is how the cloud is followed; the emulator runs the same code path."""
    app = new_app_id()
    alice = await get_talk_session(app_id=app, user_id="alice", live="poll", poll_interval=0.2)
    bob = await get_talk_session(app_id=app, user_id="bob")
    try:
        await alice.current_user.create_if_not_exists(name="Alice")
        await bob.current_user.create_if_not_exists(name="Bob")
        await bob.conversation("c").create_if_not_exists()
        await bob.conversation("c").participant("alice").create_if_not_exists()
        sub = alice.subscribe_conversations()
        await sub.connected
        assert alice.connection == "connected"
        raw = (MEDIA / "tone.wav").read_bytes()
        token = await bob.upload_voice(raw, VoiceRecordingFileMetadata("memo.wav", duration=1.25))
        ref = await bob.conversation("c").send(content=[SendFileBlock(file_token=token)])
        last = await wait_until(
            lambda: (m := sub.state.latest_snapshot[0].last_message) and m.id == ref.id and m,
            what="the polled file message",
        )
        block = last.content[0]
        assert isinstance(block, VoiceBlock) and block.duration == 1.25 and block.size == len(raw)
        assert sub.state.latest_snapshot[0].unread_message_count == 1
    finally:
        await alice.aclose()
        await bob.aclose()


# --------------------------------------------------------------------------- filenames


@pytest.mark.parametrize(
    "name",
    [
        "café ü.png",
        'my "best" photo.png',
        "back\\slash.png",
        "emoji 😀.png",
        "semi;colon=1.png",
        "per%22cent.txt",
        "a'b.txt",
        "x" * 255,
    ],
)
async def test_filenames_round_trip_exactly(chat: Chat, name: str) -> None:
    token = await chat.session.upload_image(b"\x89PNG not really", ImageFileMetadata(name, width=2))
    block, live = await chat.send_and_receive(token)
    assert block.filename == name and live.filename == name
    assert (await chat.http.get(block.url)).content == b"\x89PNG not really"


@pytest.mark.parametrize("name", ["tab\there.txt", "new\nline.txt", "bell\x07.txt"])
async def test_control_characters_in_filenames_are_refused_not_mangled(chat: Chat, name: str) -> None:
    with pytest.raises(InvalidArgumentError, match="control"):  # refused before any byte moves
        GenericFileMetadata(name)
    for bad in ("   ", "x" * 256):
        with pytest.raises(InvalidArgumentError):
            GenericFileMetadata(bad)
    assert not chat.session.errored
