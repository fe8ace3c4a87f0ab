"""Upload metadata: construction, validation, multipart fields, rebuild from blocks."""

from __future__ import annotations

import dataclasses
import math

import pytest

from talkwidgets.model import (
    METADATA_BY_SUBTYPE,
    AudioBlock,
    AudioFileMetadata,
    FileToken,
    GenericFileBlock,
    GenericFileMetadata,
    ImageBlock,
    ImageFileMetadata,
    InvalidArgumentError,
    TalkError,
    VideoBlock,
    VideoFileMetadata,
    VoiceBlock,
    VoiceRecordingFileMetadata,
    metadata_from_block,
    to_json,
)

ALL = [GenericFileMetadata, ImageFileMetadata, VideoFileMetadata, AudioFileMetadata, VoiceRecordingFileMetadata]


def test_filename_positional_and_keyword() -> None:
    assert ImageFileMetadata("cat.png", width=1).width == 1
    assert ImageFileMetadata(filename="cat.png").filename == "cat.png"
    with pytest.raises(TypeError):
        ImageFileMetadata("cat.png", 1)  # type: ignore[misc]  # width is keyword-only


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("bad", ["", "a\x00b"])
def test_bad_filename_value(cls: type, bad: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        cls(bad)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TalkError)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("bad", [None, b"x.png", 3])
def test_bad_filename_type(cls: type, bad: object) -> None:
    with pytest.raises(TypeError):
        cls(bad)


@pytest.mark.parametrize("cls", [ImageFileMetadata, VideoFileMetadata])
@pytest.mark.parametrize("name", ["width", "height"])
def test_dimension_validation(cls: type, name: str) -> None:
    with pytest.raises(InvalidArgumentError):
        cls("a", **{name: 0})
    with pytest.raises(InvalidArgumentError):
        cls("a", **{name: -3})
    with pytest.raises(TypeError):
        cls("a", **{name: 1.5})
    with pytest.raises(TypeError):
        cls("a", **{name: 2.0})
    with pytest.raises(TypeError):
        cls("a", **{name: True})
    with pytest.raises(TypeError):
        cls("a", **{name: "640"})
    assert getattr(cls("a", **{name: 640}), name) == 640


@pytest.mark.parametrize("cls", [VideoFileMetadata, AudioFileMetadata, VoiceRecordingFileMetadata])
def test_duration_validation(cls: type) -> None:
    for bad in (-1, -0.001, math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidArgumentError):
            cls("a", duration=bad)
    for bad_type in (True, "3", [1]):
        with pytest.raises(TypeError):
            cls("a", duration=bad_type)
    m = cls("a", duration=3)
    assert m.duration == 3.0 and isinstance(m.duration, float)
    assert cls("a", duration=0).duration == 0.0
    assert cls("a").duration is None


def test_frozen() -> None:
    m = VideoFileMetadata("v.mp4", width=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.width = 3  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        m.extra = 1  # type: ignore[attr-defined]  # slots


def test_subtypes_and_mapping() -> None:
    assert [c.subtype for c in ALL] == [None, "image", "video", "audio", "voice"]
    assert {k: v for k, v in METADATA_BY_SUBTYPE.items()} == {c.subtype: c for c in ALL}


def test_form_fields() -> None:
    assert GenericFileMetadata("a.txt").form_fields() == {}
    assert ImageFileMetadata("a.png").form_fields() == {"subtype": "image"}
    assert ImageFileMetadata("a.png", width=640, height=480).form_fields() == {
        "subtype": "image",
        "width": "640",
        "height": "480",
    }
    assert VideoFileMetadata("v.mp4", height=10, duration=2.5).form_fields() == {
        "subtype": "video",
        "height": "10",
        "duration": "2.5",
    }
    assert AudioFileMetadata("a.mp3", duration=3).form_fields() == {"subtype": "audio", "duration": "3"}
    assert VoiceRecordingFileMetadata("v.ogg", duration=0.1).form_fields() == {"subtype": "voice", "duration": "0.1"}
    assert VoiceRecordingFileMetadata("v.ogg").form_fields() == {"subtype": "voice"}
    for fields in (VideoFileMetadata("v", width=1, height=2, duration=3.25).form_fields(),):
        assert all(isinstance(v, str) for v in fields.values())


def _common(token: str = "tok") -> dict:
    return {"file_token": FileToken(token), "url": "https://x/f", "size": 10, "filename": "f.bin"}


def test_metadata_from_block() -> None:
    assert metadata_from_block(GenericFileBlock(**_common())) == GenericFileMetadata("f.bin")
    assert metadata_from_block(ImageBlock(**_common(), width=3, height=4)) == ImageFileMetadata(
        "f.bin", width=3, height=4
    )
    assert metadata_from_block(VideoBlock(**_common(), duration=1.5)) == VideoFileMetadata("f.bin", duration=1.5)
    assert metadata_from_block(AudioBlock(**_common(), duration=2)) == AudioFileMetadata("f.bin", duration=2.0)
    assert metadata_from_block(VoiceBlock(**_common())) == VoiceRecordingFileMetadata("f.bin")


def test_metadata_to_json_includes_subtype() -> None:
    assert to_json(ImageFileMetadata("a.png", width=1)) == {
        "subtype": "image",
        "filename": "a.png",
        "width": 1,
        "height": None,
    }
    assert to_json(GenericFileMetadata("a")) == {"subtype": None, "filename": "a"}
