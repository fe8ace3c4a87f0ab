"""A user's own code type-checks against the package: ``mypy --strict`` on a small script.

The script builds every public snapshot, content block, text node, subscription state and file
metadata class with typical arguments, the way a notebook or a backend would. It also runs, so the
arguments are ones the classes accept. A second script passes a wrongly typed argument and must
make mypy fail: without it, a mypy that saw everything as ``Any`` would pass the first one too.

mypy runs in a subprocess from an empty directory (no project configuration applies, as for a
user), with this interpreter, so it finds the installed package and its ``py.typed`` marker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a cold mypy run over the package and its dependencies

USER_SCRIPT = '''\
"""Builds talkwidgets' public data classes as a user would."""

from __future__ import annotations

from typing_extensions import assert_type

from talkwidgets import (
    ActiveState,
    AudioBlock,
    AudioFileMetadata,
    ConversationSnapshot,
    ErrorState,
    FileToken,
    GenericFileBlock,
    GenericFileMetadata,
    ImageBlock,
    ImageFileMetadata,
    InvalidArgumentError,
    LocationBlock,
    MessageSnapshot,
    ParticipantSnapshot,
    PendingState,
    SendFileBlock,
    TextBlock,
    UnsubscribedState,
    UserSnapshot,
    VideoBlock,
    VideoFileMetadata,
    VoiceBlock,
    VoiceRecordingFileMetadata,
)
from talkwidgets.model import (
    ActionButtonNode,
    ActionLinkNode,
    AutoLinkNode,
    BulletListNode,
    BulletPointNode,
    CodeSpanNode,
    ContentBlock,
    CustomEmojiNode,
    FileMetadata,
    LinkNode,
    MarkupNode,
    MentionNode,
    ReactionsSummarySnapshot,
    ReferencedMessageSnapshot,
    SubscriptionState,
    TextNode,
    UnknownContentBlock,
    UnknownTextNode,
)

# --- text nodes and content blocks ---
nodes: tuple[TextNode, ...] = (
    MarkupNode(type="bold", children=(CodeSpanNode(text="make test"),)),
    LinkNode(url="https://example.com", children=(MarkupNode(type="italic"),)),
    AutoLinkNode(url="https://example.com", text="example.com"),
    ActionLinkNode(action="open", params={"id": "42"}, children=(CustomEmojiNode(text=":party:"),)),
    ActionButtonNode(action="accept", children=(MentionNode(id="bob", text="Bob"),)),
    BulletListNode(children=(BulletPointNode(children=(CodeSpanNode(text="one"),)),)),
    UnknownTextNode(type="sparkle", text="new kind of node"),
)
text = TextBlock(children=nodes)
token = FileToken("tok_123")
blocks: tuple[ContentBlock, ...] = (
    text,
    LocationBlock(latitude=51.5072, longitude=-0.1276),
    GenericFileBlock(file_token=token, url="https://files.example/r.pdf", size=2048, filename="r.pdf"),
    ImageBlock(file_token=token, url="https://files.example/c.png", size=4096, filename="c.png", width=640, height=480),
    VideoBlock(file_token=token, url="https://files.example/v.mp4", size=9000, filename="v.mp4", duration=1.5),
    AudioBlock(file_token=token, url="https://files.example/s.mp3", size=3000, filename="s.mp3", duration=2.5),
    VoiceBlock(file_token=token, url="https://files.example/n.webm", size=1000, filename="n.webm", duration=3.25),
    UnknownContentBlock(type="poll", data={"question": "Lunch?"}),
)
to_send = SendFileBlock(file_token=token)

# --- snapshots ---
alice = UserSnapshot(id="alice", name="Alice", custom={"team": "blue"}, photo_url=None, role="default")
bob = UserSnapshot(id="bob", name="Bob", locale="en-GB")
reactions = (ReactionsSummarySnapshot(emoji="👍", count=2, current_user_reacted=True),)
quoted = ReferencedMessageSnapshot(id="m0", sender=bob, created_at=1_700_000_000_000, plaintext="hi", content=(text,))
message = MessageSnapshot(
    id="m1",
    sender=alice,
    created_at=1_700_000_001_000,
    content=blocks,
    plaintext="hello",
    referenced_message=quoted,
    reactions=reactions,
    conversation_id="c1",
)
conversation = ConversationSnapshot(
    id="c1",
    subject="Lunch",
    created_at=1_700_000_000_000,
    joined_at=1_700_000_000_000,
    last_message=message,
    unread_message_count=1,
    participant_ids=("alice", "bob"),
)
participant = ParticipantSnapshot(user=bob, access="Read", notify="MentionsOnly", joined_at=1_700_000_000_000)

# --- subscription states ---
states: list[SubscriptionState] = [
    PendingState(),
    ActiveState(latest_snapshot=[conversation], loaded_all=False),
    UnsubscribedState(),
    ErrorState(error=InvalidArgumentError("bad value")),
]
active: ActiveState[list[ConversationSnapshot]] = ActiveState(latest_snapshot=[conversation])

# --- file metadata ---
metadata: list[FileMetadata] = [
    GenericFileMetadata("report.pdf"),
    ImageFileMetadata("cat.png", width=640, height=480),
    VideoFileMetadata("clip.mp4", width=64, height=48, duration=1.5),
    AudioFileMetadata("song.mp3", duration=2.5),
    VoiceRecordingFileMetadata("note.webm", duration=3.25),
]

# mypy sees the fields' own types, not Any
assert_type(alice.name, str)
assert_type(message.sender, UserSnapshot | None)
assert_type(conversation.last_message, MessageSnapshot | None)
assert_type(active.latest_snapshot, list[ConversationSnapshot])
assert_type(metadata[1], FileMetadata)
assert_type(blocks[3], ContentBlock)
assert_type(participant.user.id, str)
print(len(nodes), len(blocks), len(states), len(metadata), to_send.type)
'''

# One wrongly typed argument each; mypy must name them.
WRONG_SCRIPT = """\
from talkwidgets import ImageFileMetadata, UserSnapshot

UserSnapshot(id="alice", name=42)
ImageFileMetadata("cat.png", width="640")
"""


def mypy(script: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--no-error-summary", script.name],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory shared by both runs, so the second reuses mypy's cache of the package."""
    return tmp_path_factory.mktemp("user-code")


def test_a_user_script_building_every_public_data_class_passes_mypy_strict(workdir: Path) -> None:
    script = workdir / "user_script.py"
    script.write_text(USER_SCRIPT)
    result = mypy(script, workdir / ".mypy_cache")
    assert result.returncode == 0, f"mypy --strict failed:\n{result.stdout}{result.stderr}"
    ran = subprocess.run([sys.executable, script.name], cwd=workdir, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["7", "8", "4", "5", "file"]


def test_a_wrongly_typed_argument_fails_mypy(workdir: Path) -> None:
    script = workdir / "wrong_script.py"
    script.write_text(WRONG_SCRIPT)
    result = mypy(script, workdir / ".mypy_cache")
    assert result.returncode == 1, f"mypy accepted wrong types:\n{result.stdout}{result.stderr}"
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 2, result.stdout
    assert 'Argument "name" to "UserSnapshot" has incompatible type "int"; expected "str"' in errors[0]
    assert 'Argument "width" to "ImageFileMetadata" has incompatible type "str"; expected "int | None"' in errors[1]
