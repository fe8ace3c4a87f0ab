"""Wire JSON ↔ dataclasses: users, content, messages, conversations, participants, to_json."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from talkwidgets.model import (
    ActionButtonNode,
    ActionLinkNode,
    ActiveState,
    AudioBlock,
    AutoLinkNode,
    BulletListNode,
    BulletPointNode,
    CodeSpanNode,
    ConversationSnapshot,
    CustomEmojiNode,
    ErrorState,
    FileToken,
    GenericFileBlock,
    ImageBlock,
    InvalidArgumentError,
    LinkNode,
    LocationBlock,
    MarkupNode,
    MentionNode,
    MessageSnapshot,
    NotFoundError,
    ParticipantSnapshot,
    SendFileBlock,
    TextBlock,
    UnknownContentBlock,
    UnknownTextNode,
    UserSnapshot,
    VideoBlock,
    VoiceBlock,
    content_from_wire,
    content_to_wire,
    conversation_from_wire,
    message_from_wire,
    participant_from_wire,
    plaintext,
    referenced_from_message,
    to_json,
    user_from_wire,
)

REST_USER = {
    "id": "alice",
    "name": "Alice",
    "welcomeMessage": "Hi!",
    "photoUrl": "https://x/alice.png",
    "headerPhotoUrl": None,
    "role": "buyer",
    "email": ["alice@example.com"],
    "phone": None,
    "custom": {"camelKey": "v", "n": 3},
    "availabilityText": None,
    "locale": "en-US",
    "createdAt": 1623926680929,
    "pushTokens": None,
}

ALL_NODES_WIRE: list[Any] = [
    "plain ",
    {"type": "bold", "children": ["b"]},
    {"type": "italic", "children": [{"type": "strikethrough", "children": ["s"]}]},
    {"type": "bulletList", "children": [{"type": "bulletPoint", "children": ["one"]}]},
    {"type": "codeSpan", "text": "x = 1"},
    {"type": "link", "url": "https://a.b", "children": ["here"]},
    {"type": "autoLink", "url": "https://a.b", "text": "a.b"},
    {"type": "actionLink", "action": "go", "params": {"someKey": "1"}, "children": ["go"]},
    {"type": "actionButton", "action": "buy", "params": {}, "children": ["Buy"]},
    {"type": "customEmoji", "text": ":party:"},
    {"type": "mention", "id": "bob", "text": "Bob"},
]


# --------------------------------------------------------------------------- users


def test_user_from_wire() -> None:
    u = user_from_wire(REST_USER)
    assert u == UserSnapshot(
        id="alice",
        name="Alice",
        custom={"camelKey": "v", "n": "3"},
        locale="en-US",
        photo_url="https://x/alice.png",
        role="buyer",
        welcome_message="Hi!",
    )
    assert not hasattr(u, "email")


def test_user_from_wire_tolerates_missing_keys() -> None:
    u = user_from_wire({"id": "x"})
    assert (u.name, u.role, u.locale, u.photo_url, dict(u.custom)) == ("", "default", None, None, {})
    assert user_from_wire({"id": "x", "configuration": "old"}).role == "old"
    with pytest.raises(InvalidArgumentError):
        user_from_wire({"name": "no id"})


def test_snapshot_immutability() -> None:
    source = {"k": "v"}
    u = UserSnapshot(id="a", name="A", custom=source)
    source["k"] = "changed"
    assert u.custom["k"] == "v"
    with pytest.raises(TypeError):
        u.custom["k"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        u.name = "B"  # type: ignore[misc]
    with pytest.raises(TypeError):
        UserSnapshot("a", "A")  # type: ignore[misc]  # keyword-only


# --------------------------------------------------------------------------- content


def test_every_text_node_round_trips() -> None:
    blocks = content_from_wire([{"type": "text", "children": ALL_NODES_WIRE}])
    (block,) = blocks
    assert isinstance(block, TextBlock)
    kinds = [type(n) for n in block.children]
    assert kinds == [
        str,
        MarkupNode,
        MarkupNode,
        BulletListNode,
        CodeSpanNode,
        LinkNode,
        AutoLinkNode,
        ActionLinkNode,
        ActionButtonNode,
        CustomEmojiNode,
        MentionNode,
    ]
    italic = block.children[2]
    assert isinstance(italic, MarkupNode) and italic.type == "italic"
    assert italic.children == (MarkupNode(type="strikethrough", children=("s",)),)
    bullet = block.children[3]
    assert isinstance(bullet, BulletListNode)
    assert bullet.children == (BulletPointNode(children=("one",)),)
    action = block.children[7]
    assert isinstance(action, ActionLinkNode)
    assert dict(action.params) == {"someKey": "1"}  # user data keys are not case-converted
    with pytest.raises(TypeError):
        action.params["x"] = "y"  # type: ignore[index]
    assert block.children[10] == MentionNode(id="bob", text="Bob")
    assert content_to_wire(blocks) == [{"type": "text", "children": ALL_NODES_WIRE}]


def test_unknown_text_node() -> None:
    (block,) = content_from_wire(
        [{"type": "text", "children": [{"type": "sparkle", "text": "!"}, {"type": "box", "children": ["in"]}]}]
    )
    assert isinstance(block, TextBlock)
    first, second = block.children
    assert first == UnknownTextNode(type="sparkle", text="!", children=None)
    assert second == UnknownTextNode(type="box", text=None, children=("in",))
    assert plaintext([block]) == "!in"
    # also: a markup node with an unknown markup kind is unknown, not a crash
    (b2,) = content_from_wire([{"type": "text", "children": [{"type": "underline", "children": ["u"]}]}])
    assert isinstance(b2, TextBlock) and isinstance(b2.children[0], UnknownTextNode)


def _file(**extra: Any) -> dict[str, Any]:
    return {"type": "file", "fileToken": "tok_1", "url": "https://x/f", "size": 42, "filename": "f.bin", **extra}


def test_file_blocks_from_wire() -> None:
    blocks = content_from_wire(
        [
            _file(),
            _file(subtype="image", width=640, height=480.0),
            _file(subtype="video", width=1, height=2, duration=3),
            _file(subtype="audio", duration=1.5),
            _file(subtype="voice"),
            _file(subtype="hologram", depth=3),
        ]
    )
    generic, image, video, audio, voice, future = blocks
    assert generic == GenericFileBlock(file_token=FileToken("tok_1"), url="https://x/f", size=42, filename="f.bin")
    assert generic.subtype is None and generic.type == "file"
    assert isinstance(image, ImageBlock) and (image.width, image.height) == (640, 480)
    assert isinstance(image.height, int)
    assert isinstance(video, VideoBlock) and video.duration == 3.0 and isinstance(video.duration, float)
    assert isinstance(audio, AudioBlock) and audio.duration == 1.5
    assert isinstance(voice, VoiceBlock) and voice.duration is None
    assert type(future) is GenericFileBlock  # unknown subtype falls back to generic
    assert plaintext(blocks) == "\n".join(["f.bin"] * 6)


def test_file_block_subtype_is_fixed() -> None:
    kw = {"file_token": FileToken("t"), "url": "u", "size": 1, "filename": "f"}
    assert ImageBlock(**kw).subtype == "image"
    with pytest.raises(InvalidArgumentError):
        ImageBlock(**kw, subtype="video")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        CodeSpanNode(type="bold", text="x")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        MarkupNode(type="underline", children=())  # type: ignore[arg-type]


def test_location_block() -> None:
    (loc,) = content_from_wire([{"type": "location", "latitude": 51.481083, "longitude": -3.178306}])
    assert loc == LocationBlock(latitude=51.481083, longitude=-3.178306)
    assert content_to_wire([loc]) == [{"type": "location", "latitude": 51.481083, "longitude": -3.178306}]
    assert plaintext([loc]) == "51.481083, -3.178306"
    assert isinstance(LocationBlock(latitude=1, longitude=2).latitude, float)
    for lat, lon in [(91, 0), (-90.5, 0), (0, 180.1), (0, -181), (float("nan"), 0), (0, float("inf"))]:
        with pytest.raises(InvalidArgumentError):
            LocationBlock(latitude=lat, longitude=lon)
    with pytest.raises(TypeError):
        LocationBlock(latitude="1", longitude=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LocationBlock(latitude=True, longitude=2)  # type: ignore[arg-type]
    # malformed coordinates on the wire do not break parsing
    (bad,) = content_from_wire([{"type": "location", "latitude": 500, "longitude": 0}])
    assert isinstance(bad, UnknownContentBlock) and bad.type == "location"


def test_unknown_block() -> None:
    raw = {"type": "poll", "question": "?", "options": ["a", "b"]}
    (block,) = content_from_wire([raw])
    assert isinstance(block, UnknownContentBlock)
    assert block.type == "poll" and block.data["question"] == "?"
    with pytest.raises(TypeError):
        block.data["x"] = 1  # type: ignore[index]
    assert plaintext([block]) == ""
    with pytest.raises(InvalidArgumentError):
        content_to_wire([block])
    (odd,) = content_from_wire(["not a block"])
    assert isinstance(odd, UnknownContentBlock) and odd.type == ""
    assert content_from_wire(None) == ()


def test_content_to_wire_sends_only_file_tokens() -> None:
    received = content_from_wire([_file(subtype="image", width=2, height=3)])
    assert content_to_wire(received) == [{"type": "file", "fileToken": "tok_1"}]
    assert content_to_wire([SendFileBlock(file_token=FileToken("abc"))]) == [{"type": "file", "fileToken": "abc"}]
    with pytest.raises(InvalidArgumentError):
        SendFileBlock(file_token=FileToken(""))
    with pytest.raises(InvalidArgumentError):
        content_to_wire([GenericFileBlock(file_token=FileToken(""), url="u", size=0, filename="f")])
    with pytest.raises(TypeError):
        content_to_wire(["bare string"])  # type: ignore[list-item]


def test_children_lists_become_tuples() -> None:
    block = TextBlock(children=["a", MarkupNode(type="bold", children=["b"])])
    assert block.children == ("a", MarkupNode(type="bold", children=("b",)))
    assert hash(block) == hash(TextBlock(children=("a", MarkupNode(type="bold", children=("b",)))))


def test_plaintext_rendering() -> None:
    (block,) = content_from_wire([{"type": "text", "children": ALL_NODES_WIRE}])
    text = plaintext([block])
    assert text.startswith("plain bs")
    assert "- one" in text
    assert "x = 1" in text and "here" in text and "a.b" in text and ":party:" in text and "Bob" in text
    assert "https://a.b" not in text  # links show their visible text
    blocks = [TextBlock(children=["hi"]), LocationBlock(latitude=1.5, longitude=2.0)]
    assert plaintext(blocks) == "hi\n1.5, 2.0"


# --------------------------------------------------------------------------- messages

REST_MESSAGE = {
    "id": "msg_0UQbqdxnQWkoIw7Db7fZHK",
    "conversationId": "order_1",
    "type": "UserMessage",
    "senderId": "alice",
    "text": "hello *there*",
    "content": [{"type": "text", "children": ["hello ", {"type": "bold", "children": ["there"]}]}],
    "attachment": None,
    "location": None,
    "readBy": ["bob"],
    "origin": "web",
    "createdAt": 1700000000000,
    "editedAt": 1700000001000,
    "referencedMessageId": "msg_prev",
    "custom": {"k": "v"},
}


def test_message_from_wire() -> None:
    alice = user_from_wire(REST_USER)
    m = message_from_wire(REST_MESSAGE, alice)
    assert m.id == "msg_0UQbqdxnQWkoIw7Db7fZHK"
    assert m.conversation_id == "order_1"
    assert m.type == "UserMessage" and m.sender is alice
    assert m.origin == "web"
    assert (m.created_at, m.edited_at) == (1700000000000, 1700000001000)
    assert m.referenced_message_id == "msg_prev" and m.referenced_message is None
    assert m.plaintext == "hello *there*"
    assert m.content == (TextBlock(children=("hello ", MarkupNode(type="bold", children=("there",)))),)
    assert dict(m.custom) == {"k": "v"}
    assert m.reactions == ()


def test_message_legacy_fields_build_content() -> None:
    d = {
        "id": "m1",
        "type": "UserMessage",
        "text": "",
        "attachment": {"url": "https://cdn/x/my%20photo.png?sig=1", "size": 99},
        "location": [51.5, -0.1],
        "createdAt": 5,
    }
    m = message_from_wire(d, None)
    file_block, loc = m.content
    assert isinstance(file_block, GenericFileBlock)
    assert (file_block.filename, file_block.size, file_block.file_token) == ("my photo.png", 99, "")
    assert loc == LocationBlock(latitude=51.5, longitude=-0.1)
    assert m.plaintext == "my photo.png\n51.5, -0.1"  # empty text: rendered from content
    assert m.origin == "rest" and m.edited_at is None

    text_only = message_from_wire({"id": "m2", "text": "hi", "createdAt": 1}, None)
    assert text_only.content == (TextBlock(children=("hi",)),)
    assert text_only.plaintext == "hi"
    empty = message_from_wire({"id": "m3", "createdAt": 1}, None)
    assert empty.content == (TextBlock(children=()),) and empty.plaintext == ""


def test_system_message_has_no_sender() -> None:
    alice = user_from_wire(REST_USER)
    m = message_from_wire({**REST_MESSAGE, "type": "SystemMessage", "senderId": None}, alice)
    assert m.type == "SystemMessage" and m.sender is None


def test_referenced_message() -> None:
    alice = user_from_wire(REST_USER)
    prev = message_from_wire({**REST_MESSAGE, "id": "msg_prev", "referencedMessageId": "msg_older"}, alice)
    ref = referenced_from_message(prev)
    assert ref.id == "msg_prev" and ref.sender is alice and ref.referenced_message_id == "msg_older"
    m = message_from_wire(REST_MESSAGE, alice, referenced_message=ref)
    assert m.referenced_message is ref
    system = message_from_wire({**REST_MESSAGE, "type": "SystemMessage"}, None)
    with pytest.raises(InvalidArgumentError):
        referenced_from_message(system)


def test_message_reactions_when_present() -> None:
    m = message_from_wire(
        {**REST_MESSAGE, "reactions": [{"emoji": "👍", "count": 2, "currentUserReacted": True}, {"bad": 1}]}, None
    )
    assert len(m.reactions) == 1
    r = m.reactions[0]
    assert (r.emoji, r.count, r.current_user_reacted) == ("👍", 2, True)


# --------------------------------------------------------------------------- conversations

REST_CONVERSATION = {
    "id": "order_1",
    "subject": "Order #1",
    "photoUrl": None,
    "welcomeMessages": ["Welcome!"],
    "custom": {"orderId": "1"},
    "lastMessage": REST_MESSAGE,
    "participants": {
        "alice": {"access": "ReadWrite", "notify": True, "joinedAt": 100, "readUntil": 1700000000000},
        "bob": {"access": "Read", "notify": "MentionsOnly", "joinedAt": 200, "readUntil": 150},
    },
    "createdAt": 50,
    "topicId": None,
}


def test_conversation_with_user_fields() -> None:
    d = {
        **REST_CONVERSATION,
        "joinedAt": 100,
        "readUntil": 90,
        "everyoneReadUntil": 80,
        "unreadMessageCount": 3,
        "isUnread": True,
        "access": "Read",
        "notify": "MentionsOnly",
        "lastActivityAt": 1700000000000,
    }
    last = message_from_wire(REST_MESSAGE, user_from_wire(REST_USER))
    c = conversation_from_wire(d, last_message=last)
    assert c == ConversationSnapshot(
        id="order_1",
        subject="Order #1",
        photo_url=None,
        welcome_messages=("Welcome!",),
        custom={"orderId": "1"},
        created_at=50,
        joined_at=100,
        last_message=last,
        unread_message_count=3,
        read_until=90,
        everyone_read_until=80,
        is_unread=True,
        access="Read",
        notify="MentionsOnly",
        participant_ids=("alice", "bob"),
    )
    with pytest.raises(TypeError):
        c.custom["orderId"] = "2"  # type: ignore[index]


def test_conversation_defaults_without_user_fields() -> None:
    last = message_from_wire(REST_MESSAGE, None)
    c = conversation_from_wire({"id": "c", "createdAt": 10, "welcomeMessages": None}, last_message=last)
    assert c.joined_at == 10
    assert (c.unread_message_count, c.is_unread, c.access, c.notify) == (0, False, "ReadWrite", True)
    assert c.read_until == last.created_at == c.everyone_read_until
    assert c.welcome_messages == () and c.subject is None

    unread = conversation_from_wire({"id": "c", "createdAt": 10, "unreadMessageCount": 2}, last_message=last)
    assert unread.is_unread is True and unread.read_until == 10


def test_conversation_user_fields_from_participants() -> None:
    c = conversation_from_wire(REST_CONVERSATION, last_message=None, user_id="bob")
    assert (c.access, c.notify, c.joined_at, c.read_until) == ("Read", "MentionsOnly", 200, 150)
    assert c.everyone_read_until == 150  # minimum readUntil over participants
    with pytest.raises(InvalidArgumentError):
        conversation_from_wire({"subject": "no id"}, last_message=None)


def test_participant_from_wire() -> None:
    bob = UserSnapshot(id="bob", name="Bob")
    p = participant_from_wire(bob, REST_CONVERSATION["participants"]["bob"])
    assert p == ParticipantSnapshot(user=bob, access="Read", notify="MentionsOnly", joined_at=200)
    q = participant_from_wire(bob, {"notify": False})
    assert (q.access, q.notify, q.joined_at) == ("ReadWrite", False, 0)


# --------------------------------------------------------------------------- to_json


def test_to_json_is_dumpable_and_snake_case() -> None:
    alice = user_from_wire(REST_USER)
    last = message_from_wire({**REST_MESSAGE, "content": [{"type": "text", "children": ALL_NODES_WIRE}]}, alice)
    conv = conversation_from_wire(REST_CONVERSATION, last_message=last, user_id="alice")
    out = to_json(conv)
    json.dumps(out)
    assert out["photo_url"] is None and out["welcome_messages"] == ["Welcome!"]
    assert out["custom"] == {"orderId": "1"}  # keys inside custom are kept verbatim
    lm = out["last_message"]
    assert lm["sender"]["photo_url"] == "https://x/alice.png"
    assert lm["created_at"] == 1700000000000 and lm["referenced_message_id"] == "msg_prev"
    nodes = lm["content"][0]["children"]
    assert lm["content"][0]["type"] == "text"
    assert [n["type"] for n in nodes if isinstance(n, dict)] == [
        "bold",
        "italic",
        "bulletList",
        "codeSpan",
        "link",
        "autoLink",
        "actionLink",
        "actionButton",
        "customEmoji",
        "mention",
    ]
    assert nodes[7]["params"] == {"someKey": "1"}


def test_to_json_blocks_states_and_participants() -> None:
    blocks = content_from_wire([_file(subtype="video", width=1, height=2, duration=3), {"type": "poll", "q": 1}])
    out = to_json(blocks)
    assert out[0] == {
        "type": "file",
        "subtype": "video",
        "file_token": "tok_1",
        "url": "https://x/f",
        "size": 42,
        "filename": "f.bin",
        "width": 1,
        "height": 2,
        "duration": 3.0,
    }
    assert out[1] == {"type": "poll", "data": {"type": "poll", "q": 1}}
    p = ParticipantSnapshot(user=UserSnapshot(id="u", name="U"), joined_at=1)
    state = ActiveState(latest_snapshot=(p,), loaded_all=True)
    js = to_json(state)
    assert js == {
        "type": "active",
        "latest_snapshot": [
            {
                "user": {
                    "id": "u",
                    "name": "U",
                    "custom": {},
                    "locale": None,
                    "photo_url": None,
                    "role": "default",
                    "welcome_message": None,
                },
                "access": "ReadWrite",
                "notify": True,
                "joined_at": 1,
            }
        ],
        "loaded_all": True,
    }
    err = to_json(ErrorState(error=NotFoundError("gone", status=404)))
    assert err["type"] == "error" and err["error"]["name"] == "NotFoundError"
    json.dumps(err)
    with pytest.raises(TypeError):
        to_json(object())


def test_message_snapshot_is_frozen() -> None:
    m = message_from_wire(REST_MESSAGE, None)
    assert isinstance(m, MessageSnapshot)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.plaintext = "x"  # type: ignore[misc]
    assert isinstance(m.content, tuple)


def test_snapshots_keep_one_object_for_equal_values() -> None:
    """What a window of 1,000 conversations holds per conversation: equal timestamps, the two ids of
    the conversation, a one-line text and the origin word are each one object, not one per field."""
    wire = json.loads(
        '{"id": "c1", "createdAt": 1796114407436, "joinedAt": 1796114407436, "readUntil": 1796114407436,'
        ' "everyoneReadUntil": 1796114407436, "participants": {"alice": {}, "bob": {}},'
        ' "lastMessage": {"id": "m1", "conversationId": "c1", "type": "UserMessage", "senderId": "bob",'
        ' "text": "hello there", "content": [{"type": "text", "children": ["hello there"]}],'
        ' "origin": "rest", "createdAt": 1796114407441}}'
    )
    last = message_from_wire(wire["lastMessage"], None)
    conv = conversation_from_wire(wire, last_message=last, user_id="alice")
    assert conv.id is last.conversation_id
    assert conv.joined_at is conv.created_at and conv.read_until is conv.created_at
    assert conv.everyone_read_until is conv.created_at
    assert last.origin is "rest"  # noqa: F632 (identity is the point: the constant, not the JSON's copy)
    assert last.plaintext == "hello there" and last.plaintext is last.content[0].children[0]
    edited = message_from_wire(dict(wire["lastMessage"], text="other words"), None)
    assert edited.plaintext == "other words", "a text that differs from the content's is kept"
